"""Pick-lists admins keep (high-level statuses, industries, segments, lead sources, activity outcomes): add,
rename, reorder, archive and restore values, and the check that a record is given a value that is offered.

A value is archived rather than deleted: records that carry it keep it (and show it), while forms no
longer offer it and a record cannot be given it anew. Industries, segments, lead sources and activity
outcomes live in the record's own text column (filters, reports and segments read them as text): a record
keeps the text it has when a form sends it back unchanged, even once the value is archived or renamed in
the list; a new value must be an offered one, spelled as the list spells it. A list nobody keeps yet (no
values at all) leaves the field free text, as it was before the list existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import PickListChanged
from backend.models import PickList, PickListItem
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import Unit, diff, write

LABEL_LENGTH = 100
# The lists whose values go into a narrower text column than a label's.
LABEL_LENGTHS = {PickList.SEGMENT: 50}
# How a refusal names each list.
NOUNS = {PickList.HIGH_LEVEL_STATUS: "high-level statuses", PickList.INDUSTRY: "industries",
         PickList.SEGMENT: "segments", PickList.LEAD_SOURCE: "lead sources",
         PickList.ACTIVITY_OUTCOME: "activity outcomes"}
# Record columns whose text comes from a list: column → (list, the input field a refusal names).
CUSTOMER_LISTS = {"industry": (PickList.INDUSTRY, "industry"), "segment": (PickList.SEGMENT, "segment")}
LEAD_LISTS = {"source": (PickList.LEAD_SOURCE, "source")}


async def _unique_label(pick_list: PickList, raw: str | None, exclude_id: int | None = None) -> str:
    label = v.text("label", raw, max_length=LABEL_LENGTHS.get(pick_list, LABEL_LENGTH), required=True)
    taken = PickListItem.filter(list=pick_list, label__iexact=label)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    if await taken.exists():
        raise BadUserInput("label", f"{label!r} is already in the list (archived ones count: restore it instead)")
    return label


async def create_item(actor: Actor, pick_list: PickList, label: str | None) -> PickListItem:
    """A new value at the end of its list."""
    permissions.require(actor, Action.MANAGE_PICK_LISTS)
    async with write(actor) as unit:
        cleaned = await _unique_label(pick_list, label)
        last = await PickListItem.filter(list=pick_list).order_by("-position").first()
        position = (last.position if last else 0) + 1
        item = await PickListItem.create(list=pick_list, label=cleaned, position=position)
        await unit.audit("pick_list_item.create", "pick_list_item", item.id,
                         {"list": [None, pick_list.value], "label": [None, cleaned], "position": [None, position]})
        _changed(unit, item)
    return item


def _changed(unit: Unit, item: PickListItem) -> None:
    unit.publish(topics.configuration(), PickListChanged(list=item.list.value, item_id=item.id))


async def update_item(actor: Actor, raw_id: Any, version: int | None, data: dict[str, Any]) -> PickListItem:
    """Rename (`label`), move (`position`, 1-based: the others shift to make room) or archive and restore
    (`archived`) a value."""
    permissions.require(actor, Action.MANAGE_PICK_LISTS)
    expected = v.version("version", version)
    values: dict[str, Any] = {}
    async with write(actor) as unit:
        item = await v.one(PickListItem.filter(id=v.parse_id("id", raw_id)), "PickListItem", raw_id, "id")
        if "label" in data:
            values["label"] = await _unique_label(item.list, data["label"], exclude_id=item.id)
        if "archived" in data:
            if data["archived"] is None:
                raise BadUserInput("archived", "may not be null")
            values["archived"] = bool(data["archived"])
        if "position" in data:
            count = await PickListItem.filter(list=item.list).count()
            position = v.integer("position", data["position"], minimum=1, maximum=count)
            if position is None:
                raise BadUserInput("position", "may not be null")
            values["position"] = position
        before = {key: getattr(item, key) for key in values}
        await v.versioned_update(PickListItem, item, expected, "PickListItem", **values)
        if "position" in values and values["position"] != before["position"]:
            await _renumber(item, values["position"])
        await unit.audit("pick_list_item.update", "pick_list_item", item.id, diff(before, values))
        _changed(unit, item)
    return item


async def _renumber(moved: PickListItem, position: int) -> None:
    """Positions 1..n again, with `moved` at `position` and the others in their order around it."""
    others = [i for i in await PickListItem.filter(list=moved.list).order_by("position", "id") if i.id != moved.id]
    others.insert(position - 1, moved)
    for number, item in enumerate(others, start=1):
        if item.position != number or item.id == moved.id:
            await PickListItem.filter(id=item.id).update(position=number)


async def offered(pick_list: PickList, field: str, raw_id: Any) -> int | None:
    """The id of a value of `pick_list` a record may be given now (None clears it): it exists and is not
    archived. A record that already carries an archived value keeps it as long as it is not sent again."""
    if raw_id is None or raw_id == "":
        return None
    item = await v.one(PickListItem.filter(list=pick_list, id=v.parse_id(field, raw_id)), "PickListItem", raw_id, field)
    if item.archived:
        raise BadUserInput(field, f"{item.label!r} is archived: pick one from the current list")
    return int(item.id)


async def keep_listed(values: dict[str, Any], columns: Mapping[str, tuple[PickList, str]], record: Any = None) -> None:
    """Check, in place, the values of `columns` in a record's cleaned `values` against their lists:
    each becomes the list's spelling of an offered value, or stays the text `record` already has."""
    for column, (pick_list, field) in columns.items():
        if column in values:
            values[column] = await listed_label(pick_list, field, values[column], getattr(record, column, None))


async def listed_label(pick_list: PickList, field: str, text: str, current: str | None = None) -> str:
    """`text` as the list spells it ("" clears; `current`, the record's own value, stays as it is)."""
    if not text or text == current:
        return text
    return match_label(pick_list, field, text, await kept_items(pick_list))


async def listed(pick_list: PickList, include_archived: bool) -> list[PickListItem]:
    """A list's values in the admins' order (forms: the offered ones; the admins' screen: all)."""
    return await items(pick_list, include_archived).order_by("position", "id")


def items(pick_list: PickList, include_archived: bool) -> QuerySet[PickListItem]:
    """A list's values, the archived ones only with `include_archived` (the compiled reads list them too)."""
    query = PickListItem.filter(list=pick_list)
    return query if include_archived else query.filter(archived=False)


async def kept_items(pick_list: PickList) -> list[dict[str, Any]]:
    """The list's values (label, archived), for match_label; a list is short."""
    return await PickListItem.filter(list=pick_list).values("label", "archived")


def match_label(pick_list: PickList, field: str, text: str, items: list[dict[str, Any]]) -> str:
    """`text` as `items` (kept_items) spell it: an offered value, case ignored; free text while the list is
    empty. Refused, naming `field`: a value not in the list, or archived."""
    if not text or not items:
        return text  # a list nobody keeps yet: free text, as before the list
    match = next((i for i in items if i["label"].casefold() == text.casefold()), None)
    if match is None:
        raise BadUserInput(field, f"{text!r} is not in the list of {NOUNS[pick_list]}: pick one from it "
                                  "(admins keep the list)")
    if match["archived"]:
        raise BadUserInput(field, f"{match['label']!r} is archived: pick one from the current list")
    return str(match["label"])
