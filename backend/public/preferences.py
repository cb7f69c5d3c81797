"""`/u/{token}`: a mail recipient's email preferences, and RFC 8058 one-click unsubscribe.

The token names the address (services/consent.py), so no sign-in is needed. Unsubscribing needs no
CSRF token: RFC 8058's one-click POST comes from the mail client without one, and the worst a forged
unsubscribe does is stop mail the person could stop anyway. Subscribing again is consent, so that form
carries the page's CSRF token. All of it is rate limited per client like the campaign pages.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from backend import security_headers
from backend.errors import RateLimited
from backend.models import ConsentSource, ConsentStatus
from backend.public import templates
from backend.public.pages import MAX_BODY, PUBLIC
from backend.ratelimit import limiter
from backend.reads.visitor import csrf_ok, csrf_token, visitor_id
from backend.services import consent

DONE = {
    "unsubscribed": "You are unsubscribed. You will get no more marketing email from us at this address.",
    "subscribed": "Welcome back: you will get our marketing email at this address again.",
}


def _page(html: str, status: int = 200) -> Response:
    response = HTMLResponse(html, status_code=status)
    response.headers.update(security_headers.public_page(embed=False))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:2]}•••@{domain}"  # enough for the person to know it, little for whoever was forwarded the mail


def _invalid() -> Response:
    return _page(templates.render("message.html", heading="Link not valid", status=404,
                                  message="This preferences link is not valid. Use the link from one of our emails."), 404)


def _too_many(error: RateLimited) -> Response:
    retry = int((error.extensions or {})["retryAfter"])
    response = _page(templates.render("message.html", heading="Too many requests", status=429,
                                      message=f"Please wait {retry} seconds and try again."), 429)
    response.headers["Retry-After"] = str(retry)
    return response


async def _admitted(request: Request) -> tuple[str, str, Response | None]:
    """(token, the address it names, None), or the refusal: over the rate limit, or a token not ours."""
    token = request.path_params["token"]
    try:
        await limiter.check(request)
    except RateLimited as error:
        return token, "", _too_many(error)
    email = consent.email_of(token)
    return token, email or "", None if email else _invalid()


async def page(request: Request) -> Response:
    token, email, refused = await _admitted(request)
    if refused is not None:
        return refused
    subscribed = await consent.is_subscribed(email)
    done = request.query_params.get("done")
    html = templates.render(
        "preferences.html", email=_masked(email), subscribed=subscribed, token=token,
        confirm=request.query_params.get("unsubscribe") == "1" and subscribed,
        done=DONE.get(done or ""), csrf=csrf_token(visitor_id(request), f"u:{email}"),
    )
    return _page(html)


async def _body(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    return parse_qs(body[:MAX_BODY].decode("utf-8", "replace")) if len(body) <= MAX_BODY else {}


async def unsubscribe(request: Request) -> Response:
    """One-click (body `List-Unsubscribe=One-Click`, answered 200) or the page's button (answered 303)."""
    token, _, refused = await _admitted(request)
    if refused is not None:
        return refused
    form = await _body(request)
    one_click = form.get("List-Unsubscribe") == ["One-Click"]
    source = ConsentSource.ONE_CLICK if one_click else (
        ConsentSource.LINK if form.get("via") == ["link"] else ConsentSource.PREFERENCES)
    await consent.change_by_token(PUBLIC, token, ConsentStatus.UNSUBSCRIBED, source)
    if one_click:
        return PlainTextResponse("Unsubscribed.", headers={"Cache-Control": "no-store"})
    return RedirectResponse(f"/u/{token}?done=unsubscribed", status_code=303)


async def resubscribe(request: Request) -> Response:
    token, email, refused = await _admitted(request)
    if refused is not None:
        return refused
    form = await _body(request)
    if not csrf_ok((form.get("csrf") or [""])[0], visitor_id(request), f"u:{email}"):
        return _page(templates.render("message.html", heading="Please reload the page", status=403,
                                      message="This form has expired or did not come from this page. Reload it and try again."), 403)
    await consent.change_by_token(PUBLIC, token, ConsentStatus.SUBSCRIBED, ConsentSource.PREFERENCES)
    return RedirectResponse(f"/u/{token}?done=subscribed", status_code=303)
