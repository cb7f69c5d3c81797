"""Campaigns: create, edit, and the status workflow that decides when the public page is open."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError

from backend import permissions
from backend.auth.actor import Actor
from backend.codes import typed_code
from backend.errors import BadUserInput
from backend.live.events import CampaignStatusNote, NotificationKind
from backend.models import Campaign, CampaignStatus, CampaignType, Role, User, Visibility
from backend.permissions import Action
from backend.services import notify
from backend.services import validate as v
from backend.services.unit import Unit, diff, write

S = CampaignStatus

# Which status may follow which: a campaign is prepared (draft → new), goes live (active) and can be
# paused and resumed (inactive ↔ active). Anything not live can be discarded, and discarded is final.
TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    S.DRAFT: frozenset({S.NEW, S.DISCARDED}),
    S.NEW: frozenset({S.ACTIVE, S.DISCARDED}),
    S.ACTIVE: frozenset({S.INACTIVE}),
    S.INACTIVE: frozenset({S.ACTIVE, S.DISCARDED}),
    S.DISCARDED: frozenset(),
}

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
# Once a campaign has been live its code is in links and embed snippets out in the world.
CODE_EDITABLE = (S.DRAFT, S.NEW)
OWNER_ROLES = (Role.ADMIN, Role.MARKETING)


def allowed_next(campaign: Campaign) -> list[CampaignStatus]:
    return sorted(TRANSITIONS[campaign.status], key=list(S).index)


def _code(value: str | None) -> str:
    cleaned = v.text("code", value, max_length=40, required=True).lower()
    if not CODE.match(cleaned):
        raise BadUserInput(
            "code", "use 3 to 40 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
        )
    return cleaned


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()  # "Été" → "Ete"
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)[:30].strip("-") or "campaign"


async def generate_code(title: str) -> str:
    """A readable code from the title with a short random tail, e.g. `spring-sale-k7m2`."""
    slug = _slug(title)
    for _ in range(10):
        code = f"{slug}-{typed_code(4)}"
        if not await Campaign.filter(code=code).exists():
            return code
    raise BadUserInput("code", "could not find a free code; choose one")


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the fields present in `data` (the required ones too when creating)."""
    checks = {
        "title": lambda x: v.text("title", x, max_length=200, required=True),
        "code": _code,
        "description": lambda x: v.text("description", x, max_length=10000, multiline=True),
        "type": lambda x: v.choice("type", x, CampaignType),
        "visibility": lambda x: v.choice("visibility", x, Visibility),
        "starts_on": lambda x: x,
        "ends_on": lambda x: x,
    }
    if creating:
        data = {"title": None, "type": None, **data}
        if data.get("code") is None:
            data = {k: x for k, x in data.items() if k != "code"}
        if data.get("visibility") is None:
            data = {**data, "visibility": Visibility.PRIVATE}
    return {key: checks[key](value) for key, value in data.items() if key in checks}


async def _owner(raw_id: Any) -> int:
    user_id = v.parse_id("ownerId", raw_id)
    owner = await User.filter(id=user_id, active=True).first()
    if owner is None:
        raise BadUserInput("ownerId", f"no active user with id {raw_id}")
    if owner.role not in OWNER_ROLES:
        raise BadUserInput("ownerId", "campaign owners are marketing users or admins")
    return owner.id


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Campaign:
    campaign_id = v.parse_id(field, raw_id)
    return await v.one(Campaign.filter(permissions.campaign_rule(actor), id=campaign_id), "Campaign", raw_id, field)


async def _code_is_free(code: str, campaign_id: int | None = None) -> None:
    taken = Campaign.filter(code=code)
    if campaign_id is not None:
        taken = taken.exclude(id=campaign_id)
    if await taken.exists():
        raise BadUserInput("code", f"{code!r} is already used by another campaign")


async def create_campaign(actor: Actor, data: Mapping[str, Any]) -> Campaign:
    permissions.require(actor, Action.CREATE_CAMPAIGN)
    values = _clean(data, creating=True)
    v.date_range("startsOn", values.get("starts_on"), "endsOn", values.get("ends_on"))
    owner_id = await _owner(data["owner_id"]) if data.get("owner_id") is not None else actor.user_id
    if "code" in values:
        await _code_is_free(values["code"])
    else:
        values["code"] = await generate_code(values["title"])
    try:
        async with write(actor) as unit:
            campaign = await Campaign.create(**values, owner_id=owner_id, status=S.DRAFT)
            await unit.audit(
                "campaign.create", "campaign", campaign.id, diff({}, {**values, "owner_id": owner_id, "status": S.DRAFT})
            )
    except IntegrityError:  # the same code taken by a concurrent create: the unique key decides
        raise BadUserInput("code", f"{values['code']!r} is already used by another campaign") from None
    return campaign


async def update_campaign(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Campaign:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    if "owner_id" in data:
        if data["owner_id"] is None:
            raise BadUserInput("ownerId", "a campaign keeps an owner; name another one")
        values["owner_id"] = await _owner(data["owner_id"])
    try:
        async with write(actor) as unit:
            campaign = await visible(actor, raw_id)
            permissions.require(actor, Action.UPDATE_CAMPAIGN, campaign)
            if "code" in values and values["code"] != campaign.code:
                if campaign.status not in CODE_EDITABLE:
                    raise BadUserInput("code", "the code cannot change once the campaign has been live (links use it)")
                await _code_is_free(values["code"], campaign.id)
            v.date_range(
                "startsOn", values.get("starts_on", campaign.starts_on), "endsOn", values.get("ends_on", campaign.ends_on)
            )
            before = {key: getattr(campaign, key) for key in values}
            await v.versioned_update(Campaign, campaign, expected, "Campaign", **values)
            await unit.audit("campaign.update", "campaign", campaign.id, diff(before, values))
    except IntegrityError:
        raise BadUserInput("code", f"{values.get('code')!r} is already used by another campaign") from None
    return campaign


async def change_status(actor: Actor, raw_id: Any, version: int | None, status: Any) -> Campaign:
    expected = v.version("version", version)
    target = v.choice("status", status, CampaignStatus)
    async with write(actor) as unit:
        campaign = await visible(actor, raw_id)
        permissions.require(actor, Action.CHANGE_CAMPAIGN_STATUS, campaign)
        current = campaign.status
        if target not in TRANSITIONS[current]:
            allowed = ", ".join(s.value for s in allowed_next(campaign)) or "none, it is final"
            raise BadUserInput("status", f"a {current.value} campaign cannot become {target.value} (allowed: {allowed})")
        await move(unit, actor, campaign, expected, target)
    return campaign


async def move(unit: Unit, actor: Actor, campaign: Campaign, expected: int, target: CampaignStatus,
               why: str | None = None) -> None:
    """The status change itself, inside `unit`: versioned write, audit entry, the owner told. The
    schedule (services/campaign_schedule.py) moves campaigns through here too, as the system."""
    current = campaign.status
    await v.versioned_update(Campaign, campaign, expected, "Campaign", status=target)
    await unit.audit("campaign.change_status", "campaign", campaign.id,
                     {"status": [current.value, target.value], **({"reason": why} if why else {})})
    await _notify_owner(unit, actor, campaign, current, why)


def local_today(zone: str | None, at: datetime | None = None) -> date:
    """The date in `zone` (an IANA name; UTC when unknown) at `at` (default: now)."""
    at = at or datetime.now(UTC)
    try:
        return at.astimezone(ZoneInfo(zone or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return at.astimezone(UTC).date()


async def campaign_today(campaign: Campaign, at: datetime | None = None) -> date:
    """The date that a campaign's period is read in: its owner's (see services/campaign_schedule.py)."""
    zone = None
    if campaign.owner_id is not None:
        zone = await User.filter(id=campaign.owner_id).first().values_list("time_zone", flat=True)
    return local_today(cast(str | None, zone), at)


async def _notify_owner(unit: Unit, actor: Actor, campaign: Campaign, before: CampaignStatus, why: str | None) -> None:
    """Tell the owner their campaign went live, paused, ended or was discarded — unless they did it
    themselves — in the app and by email as they chose (preferences kind `campaign_status`).
    `actor` made the change: inside an outer write (the demo seed's), unit.actor is that write's actor."""
    owner_id = campaign.owner_id
    if owner_id is None or owner_id == actor.user_id:
        return
    owner = await User.filter(id=owner_id, active=True).first()
    if owner is None:
        return
    by = "automatically" if actor.is_system else f"by {actor.label}"
    message = f"Campaign “{campaign.title}” is now {campaign.status.value} (was {before.value}), {by}"
    if why:
        message += f": {why}"
    await notify.tell(unit, owner, NotificationKind.CAMPAIGN_STATUS, message, ("campaign", campaign.id),
                      lambda note: CampaignStatusNote(id=note.id, message=note.message, entity="campaign",
                                                      entity_id=campaign.id, status=campaign.status.value),
                      f"campaign_status:{campaign.id}:{campaign.version}", template="campaign_status",
                      title=campaign.title, campaign_id=campaign.id, status=campaign.status.value,
                      before=before.value, by=by, why=why or "")
