"""The public support form `/support/{code}`, and the satisfaction survey `/s/{token}` mailed on resolution.

A customer's people file a web ticket without an account.

Protected as the other public pages are: rate limited per client IP (CRM_PUBLIC_RATE_LIMIT), the post carries
the page's CSRF token (bound to the visitor), answered Post/Redirect/Get; and a honeypot field people never
see: a post that fills it is thanked and dropped. The code in the path is the form's secret: never indexed,
never cached, no Referer to other sites.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backend.errors import BadUserInput, RateLimited
from backend.models import Customer, SupportForm, Ticket
from backend.public import booking, pages, templates
from backend.ratelimit import limiter
from backend.reads.visitor import csrf_ok, csrf_token, visitor_id
from backend.services import tickets

FIELDS = (("name", "Your name", "text"), ("email", "Your email", "email"), ("subject", "Subject", "text"),
          ("description", "What happened?", "textarea"))
THANKS = "Thank you: we received your request and will answer by email."


def _headers(response: Response) -> Response:
    """As the booking page's, but the Referer policy is same-origin, not no-referrer: the path's secret still
    never leaves for another site, and the browser's form post keeps its Origin (with no-referrer it sends
    `Origin: null`, which the origin guard refuses when the visitor is also signed in to the CRM)."""
    booking._headers(response)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _code(form: SupportForm) -> str:
    return f"support:{form.id}"


async def _find(code: str) -> tuple[SupportForm, str] | None:
    form = await SupportForm.filter(code=code).first()
    if form is None:
        return None
    customer = await Customer.get(id=form.customer_id)
    return form, customer.name


def _unknown(request: Request) -> Response:
    return booking._message(request, 404, "Support form not found",
                            "This support form does not exist. Check the address you were given.", "NOT_FOUND")


def _too_many(request: Request, error: RateLimited) -> Response:
    return booking._too_many(request, error)


def _render(request: Request, code: str, form: SupportForm, customer: str, *, status: int = 200,
            flash: dict[str, object] | None = None, values: dict[str, str] | None = None,
            errors: dict[str, str] | None = None) -> Response:
    html = templates.render("support.html", customer=customer, code=code, fields=FIELDS, flash=flash,
                            values=values or {}, errors=errors or {}, status=status, robots="noindex",
                            csrf=csrf_token(visitor_id(request), _code(form)))
    return _headers(HTMLResponse(html, status_code=status))


def _thanked(request: Request, code: str, form: SupportForm) -> Response:
    if pages._wants_json(request):
        return _headers(JSONResponse({"ok": True}))
    flash = pages._flash_signer().dumps({"support": form.id, "ok": True, "message": THANKS})
    return _headers(RedirectResponse(f"/support/{code}?{urlencode({'flash': flash})}", status_code=303))


def _read_flash(request: Request, form: SupportForm) -> dict[str, object] | None:
    token = request.query_params.get("flash")
    if not token:
        return None
    try:
        flash = pages._flash_signer().loads(token, max_age=pages.FLASH_MAX_AGE)
    except Exception:  # BadSignature, SignatureExpired, malformed: no message
        return None
    return flash if isinstance(flash, dict) and flash.get("support") == form.id else None


async def _opened(request: Request) -> tuple[str, SupportForm, str] | Response:
    """(code, form, customer's name) of the form addressed, once the client is within its rate; else the answer."""
    code = request.path_params["code"]
    try:
        await limiter.check(request)
        found = await _find(code)
    except RateLimited as error:
        return _too_many(request, error)
    if found is None:
        return _unknown(request)
    return code, *found


async def page(request: Request) -> Response:
    opened = await _opened(request)
    if isinstance(opened, Response):
        return opened
    code, form, customer = opened
    return _render(request, code, form, customer, flash=_read_flash(request, form))


async def submit(request: Request) -> Response:
    opened = await _opened(request)
    if isinstance(opened, Response):
        return opened
    code, form, customer = opened
    try:
        posted = await pages._form(request)
    except BadUserInput as error:
        return _render(request, code, form, customer, status=400, flash={"ok": False, "message": pages._explain(error)})
    if not csrf_ok(posted.get("csrf"), visitor_id(request), _code(form)):
        return booking._message(request, 403, "Please reload the page",
                                "This form has expired or did not come from this page. Reload it and try again.",
                                "FORBIDDEN")
    if posted.get("website"):  # the honeypot: a bot filled in a field no person sees
        return _thanked(request, code, form)
    values = {name: posted.get(name, "") for name, _, _ in FIELDS}
    try:
        await tickets.file_from_form(code, values["name"], values["email"], values["subject"], values["description"])
    except BadUserInput as error:
        field = str((error.extensions or {}).get("field", ""))
        if pages._wants_json(request):
            return _headers(JSONResponse({"error": {"message": error.message, **(error.extensions or {})}},
                                                 status_code=400))
        return _render(request, code, form, customer, status=400, values=values,
                       errors={field: error.message.removeprefix(f"{field}: ")})
    return _thanked(request, code, form)


# --- The satisfaction survey `/s/{token}` ------------------------------------------------------------------

SCORES = ((5, "Excellent"), (4, "Good"), (3, "Fair"), (2, "Poor"), (1, "Very poor"))


def _survey_unknown(request: Request) -> Response:
    return booking._message(request, 404, "Survey not found",
                            "This survey link is unknown, has expired, or its request was reopened.", "NOT_FOUND")


def _survey(request: Request, token: str, ticket: Ticket, *, status: int = 200,
            flash: dict[str, object] | None = None) -> Response:
    html = templates.render("survey.html", token=token, number=ticket.number, subject=ticket.subject, scores=SCORES,
                            chosen=ticket.satisfaction, flash=flash, status=status, robots="noindex",
                            csrf=csrf_token(visitor_id(request), f"survey:{ticket.id}"))
    return _headers(HTMLResponse(html, status_code=status))


async def _surveyed(request: Request) -> tuple[str, Ticket] | Response:
    token = request.path_params["token"]
    try:
        await limiter.check(request)
        ticket = await tickets.surveyed(token)
    except RateLimited as error:
        return _too_many(request, error)
    return (token, ticket) if ticket is not None else _survey_unknown(request)


async def survey_page(request: Request) -> Response:
    opened = await _surveyed(request)
    if isinstance(opened, Response):
        return opened
    token, ticket = opened
    thanked = request.query_params.get("thanks") == "1" and ticket.satisfaction is not None
    return _survey(request, token, ticket, flash={"ok": True, "message": "Thank you for your answer!"} if thanked else None)


async def rate(request: Request) -> Response:
    opened = await _surveyed(request)
    if isinstance(opened, Response):
        return opened
    token, ticket = opened
    try:
        posted = await pages._form(request)
    except BadUserInput as error:
        return _survey(request, token, ticket, status=400, flash={"ok": False, "message": pages._explain(error)})
    if not csrf_ok(posted.get("csrf"), visitor_id(request), f"survey:{ticket.id}"):
        return booking._message(request, 403, "Please reload the page",
                                "This form has expired or did not come from this page. Reload it and try again.",
                                "FORBIDDEN")
    try:
        await tickets.rate(ticket, posted.get("score"))
    except BadUserInput:  # the only input is the score
        return _survey(request, token, ticket, status=400, flash={"ok": False, "message": "Please pick one of the answers."})
    return _headers(RedirectResponse(f"/s/{token}?thanks=1", status_code=303))
