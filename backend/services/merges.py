"""Merging duplicate customers or contacts into one: a field-by-field choice of values, every related row
moved to the kept record, the others archived (never deleted) with a pointer to it, one audit entry naming
them all, and the events after the commit. `plan_*` computes the same result without writing (the preview).

One write: the merged records are archived first with their versions checked (a stale one is CONFLICT and
nothing moves), then the related rows move in one UPDATE per table, then the kept record takes its values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from tortoise.expressions import F
from tortoise.models import Model

from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import ActivitiesDeleted, CustomerUpdated, DealUpdated
from backend.models import Activity, Contact, Customer, CustomerPhaseChange, CustomerStatusChange, Deal, Lead, Note
from backend.models.base import Editable
from backend.services import customers
from backend.services import validate as v
from backend.services.archive import writable_contact, writable_customer
from backend.services.removals import hiding
from backend.services.unit import Unit, diff, write

MAX_RECORDS = 10  # a merge of more is a cleanup job, not a screen's choice

# The fields a user chooses among, as the API names them.
CUSTOMER_FIELDS = {
    "name": "name", "legalForm": "legal_form", "email": "email", "phone": "phone", "website": "website",
    "street": "street", "city": "city", "postcode": "postcode", "country": "country", "industry": "industry",
    "segment": "segment", "description": "description",
}
CONTACT_FIELDS = {
    "name": "name", "email": "email", "phone": "phone", "jobTitle": "job_title", "department": "department",
    "roleAtCustomer": "role_at_customer",
}
# Rows that point at a merged record and move to the kept one: (table's model, its column).
CUSTOMER_ROWS: tuple[tuple[type[Model], str], ...] = (
    (Contact, "customer_id"), (Deal, "customer_id"), (Lead, "customer_id"), (Activity, "customer_id"),
    (Note, "customer_id"), (CustomerStatusChange, "customer_id"), (CustomerPhaseChange, "customer_id"),
)
CONTACT_ROWS: tuple[tuple[type[Model], str], ...] = (
    (Activity, "contact_id"), (Deal, "contact_id"), (Lead, "contact_id"),
)


@dataclass(frozen=True)
class MergeRequest:
    keep_id: Any
    records: Sequence[tuple[Any, int | None]]  # every record's id (the kept one too) and the version read
    choices: Mapping[str, Any] = field(default_factory=dict)  # API field name → id of the record to take it from


@dataclass
class MergePlan:
    kept: Any  # Customer or Contact, as loaded
    merged: list[Any]
    values: dict[str, Any]  # the kept record's chosen fields (model names), changed or not
    moved: dict[str, int]  # table → rows that move to the kept record
    versions: dict[int, int] = field(default_factory=dict)


def _table(model: type[Model]) -> str:
    return cast(str, model._meta.db_table)


async def _load(actor: Actor, request: MergeRequest, loader: Any) -> tuple[Any, list[Any], dict[int, int]]:
    ids: dict[int, int] = {}
    for raw_id, version in request.records:
        record_id = v.parse_id("records", raw_id)
        if record_id in ids:
            raise BadUserInput("records", f"record {raw_id} is listed twice")
        ids[record_id] = v.version("records.version", version) if version is not None else 0
    keep_id = v.parse_id("keepId", request.keep_id)
    if keep_id not in ids:
        raise BadUserInput("keepId", "must be one of the records")
    if not 2 <= len(ids) <= MAX_RECORDS:
        raise BadUserInput("records", f"merge 2 to {MAX_RECORDS} records")
    rows = {record_id: await loader(actor, record_id, "records") for record_id in ids}
    for row in rows.values():
        if row.merged_into_id is not None:
            raise BadUserInput("records", f"{row.name} was already merged into another record")
    merged = [row for record_id, row in rows.items() if record_id != keep_id]
    return rows[keep_id], merged, ids


def _values(kept: Any, merged: Sequence[Any], names: Mapping[str, str], choices: Mapping[str, Any]) -> dict[str, Any]:
    """The kept record's fields: as chosen; else its own; else, when empty, the first merged record's
    non-empty value (so a merge never loses a phone number nobody chose against)."""
    by_id = {kept.id: kept, **{row.id: row for row in merged}}
    values: dict[str, Any] = {}
    for column in names.values():
        own = getattr(kept, column)
        values[column] = own if own else next((getattr(r, column) for r in merged if getattr(r, column)), own)
    for raw_name, raw_id in choices.items():
        api_name = v.text("fields.field", raw_name, max_length=50, required=True)
        if api_name not in names:
            raise BadUserInput("fields", f"{api_name!r} is not a field to choose (choose among {', '.join(names)})")
        source = by_id.get(v.parse_id(f"fields.{api_name}", raw_id))
        if source is None:
            raise BadUserInput("fields", f"{api_name} must come from one of the records merged")
        values[names[api_name]] = getattr(source, names[api_name])
    return values


async def _moved(rows: Sequence[tuple[type[Model], str]], merged_ids: list[int]) -> dict[str, int]:
    return {_table(model): await model.filter(**{f"{column}__in": merged_ids}).count() for model, column in rows}


async def plan_customers(actor: Actor, request: MergeRequest) -> MergePlan:
    kept, merged, versions = await _load(actor, request, writable_customer)
    values = _values(kept, merged, CUSTOMER_FIELDS, request.choices)
    tags = list(dict.fromkeys([*kept.tags, *(t for row in merged for t in row.tags)]))  # every tag, once
    values |= {"tags": tags, "tag_index": customers.tag_index(tags)}
    moved = await _moved(CUSTOMER_ROWS, [row.id for row in merged])
    return MergePlan(kept, merged, values, moved, versions)


async def plan_contacts(actor: Actor, request: MergeRequest) -> MergePlan:
    kept, merged, versions = await _load(actor, request, writable_contact)
    values = _values(kept, merged, CONTACT_FIELDS, request.choices)
    moved = await _moved(CONTACT_ROWS, [row.id for row in merged])
    return MergePlan(kept, merged, values, moved, versions)


async def _archive(model: type[Editable], plan: MergePlan, what: str, **extra: Any) -> None:
    """Archive the merged records at the versions the user read (CONFLICT when one changed since)."""
    now = datetime.now(UTC)
    for row in plan.merged:
        expected = plan.versions[row.id] or row.version
        await v.versioned_update(model, row, expected, what, archived_at=now, merged_into_id=plan.kept.id, **extra)


async def _move(rows: Sequence[tuple[type[Model], str]], merged_ids: list[int], kept_id: int) -> None:
    now = datetime.now(UTC)
    for model, column in rows:
        bump: dict[str, Any] = {"version": F("version") + 1, "updated_at": now} if issubclass(model, Editable) else {}
        await model.filter(**{f"{column}__in": merged_ids}).update(**{column: kept_id}, **bump)


def _audit_changes(plan: MergePlan, before: dict[str, Any]) -> dict[str, Any]:
    return {
        **diff(before, plan.values),
        "merged": [[{"id": row.id, "name": row.name} for row in plan.merged], None],
        "moved": [None, plan.moved],
    }


def _publish_deals(unit: Unit, deals: list[tuple[int, int, int | None, int]]) -> None:
    for deal_id, customer_id, owner_id, stage_id in deals:
        unit.publish(topics.deals(), DealUpdated(
            id=deal_id, customer_id=customer_id, owner_id=owner_id, stage_id=stage_id, actor_id=unit.actor.user_id
        ))


async def merge_customers(actor: Actor, request: MergeRequest) -> MergePlan:
    async with write(actor) as unit:
        plan = await plan_customers(actor, request)
        kept = plan.kept
        merged_ids = [row.id for row in plan.merged]
        kept_version = plan.versions[kept.id] or kept.version
        before = {key: getattr(kept, key) for key in plan.values}
        async with hiding(unit, [kept.id, *merged_ids]):
            await _archive(Customer, plan, "Customer")
            # One primary contact per customer (uniq_contact_primary): the kept customer's, else the first moved.
            primaries = await Contact.filter(customer_id__in=[kept.id, *merged_ids], is_primary=True).order_by("id")
            keep_primary = next((c.id for c in primaries if c.customer_id == kept.id), primaries[0].id if primaries else 0)
            await Contact.filter(id__in=[c.id for c in primaries if c.id != keep_primary]).update(
                is_primary=False, version=F("version") + 1, updated_at=datetime.now(UTC)
            )
            await _move(CUSTOMER_ROWS, merged_ids, kept.id)
            await v.versioned_update(Customer, kept, kept_version, "Customer", **plan.values)
            for customer_id in (kept.id, *merged_ids):
                await customers.refresh_search_text(customer_id)
            await unit.audit("customer.merge", "customer", kept.id, _audit_changes(plan, before))
        deals = cast(list[tuple[int, int, int | None, int]], await Deal.filter(customer_id=kept.id).values_list(
            "id", "customer_id", "owner_id", "stage_id"))
        _publish_deals(unit, deals)
        unit.publish(topics.customer_changes(kept.id), CustomerUpdated(id=kept.id))
        for customer_id in merged_ids:
            unit.publish(topics.customer_changes(customer_id), CustomerUpdated(id=customer_id))
            # its timeline moved to the kept customer: the merged one's streams end (clients follow mergedInto)
            unit.publish(topics.customer_activities(customer_id), ActivitiesDeleted(customer_id=customer_id))
    return plan


async def merge_contacts(actor: Actor, request: MergeRequest) -> MergePlan:
    async with write(actor) as unit:
        plan = await plan_contacts(actor, request)
        kept = plan.kept
        merged_ids = [row.id for row in plan.merged]
        kept_version = plan.versions[kept.id] or kept.version
        # The kept person becomes primary where a merged one was primary at the kept one's customer.
        takes_primary = not kept.is_primary and kept.customer_id is not None and any(
            row.is_primary and row.customer_id == kept.customer_id for row in plan.merged
        )
        if takes_primary:
            plan.values["is_primary"] = True
        before = {key: getattr(kept, key) for key in plan.values}
        await _archive(Contact, plan, "Contact", is_primary=False)
        moved_deals = cast(list[tuple[int, int, int | None, int]], await Deal.filter(contact_id__in=merged_ids).values_list(
            "id", "customer_id", "owner_id", "stage_id"))
        await _move(CONTACT_ROWS, merged_ids, kept.id)
        await v.versioned_update(Contact, kept, kept_version, "Contact", **plan.values)
        customer_ids = {c for c in (kept.customer_id, *(row.customer_id for row in plan.merged)) if c is not None}
        for customer_id in customer_ids:
            await customers.refresh_search_text(customer_id)
        await unit.audit("contact.merge", "contact", kept.id, _audit_changes(plan, before))
        _publish_deals(unit, moved_deals)
        for customer_id in sorted(customer_ids):
            unit.publish(topics.customer_changes(customer_id), CustomerUpdated(id=customer_id))
    return plan
