"""Users: sign-in from identity-provider claims, sign-out, and the admin's edits (role, team, active)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from backend import permissions
from backend.auth import sessions
from backend.auth.actor import Actor
from backend.auth.oidc import role_from_claims
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import SessionEnded, UserAccessChanged
from backend.mail import language
from backend.models import Customer, Deal, Role, Team, User
from backend.permissions import Action, Assignment
from backend.services import validate as v
from backend.services.removals import hiding
from backend.services.unit import diff, write
from backend.settings import Settings

# Changes that alter what a user may see: their open streams end so they restart with the new rights.
ACCESS_FIELDS = frozenset({"role", "team_id", "active"})


async def assignable(
    actor: Actor, field: str, raw_id: Any, *, purpose: Assignment = Assignment.OWNER, required: bool = False
) -> int | None:
    """The id of an active user `actor` may make responsible for a record (permissions.assignee_rule)."""
    user = await assignable_user(actor, field, raw_id, purpose=purpose, required=required)
    return user.id if user else None


async def assignable_user(
    actor: Actor, field: str, raw_id: Any, *, purpose: Assignment = Assignment.OWNER, required: bool = False
) -> User | None:
    if raw_id is None:
        if required:
            raise BadUserInput(field, "may not be empty: this record always has someone responsible")
        return None
    user = await User.filter(id=v.parse_id(field, raw_id), active=True).first()
    if user is None:
        raise BadUserInput(field, f"no active user with id {raw_id}")
    if not await User.filter(permissions.assignee_rule(actor, purpose), id=user.id).exists():
        raise BadUserInput(field, f"{user.name}: {permissions.assignee_limit(actor, purpose)}")
    return user


class SignInRefused(Exception):
    """The identity provider vouched for someone the CRM does not let in; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _name(claims: Mapping[str, Any], address: str) -> str:
    try:
        return v.text("name", str(claims.get("name") or ""), max_length=200) or address.split("@")[0]
    except BadUserInput:
        return address.split("@")[0]


async def _account(subject: str, address: str, email_verified: bool) -> User | None:
    """The user this identity signs in as: by subject, or by email for a user made before their first sign-in.

    Linking by email trusts the provider's word that the address is theirs, so an address the provider
    itself marks unverified never takes over an existing account.
    """
    user = await User.filter(subject=subject).first() or await User.filter(email=address).first()
    if user is None:
        return None
    if user.subject is None and not email_verified:
        raise SignInRefused(f"The identity provider has not verified {address}; verify it there, then sign in again.")
    if user.subject not in (None, subject):
        raise SignInRefused(f"The CRM account {address} belongs to another sign-in identity; ask an administrator.")
    if user.email != address and await User.exists(email=address):
        raise SignInRefused(f"Another CRM account already uses {address}; ask an administrator.")
    if not user.active:
        raise SignInRefused(f"The CRM account {address} is deactivated; ask an administrator to reactivate it.")
    return user


async def sign_in(claims: Mapping[str, Any], settings: Settings, user_agent: str = "") -> tuple[User, str]:
    """Create or refresh the user the claims describe and open a session; returns (user, cookie value).

    The first sign-in creates the user; later ones take name and email from the provider, and the role
    when the role claim maps to one (otherwise an administrator's choice stands). Raises SignInRefused
    for deactivated or conflicting accounts.
    """
    try:
        return await _sign_in(claims, settings, user_agent)
    except IntegrityError:  # the same person's first sign-in in another tab created the user meanwhile
        return await _sign_in(claims, settings, user_agent)


async def _sign_in(claims: Mapping[str, Any], settings: Settings, user_agent: str) -> tuple[User, str]:
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise SignInRefused("The identity provider sent no usable subject (sub) for this account.")
    try:
        address = v.email("email", str(claims.get("email") or ""), required=True)
    except BadUserInput:
        raise SignInRefused("The identity provider sent no valid email address for this account.") from None
    name = _name(claims, address)
    spoken = language.normalize(claims.get("locale"))  # OIDC's standard claim, e.g. de-DE
    role = role_from_claims(claims, settings)
    user = await _account(subject, address, claims.get("email_verified") is not False)
    at = datetime.now(UTC)
    who = Actor.for_user(user, via="ui") if user else Actor(None, address, name, None, None, via="ui")
    async with write(who) as unit:
        if user is None:
            values: dict[str, Any] = {"email": address, "name": name, "subject": subject, "role": role,
                                      "language": spoken}
            user = await User.create(**values, last_login_at=at)
            await unit.audit("user.create", "user", user.id, diff({}, values))
        else:
            wanted: dict[str, Any] = {"email": address, "name": name, "subject": subject}
            if role is not None:
                wanted["role"] = role
            if spoken is not None and user.language is None:
                wanted["language"] = spoken  # the provider's word until the user picks one
            changes = diff({key: getattr(user, key) for key in wanted}, wanted)
            bump = {"version": F("version") + 1, "updated_at": at} if changes else {}
            await User.filter(id=user.id).update(**wanted, **bump, last_login_at=at)
            await user.refresh_from_db()
            if changes:
                await unit.audit("user.update", "user", user.id, changes)
            if ACCESS_FIELDS & changes.keys():
                unit.publish(topics.access_revoked(), UserAccessChanged(user_id=user.id))
        await unit.audit("user.sign_in", "user", user.id)
        cookie = await sessions.start(user.id, user_agent, settings)
    return user, cookie


async def sign_out(actor: Actor) -> None:
    """End the actor's session at once; their open streams end with it."""
    if actor.session_id is None:
        return
    async with write(actor) as unit:
        if await sessions.end(actor.session_id):
            await unit.audit("user.sign_out", "user", actor.user_id)
            unit.publish(topics.access_revoked(), SessionEnded(session_id=actor.session_id))


def time_zone(value: Any) -> str:
    zone = v.text("timeZone", value, max_length=64, required=True)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadUserInput("timeZone", f"{zone!r} is not an IANA time zone such as Europe/Berlin") from None
    return zone


def _language(value: Any) -> str | None:
    """A language code (`de`, from `de-DE` too); null or empty: not set (mail in English)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = v.text("language", value, max_length=16)
    code = language.normalize(text)
    if code is None:
        raise BadUserInput("language", f"{text!r} is not a language code such as en or de")
    return code


async def update_my_settings(actor: Actor, data: Mapping[str, Any]) -> User:
    """The signed-in user's own settings: the language of their mail and their time zone (which decides
    when their morning digest comes and how dates read in mail)."""
    permissions.require(actor, Action.UPDATE_MY_SETTINGS)
    if actor.user_id is None:
        raise BadUserInput("language", "only a user has settings")
    values: dict[str, Any] = {}
    if "language" in data:
        values["language"] = _language(data["language"])
    if "time_zone" in data:
        values["time_zone"] = time_zone(data["time_zone"])
    async with write(actor) as unit:
        user = await v.one(User.filter(id=actor.user_id), "User", actor.user_id, "id")
        changes = diff({key: getattr(user, key) for key in values}, values)
        if changes:
            await User.filter(id=user.id).update(**values, version=F("version") + 1, updated_at=datetime.now(UTC))
            await user.refresh_from_db()
        await unit.audit("user.settings", "user", user.id, changes)
    return user


async def _team_id(raw_id: Any) -> int | None:
    if raw_id is None:
        return None
    team_id = v.parse_id("teamId", raw_id)
    if not await Team.exists(id=team_id):
        raise NotFound("Team", raw_id, field="teamId")
    return team_id


async def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = v.text("name", data["name"], max_length=200, required=True)
    if "time_zone" in data:
        values["time_zone"] = time_zone(data["time_zone"])
    if "role" in data:
        values["role"] = None if data["role"] is None else v.choice("role", data["role"], Role)
    if "team_id" in data:
        values["team_id"] = await _team_id(data["team_id"])
    if "active" in data:
        if data["active"] is None:
            raise BadUserInput("active", "must be true or false")
        values["active"] = bool(data["active"])
    return values


async def _customers_of(user_id: int) -> list[int]:
    """The customers a user makes visible to their team: those they manage and those they own deals of."""
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    managed = cast(list[int], await Customer.filter(account_manager_id=user_id).values_list("id", flat=True))
    selling = cast(list[int], await Deal.filter(owner_id=user_id).distinct().values_list("customer_id", flat=True))
    return sorted({*managed, *selling})


async def update_user(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> User:
    """An admin changes a user's role, team, name, time zone or active flag (send the version read).

    Deactivating ends the user's sessions and streams at once; role and team changes end their streams
    so they reconnect with the new rights.
    """
    permissions.require(actor, Action.UPDATE_USER)
    expected = v.version("version", version)
    user_id = v.parse_id("id", raw_id)
    user = await v.one(User.filter(id=user_id), "User", raw_id, "id")
    values = await _clean(data)
    if user.id == actor.user_id and values.get("active") is False:
        raise BadUserInput("active", "you cannot deactivate your own account")
    if user.id == actor.user_id and "role" in values and values["role"] is not Role.ADMIN:
        raise BadUserInput("role", "you cannot take away your own admin role; ask another admin")
    before = {key: getattr(user, key) for key in values}
    async with write(actor) as unit:
        moved = await _customers_of(user.id) if values.get("team_id", user.team_id) != user.team_id else []
        async with hiding(unit, moved):  # the old team no longer sees what the member manages or sells
            await v.versioned_update(User, user, expected, "User", **values)
        changes = diff(before, values)
        await unit.audit("user.update", "user", user.id, changes)
        if values.get("active") is False and before.get("active"):
            await sessions.end_all(user.id)
        if ACCESS_FIELDS & changes.keys():
            unit.publish(topics.access_revoked(), UserAccessChanged(user_id=user.id))
    return user

