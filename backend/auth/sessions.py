"""Server-side sign-in sessions: the cookie holds a random value, the database only its sha256.

A session ends on sign-out, on deactivation of its user, after `session_idle_seconds` without a
request, and `session_absolute_seconds` after sign-in, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from starlette.requests import HTTPConnection
from starlette.responses import Response

from backend.auth.callers import callers
from backend.models import Session
from backend.settings import Settings

COOKIE = "crm_session"
# Writing last_seen_at on every request would turn every read into a write; a minute is precise enough
# for an idle timeout counted in hours.
TOUCH_INTERVAL = timedelta(minutes=1)


def now() -> datetime:
    return datetime.now(UTC)


def session_id(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


async def start(user_id: int, user_agent: str, settings: Settings) -> str:
    """Open a session for `user_id`; returns the cookie value (never stored)."""
    value = secrets.token_urlsafe(32)
    at = now()
    await Session.create(
        id=session_id(value),
        user_id=user_id,
        last_seen_at=at,
        expires_at=at + timedelta(seconds=settings.session_absolute_seconds),
        user_agent=user_agent[:300],
    )
    return value


def alive(session: Session, at: datetime, settings: Settings) -> bool:
    """Whether a session not ended (user loaded) still holds at `at`: neither idle nor past its end."""
    idle_until = session.last_seen_at + timedelta(seconds=settings.session_idle_seconds)
    return at < session.expires_at and at < idle_until and session.user.active


async def resume(cookie_value: str, settings: Settings) -> Session | None:
    """The live session behind a cookie value (user loaded), or None; an expired one is ended here."""
    if not cookie_value or len(cookie_value) > 128:
        return None
    return await resume_id(session_id(cookie_value), settings)


async def resume_id(id: str, settings: Settings) -> Session | None:
    """resume() by the session's id: a websocket re-checks the session it was opened with on each use.
    A session this process holds (auth/callers.py) costs no SQL but its touch, once a minute."""
    key, at = ("session", id), now()
    held = callers.get(key, at)
    read_at = callers.generation
    session = held if isinstance(held, Session) else await Session.filter(id=id, ended_at=None).select_related("user").first()
    if session is None:
        return None
    if not alive(session, at, settings):
        callers.drop(key)
        await end(session.id, at)
        return None
    if at - session.last_seen_at >= TOUCH_INTERVAL:
        if not await Session.filter(id=session.id, ended_at=None).update(last_seen_at=at):
            callers.drop(key)  # ended since it was read
            return None
        session.last_seen_at = at
    callers.put(key, session, read_at, at)
    return session


async def end(id: str, at: datetime | None = None) -> bool:
    """End one session; False when it had already ended."""
    return bool(await Session.filter(id=id, ended_at=None).update(ended_at=at or now()))


async def end_all(user_id: int) -> int:
    """End every open session of a user (deactivation); returns how many were open."""
    return await Session.filter(user_id=user_id, ended_at=None).update(ended_at=now())


def set_cookie(response: Response, conn: HTTPConnection, value: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=settings.session_absolute_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=conn.url.scheme in ("https", "wss"),
    )


def clear_cookie(response: Response, conn: HTTPConnection) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=conn.url.scheme in ("https", "wss"))
