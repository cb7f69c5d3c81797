"""The public campaign page `/c/{code}`, its embeddable form `/c/{code}/embed`, and their form posts.

Server-rendered, no script and no websocket. Opening the page counts a view; like and enrol are form
posts carrying the page's CSRF token, answered Post/Redirect/Get with a signed one-time message (or
JSON when the client asks for it), through the same services as the GraphQL mutations.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backend import security_headers
from backend.auth.actor import Actor
from backend.errors import BadUserInput, CrmError, NotFound, RateLimited
from backend.models import Campaign
from backend.public import templates
from backend.ratelimit import limiter
from backend.reads.visitor import cookie_of, csrf_ok, csrf_token, new_cookie, set_cookie, visitor_id
from backend.services import engagement, validate
from backend.services.engagement import REFERRER, Outcome
from backend.settings import get_settings

MAX_BODY = 16 * 1024
FLASH_MAX_AGE = 120


PUBLIC = Actor.anonymous()  # every public action is audited as via="public", without a user


def _is_embed(request: Request) -> bool:
    """The embedded form posts with ?view=embed, so even its error pages may show inside the frame."""
    return request.url.path.endswith("/embed") or request.query_params.get("view") == "embed"


def _secure_headers(response: Response, *, embed: bool) -> Response:
    response.headers.update(security_headers.public_page(embed=embed))
    response.headers["Cache-Control"] = "no-store"  # every page carries its visitor's own CSRF token
    return response


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _flash_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="crm.public.flash")


def _read_flash(request: Request, code: str) -> dict[str, Any] | None:
    token = request.query_params.get("flash")
    if not token:
        return None
    try:
        flash = _flash_signer().loads(token, max_age=FLASH_MAX_AGE)
    except BadSignature:
        return None
    return flash if isinstance(flash, dict) and flash.get("campaign") == code else None


def _ref(value: str | None) -> str:
    value = (value or "").strip()
    return value if REFERRER.match(value) else ""


def _period(campaign: Campaign) -> str:
    def show(day: date) -> str:
        return f"{day.day} {day:%b %Y}"

    if campaign.starts_on and campaign.ends_on:
        return f"{show(campaign.starts_on)} – {show(campaign.ends_on)}"
    if campaign.starts_on:
        return f"From {show(campaign.starts_on)}"
    if campaign.ends_on:
        return f"Until {show(campaign.ends_on)}"
    return ""


def _message_page(request: Request, status: int, heading: str, message: str, **extra: Any) -> Response:
    embed = _is_embed(request)
    if _wants_json(request):
        response: Response = JSONResponse({"error": {"message": message, **extra}}, status_code=status)
    else:
        html = templates.render("message.html", heading=heading, message=message, status=status, embed=embed)
        response = HTMLResponse(html, status_code=status)
    if status == 429:
        response.headers["Retry-After"] = str(extra.get("retryAfter", 60))
    return _secure_headers(response, embed=embed)


def _not_found(request: Request) -> Response:
    return _message_page(
        request, 404, "Campaign not found", "This campaign does not exist or is not open at the moment.", code="NOT_FOUND"
    )


def _too_many(request: Request, error: RateLimited) -> Response:
    retry = int((error.extensions or {})["retryAfter"])
    return _message_page(
        request, 429, "Too many requests", f"Please wait {retry} seconds and try again.", code="RATE_LIMITED", retryAfter=retry
    )


async def campaign_page(request: Request) -> Response:
    code = request.path_params["code"].lower()
    try:
        await limiter.check(request)
        campaign = await engagement.open_campaign(PUBLIC, code=code)
    except RateLimited as error:
        return _too_many(request, error)
    except NotFound:
        return _not_found(request)
    cookie = cookie_of(request)
    fresh_cookie = None if cookie else new_cookie()
    visitor = visitor_id(request, cookie or fresh_cookie)
    flash = _read_flash(request, code)
    # Coming back from one of our own form posts is not a new view, nor is a HEAD (link checkers, monitors).
    if flash or request.method != "GET":
        totals = await engagement.totals(campaign.id)
    else:
        totals = await engagement.record_view(PUBLIC, campaign, visitor)
    response = await _show(request, campaign, visitor, totals, flash=flash, ref=request.query_params.get("ref"))
    if fresh_cookie:
        set_cookie(response, request, fresh_cookie)
    return response


async def _show(
    request: Request,
    campaign: Campaign,
    visitor: str,
    totals: engagement.Totals,
    *,
    flash: dict[str, Any] | None = None,
    ref: str | None = None,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    embed = _is_embed(request)
    html = templates.render(
        "campaign.html",
        campaign=campaign,
        totals=totals,
        period=_period(campaign),
        flash=flash,
        liked=await engagement.has_liked(campaign.id, visitor),
        csrf=csrf_token(visitor, campaign.code),
        ref=_ref(ref),
        embed=embed,
        status=status,
        errors=errors or {},
        values=values or {},
    )
    return _secure_headers(HTMLResponse(html, status_code=status), embed=embed)


class UnreadableForm(BadUserInput):
    """A form field that is not text; `values` keeps what could be read, to show the form again."""

    def __init__(self, field: str, message: str, values: dict[str, str]) -> None:
        super().__init__(field, message)
        self.values = values


def _printable(value: str) -> str:
    """`value` with each lone surrogate shown as "?": it is shown back to the visitor, never stored."""
    return value.encode("utf-8", "replace").decode("utf-8")


def _urlencoded(body: bytes) -> dict[str, str]:
    """Form fields decoded strictly: a field whose bytes are not UTF-8 is named, not silently mangled."""
    form: dict[str, str] = {}
    unreadable: str | None = None
    for pair in filter(None, body.split(b"&")):
        raw_name, _, raw_value = pair.partition(b"=")
        name_bytes, value_bytes = (unquote_to_bytes(raw.replace(b"+", b" ")) for raw in (raw_name, raw_value))
        try:
            name = name_bytes.decode("utf-8")
        except UnicodeDecodeError:
            unreadable = unreadable or "form"
            continue
        try:
            form[name] = value_bytes.decode("utf-8")
        except UnicodeDecodeError:
            unreadable = unreadable or name
            form[name] = value_bytes.decode("utf-8", "replace")
    if unreadable:
        raise UnreadableForm(unreadable, "is not valid UTF-8 text", form)
    return form


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadUserInput("form", "is too large")
    if not request.headers.get("content-type", "").startswith("application/json"):
        return _urlencoded(body)
    try:
        data = json.loads(body or b"{}")
    except RecursionError:  # the parser's own stack ran out: a hostile body, not a form
        raise BadUserInput("form", "is nested deeper than any form can be") from None
    except ValueError:
        raise BadUserInput("form", "is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadUserInput("form", "must be a JSON object")
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    if any(validate.SURROGATE.search(name) for name in form):
        raise UnreadableForm("form", "has a field name that is not text", {})
    for name, value in form.items():
        if validate.SURROGATE.search(value):
            raise UnreadableForm(name, validate.NOT_TEXT, {k: _printable(v) for k, v in form.items()})
    return form


def _answer(request: Request, campaign_code: str, form: dict[str, str], message: str, **extra: Any) -> Response:
    """Done: JSON for API clients; otherwise redirect back to the page with a signed one-time message."""
    embed = _is_embed(request)
    if _wants_json(request):
        return _secure_headers(JSONResponse({"ok": True, "message": message, **extra}), embed=embed)
    flash = _flash_signer().dumps({"campaign": campaign_code, "ok": True, "message": message})
    query = {"flash": flash, **({"ref": form["ref"]} if _ref(form.get("ref")) else {})}
    target = f"/c/{campaign_code}{'/embed' if embed else ''}?{urlencode(query)}"
    return _secure_headers(RedirectResponse(target, status_code=303), embed=embed)


async def _refused(
    request: Request, campaign: Campaign, visitor: str, form: dict[str, str], error: CrmError
) -> Response:
    """Not done: 400 with the reason; a browser gets the form again, the error at its field and what the
    visitor typed kept (nothing was written, so there is nothing to redirect away from)."""
    message = _explain(error)
    if _wants_json(request):
        body = {"error": {"message": message, **(error.extensions or {})}}
        return _secure_headers(JSONResponse(body, status_code=400), embed=_is_embed(request))
    field = (error.extensions or {}).get("field")
    at_field = field in FORM_FIELDS
    return await _show(
        request, campaign, visitor, await engagement.totals(campaign.id),
        flash=None if at_field else {"ok": False, "message": message},
        ref=form.get("ref"),
        status=400,
        errors={str(field): message} if at_field else {},
        values={k: _printable(form[k]) for k in FORM_FIELDS if k in form},
    )


LABELS = {
    "name": "Name", "email": "Email", "consent": "Consent", "referrerCode": "The referral code",
    "ref": "The referral code", "csrf": "The form's security token", "form": "The form",
}
FORM_FIELDS = ("name", "email", "consent")  # the fields a visitor fills in: errors are shown at them


def _explain(error: CrmError) -> str:
    """The service's message in words for visitors: "email: … " becomes "Email …"."""
    field = (error.extensions or {}).get("field")
    if field in LABELS and error.message.startswith(f"{field}: "):
        return f"{LABELS[field]} {error.message[len(field) + 2:]}"
    return error.message


def _success(outcome: Outcome, action: str) -> str:
    if action == "like":
        return "Thank you for your like!" if outcome.counted else "You have already liked this campaign — thank you!"
    assert outcome.enrolment is not None
    if outcome.counted:
        return f"Thank you, {outcome.enrolment.name}: you are signed up."
    return f"{outcome.enrolment.email} is already signed up for this campaign."


async def _post(request: Request, action: str) -> Response:
    code = request.path_params["code"].lower()
    try:
        await limiter.check(request)
        campaign = await engagement.open_campaign(PUBLIC, code=code)
    except RateLimited as error:
        return _too_many(request, error)
    except NotFound:
        return _not_found(request)
    visitor = visitor_id(request)
    try:
        form = await _form(request)
    except UnreadableForm as error:
        return await _refused(request, campaign, visitor, error.values, error)
    except BadUserInput as error:
        return await _refused(request, campaign, visitor, {}, error)
    if not csrf_ok(form.get("csrf"), visitor, code):
        return _message_page(
            request, 403, "Please reload the page",
            "This form has expired or did not come from this page (cookies must be allowed). Reload it and try again.",
            code="FORBIDDEN",
        )
    try:
        if action == "like":
            outcome = await engagement.like(PUBLIC, campaign, visitor)
        else:
            values = engagement.clean_enrolment(
                form.get("name"), form.get("email"), form.get("consent") in ("yes", "on", "true", "1"), form.get("ref")
            )
            source = "embed" if _is_embed(request) else "page"
            outcome = await engagement.enrol(PUBLIC, campaign, visitor, values, source=source)
    except CrmError as error:
        return await _refused(request, campaign, visitor, form, error)
    totals = outcome.totals.as_dict()
    return _answer(request, code, form, _success(outcome, action), counted=outcome.counted, totals=totals)


async def like(request: Request) -> Response:
    return await _post(request, "like")


async def enrol(request: Request) -> Response:
    return await _post(request, "enrol")
