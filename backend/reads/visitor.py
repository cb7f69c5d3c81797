"""Who an anonymous visitor is (a first-party cookie, else IP and browser) and the CSRF token of a page."""

from __future__ import annotations

import re
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from backend.auth.actor import Actor
from backend.ratelimit import client_ip
from backend.services.engagement import visitor_hash
from backend.settings import get_settings

COOKIE = "crm_visitor"
COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
COOKIE_MAX_AGE = 365 * 24 * 3600
TOKEN_MAX_AGE = 24 * 3600  # a page left open for a day asks for a reload rather than posting a stale token


def cookie_of(conn: HTTPConnection) -> str | None:
    value = conn.cookies.get(COOKIE)
    return value if value and COOKIE_VALUE.match(value) else None


def visitor_id(conn: HTTPConnection | None, cookie: str | None = None, actor: Actor | None = None) -> str:
    """The hashed visitor id: a signed-in user is themselves, a browser its cookie, anything else IP + UA."""
    if actor is not None and actor.signed_in:
        return visitor_hash(f"user:{actor.user_id}")
    cookie = cookie or (cookie_of(conn) if conn is not None else None)
    if cookie:
        return visitor_hash(f"cookie:{cookie}")
    if conn is None:
        return visitor_hash("in-process")
    return visitor_hash(f"ip:{client_ip(conn)}|ua:{conn.headers.get('user-agent', '')}")


def new_cookie() -> str:
    return secrets.token_urlsafe(24)


def set_cookie(response: Response, conn: HTTPConnection, value: str) -> None:
    """First-party, HTTP-only, only sent to the public pages. Over HTTPS it is SameSite=None and
    Partitioned so that the embedded form on another site keeps it (CHIPS), otherwise Lax."""
    secure = conn.url.scheme == "https"
    response.set_cookie(
        COOKIE,
        value,
        max_age=COOKIE_MAX_AGE,
        path="/c/",
        httponly=True,
        secure=secure,
        samesite="none" if secure else "lax",
        partitioned=secure,
    )


def _signer(visitor: str, purpose: str) -> URLSafeTimedSerializer:
    # The salt binds the signature to the visitor: a token copied from someone else's page is refused.
    return URLSafeTimedSerializer(get_settings().secret_key, salt=f"crm.public.{purpose}.{visitor}")


def csrf_token(visitor: str, code: str) -> str:
    return _signer(visitor, "csrf").dumps(code)


def csrf_ok(token: str | None, visitor: str, code: str) -> bool:
    if not token:
        return False
    try:
        return _signer(visitor, "csrf").loads(token, max_age=TOKEN_MAX_AGE) == code
    except BadSignature:  # also SignatureExpired
        return False
