"""Lost reasons: the list admins keep of why deals are lost, and the reason a lost deal records.

A reason is archived rather than deleted: deals lost for it keep pointing at it, so reports still count
them, while the lost dialog no longer offers it.
"""

from __future__ import annotations

from typing import Any

from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import LostReason
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import diff, write

NAME_LENGTH = 100
TEXT_LENGTH = 500  # deal.lost_reason's column


def offered(include_archived: bool) -> QuerySet[LostReason]:
    """The lost reasons a list shows: the archived ones only with `include_archived` (the admins' list)."""
    return LostReason.all() if include_archived else LostReason.filter(archived=False)


async def _unique_name(raw: str | None, exclude_id: int | None = None) -> str:
    name = v.text("name", raw, max_length=NAME_LENGTH, required=True)
    taken = LostReason.filter(name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    if await taken.exists():
        raise BadUserInput("name", f"{name!r} is already in the list (archived ones count: restore it instead)")
    return name


async def create_lost_reason(actor: Actor, name: str | None) -> LostReason:
    permissions.require(actor, Action.MANAGE_LOST_REASONS)
    async with write(actor) as unit:
        cleaned = await _unique_name(name)
        reason = await LostReason.create(name=cleaned)
        await unit.audit("lost_reason.create", "lost_reason", reason.id, {"name": [None, cleaned]})
    return reason


async def update_lost_reason(actor: Actor, raw_id: Any, version: int | None, data: dict[str, Any]) -> LostReason:
    """Rename (`name`) or archive and restore (`archived`) a reason."""
    permissions.require(actor, Action.MANAGE_LOST_REASONS)
    expected = v.version("version", version)
    values: dict[str, Any] = {}
    async with write(actor) as unit:
        reason = await v.one(LostReason.filter(id=v.parse_id("id", raw_id)), "LostReason", raw_id, "id")
        if "name" in data:
            values["name"] = await _unique_name(data["name"], exclude_id=reason.id)
        if "archived" in data:
            if data["archived"] is None:
                raise BadUserInput("archived", "may not be null")
            values["archived"] = bool(data["archived"])
        before = {key: getattr(reason, key) for key in values}
        await v.versioned_update(LostReason, reason, expected, "LostReason", **values)
        await unit.audit("lost_reason.update", "lost_reason", reason.id, diff(before, values))
    return reason


async def reason_text(raw_id: Any, detail: str | None) -> tuple[int | None, str]:
    """(lost reason id, the text a lost deal keeps) from a reason picked from the list and/or free text.

    The text starts with the picked reason's name, so clients that read only `lostReason` see it too."""
    text = v.text("lostReason", detail, max_length=TEXT_LENGTH)
    if raw_id is None:
        return None, text
    reason = await v.one(LostReason.filter(id=v.parse_id("lostReasonId", raw_id)), "LostReason", raw_id,
                         "lostReasonId")
    if reason.archived:
        raise BadUserInput("lostReasonId", f"{reason.name!r} is archived: pick a reason from the current list")
    full = f"{reason.name}: {text}" if text else reason.name
    if len(full) > TEXT_LENGTH:
        raise BadUserInput("lostReason", f"is too long with the reason's name ({len(full)} characters, "
                                         f"at most {TEXT_LENGTH})")
    return reason.id, full
