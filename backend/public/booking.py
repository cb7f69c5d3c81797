"""The public booking page `/b/{token}`: a contact picks one of the free slots of the link's owner.

Server-rendered like the campaign pages (no script, no websocket), rate limited per client IP, form posts
carrying the page's CSRF token, answered Post/Redirect/Get. The token in the path is the secret: the page
is never indexed, never cached and sends no Referer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backend import security_headers
from backend.errors import BadUserInput, CrmError, NotFound, RateLimited
from backend.public import pages, templates
from backend.ratelimit import limiter
from backend.reads.visitor import csrf_ok, csrf_token, visitor_id
from backend.services import booking
from backend.services.slots import by_day

FLASH_MAX_AGE = pages.FLASH_MAX_AGE


def _headers(response: Response) -> Response:
    response.headers.update(security_headers.public_page(embed=False))
    response.headers["Referrer-Policy"] = "no-referrer"  # the path holds the link's secret token
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(request: Request, status: int, heading: str, message: str, code: str) -> Response:
    if pages._wants_json(request):
        return _headers(JSONResponse({"error": {"message": message, "code": code}}, status_code=status))
    html = templates.render("message.html", heading=heading, message=message, status=status, robots="noindex")
    return _headers(HTMLResponse(html, status_code=status))


def _unknown(request: Request) -> Response:
    return _message(request, 404, "Booking link not found",
                    "This booking link does not exist. Check that you opened the whole link from the email, "
                    "or ask for a new one.", "NOT_FOUND")


def _too_many(request: Request, error: RateLimited) -> Response:
    retry = int((error.extensions or {})["retryAfter"])
    response = _message(request, 429, "Too many requests", f"Please wait {retry} seconds and try again.",
                        "RATE_LIMITED")
    response.headers["Retry-After"] = str(retry)
    return response


def _csrf_code(offer: booking.Offer) -> str:
    return f"booking:{offer.link.id}"


def _closed(offer: booking.Offer) -> str:
    name = offer.owner.name
    if not offer.owner.active:
        return f"This booking link is no longer valid. Please contact {name}'s company for a new one."
    return {
        "expired": f"This booking link has expired. Please ask {name} for a new one.",
        "revoked": f"This booking link was withdrawn by {name}. Please ask them for a new one.",
    }.get(offer.state, "")


def _day(at: Any) -> str:
    return f"{at:%A} {at.day} {at:%B %Y}"


def _render(request: Request, token: str, offer: booking.Offer, *, flash: dict[str, Any] | None = None,
            status: int = 200) -> Response:
    zone, link = offer.zone, offer.link
    booked = ""
    if link.starts_at and link.ends_at:
        start = link.starts_at.astimezone(zone)
        booked = f"{_day(start)}, {start:%H:%M}–{link.ends_at.astimezone(zone):%H:%M} ({zone.key})"
    days = [(_day(day), [{"value": s.starts.isoformat(), "label": f"{s.starts.astimezone(zone):%H:%M}"} for s in slots])
            for day, slots in by_day(offer.slots, zone)]
    state = offer.state if offer.owner.active else "closed"
    html = templates.render(
        "booking.html", owner=offer.owner, minutes=link.duration_minutes, state=state, booked=booked,
        contact_email=offer.contact.email, contact_name=offer.contact.name, closed=_closed(offer), note=link.note,
        zone=zone.key, days=days, token=token, csrf=csrf_token(visitor_id(request), _csrf_code(offer)),
        expires=f"{_day(link.expires_at.astimezone(zone))}, {link.expires_at.astimezone(zone):%H:%M} ({zone.key})",
        flash=flash, status=status, robots="noindex",
    )
    return _headers(HTMLResponse(html, status_code=status))


def _read_flash(request: Request, link_id: int) -> dict[str, Any] | None:
    token = request.query_params.get("flash")
    if not token:
        return None
    try:
        flash = pages._flash_signer().loads(token, max_age=FLASH_MAX_AGE)
    except Exception:  # BadSignature, SignatureExpired, malformed: no message, the page itself says the state
        return None
    return flash if isinstance(flash, dict) and flash.get("booking") == link_id else None


async def page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        await limiter.check(request)
        offer = await booking.offer(token)
    except RateLimited as error:
        return _too_many(request, error)
    except NotFound:
        return _unknown(request)
    return _render(request, token, offer, flash=_read_flash(request, offer.link.id))


async def book(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        await limiter.check(request)
        link = await booking.find(token)
    except RateLimited as error:
        return _too_many(request, error)
    except NotFound:
        return _unknown(request)
    try:
        form = await pages._form(request)
    except BadUserInput as error:
        return _render(request, token, await booking.offer(token), status=400,
                       flash={"ok": False, "message": pages._explain(error)})
    if not csrf_ok(form.get("csrf"), visitor_id(request), f"booking:{link.id}"):
        return _message(request, 403, "Please reload the page",
                        "This form has expired or did not come from this page. Reload it and try again.", "FORBIDDEN")
    try:
        booked = await booking.book(token, form.get("slot"))
    except booking.SlotTaken as error:
        return await _refused(request, token, error, 409)
    except booking.LinkClosed as error:
        return await _refused(request, token, error, 409)
    except BadUserInput as error:
        return await _refused(request, token, error, 400)
    except CrmError:  # the owner can no longer see the contact, or lost their role: the link is void
        return _message(request, 410, "This link is no longer valid",
                        "This booking link can no longer be used. Please ask for a new one.", "FORBIDDEN")
    if pages._wants_json(request):
        assert booked.starts_at is not None and booked.ends_at is not None
        return _headers(JSONResponse({"ok": True, "startsAt": booked.starts_at.astimezone(UTC).isoformat(),
                                      "endsAt": booked.ends_at.astimezone(UTC).isoformat()}))
    flash = pages._flash_signer().dumps({"booking": link.id, "ok": True, "message": "Booked: thank you!"})
    return _headers(RedirectResponse(f"/b/{token}?{urlencode({'flash': flash})}", status_code=303))


async def _refused(request: Request, token: str, error: CrmError, status: int) -> Response:
    if pages._wants_json(request):
        return _headers(JSONResponse({"error": {"message": error.message, **(error.extensions or {})}},
                                     status_code=status))
    message = error.message
    if isinstance(error, BadUserInput) and message.startswith("slot: "):
        message = "That time is not one this page offers: please pick one of the times below."
    elif isinstance(error, booking.LinkClosed):
        message = ""  # the page itself says why (booked, expired or withdrawn)
    offer = await booking.offer(token, datetime.now(UTC))
    return _render(request, token, offer, flash={"ok": False, "message": message} if message else None,
                   status=status)
