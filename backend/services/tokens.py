"""API tokens: created for a user and shown once, stored only as a sha256 hash, revoked for good."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.auth.callers import callers
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import TokenRevoked
from backend.models import ALL_SCOPES, ApiToken, TokenScope, User
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import write

# Like sessions, a token's last use is bookkeeping: once a minute is enough and keeps reads read-only.
TOUCH_INTERVAL = timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    """`crm_<prefix>_<secret>`; the prefix names the token in lists without revealing it."""
    prefix = secrets.token_hex(4)
    return prefix, f"crm_{prefix}_{secrets.token_urlsafe(32)}"


def _scopes(raw: Collection[Any] | None) -> list[str]:
    """The scopes asked for, READ always among them (a token reads what its user sees); none asked: all."""
    if raw is None:
        return list(ALL_SCOPES)
    chosen: set[str] = set()
    for item in raw:
        value = getattr(item, "value", item)
        if value not in ALL_SCOPES:
            raise BadUserInput("scopes", f"unknown scope {value!r}; one of {', '.join(ALL_SCOPES)}")
        chosen.add(value)
    chosen.add(TokenScope.READ.value)
    return [scope for scope in ALL_SCOPES if scope in chosen]


def _expiry(raw: Any) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, datetime):
        raise BadUserInput("expiresAt", "must be a date and time")
    at = raw if raw.tzinfo is not None else raw.replace(tzinfo=UTC)
    if at <= datetime.now(UTC):
        raise BadUserInput("expiresAt", "must be in the future")
    return at


async def create(
    actor: Actor, name: str | None, owner_id: int | None = None,
    scopes: Collection[Any] | None = None, expires_at: Any = None,
) -> tuple[ApiToken, str]:
    """A new token for `owner_id` (default: the actor), limited to `scopes` (default: all, i.e. its user's
    rights) until `expires_at` (default: until revoked). Returns the row and the secret, shown only now."""
    permissions.require(actor, Action.MANAGE_OWN_TOKENS)
    clean = v.text("name", name, max_length=100, required=True)
    granted = _scopes(scopes)
    until = _expiry(expires_at)
    owner = owner_id if owner_id is not None else actor.user_id
    if owner is None:
        raise BadUserInput("name", "only a user can own a token")
    if await ApiToken.exists(user_id=owner, name=clean, revoked_at=None):
        raise BadUserInput("name", f"a token named {clean!r} exists already; revoke it or pick another name")
    prefix, raw = _new_secret()
    async with write(actor) as unit:
        token = await ApiToken.create(
            user_id=owner, name=clean, prefix=prefix, token_hash=_hash(raw), scopes=granted, expires_at=until)
        await unit.audit("api_token.create", "api_token", token.id, {
            "name": [None, clean], "userId": [None, owner], "scopes": [None, granted],
            "expiresAt": [None, until.isoformat() if until else None],
        })
    return token, raw


async def revoke(actor: Actor, raw_id: Any) -> ApiToken:
    """Revoke a token (one's own; an admin's any): it stops working at once and its streams end."""
    token_id = v.parse_id("id", raw_id)
    token = await v.one(ApiToken.filter(permissions.token_rule(actor), id=token_id), "API token", raw_id, "id")
    if token.revoked_at is not None:
        return token
    async with write(actor) as unit:
        token.revoked_at = datetime.now(UTC)
        await ApiToken.filter(id=token.id).update(revoked_at=token.revoked_at)
        await unit.audit("api_token.revoke", "api_token", token.id, {"revokedAt": [None, token.revoked_at]})
        unit.publish(topics.access_revoked(), TokenRevoked(token_id=token.id))
    return token


async def authenticate(raw: str) -> ApiToken | None:
    """The live token (user loaded) behind a secret, or None when unknown, revoked, expired or its user inactive.
    A token this process holds (auth/callers.py) costs no SQL but its touch, once a minute."""
    if not raw.startswith("crm_") or len(raw) > 200:
        return None
    key, at = ("token", _hash(raw)), datetime.now(UTC)
    held = callers.get(key, at)
    read_at = callers.generation
    token = held if isinstance(held, ApiToken) else (
        await ApiToken.filter(token_hash=key[1], revoked_at=None).select_related("user").first())
    if token is None or not token.user.active or token.expired(at):
        return None
    if token.last_used_at is None or at - token.last_used_at >= TOUCH_INTERVAL:
        if not await ApiToken.filter(id=token.id, revoked_at=None).update(last_used_at=at):
            callers.drop(key)  # revoked since it was read
            return None
        token.last_used_at = at
    callers.put(key, token, read_at, at)
    return token


async def create_token_for_email(actor: Actor, email: str, name: str | None = None) -> str:
    """`crm token create --email EMAIL [--name NAME]`: a new token for an existing, active user.

    Needs an initialised database. Raises NotFound (a CrmError) naming the email when there is no such
    active user; tokens are never a way to create users.
    """
    address = v.email("email", email, required=True)
    user = await User.filter(email=address, active=True).first()
    if user is None:
        raise NotFound("Active user", address, field="email")
    _, raw = await create(actor, name or "cli", owner_id=user.id)
    return raw
