"""One changed field of an audit entry as people read it: an amount with its currency (not minor units), a
reference as the record it names (not a raw id). The deal's field history and the audit log of every entity
share it, so the UI formats both with one function (frontend/components/field_change.py).

Names come through the per-request loaders, with the reader's row rules: a customer, contact or deal the
reader may not see is named by nothing but its kind, never by its name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import strawberry

from backend.models import AuditEntry
from backend.reads.context import Info
from backend.schema.common import BigInt, Money
from backend.settings import get_settings

# Columns (and API names) that hold a reference → the kind of record they name. `merged_into_id` names a
# record of the entry's own kind.
REFERENCES = {
    "owner_id": "user", "account_manager_id": "user", "assignee_id": "user", "author_id": "user",
    "user_id": "user", "created_by_id": "user", "changed_by_id": "user", "head_id": "user",
    "customer_id": "customer", "contact_id": "contact", "deal_id": "deal", "stage_id": "stage",
    "from_stage_id": "stage", "to_stage_id": "stage", "pipeline_id": "pipeline", "team_id": "team",
    "lost_reason_choice_id": "lost_reason", "lost_reason_id": "lost_reason", "merged_into_id": "",
}
MONEY = frozenset({"amount"})  # minor units of the row's `currency` (deals)
CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def column_of(key: str) -> str:
    """An audited key as a column: "ownerId" and "owner_id" are both owner_id."""
    return CAMEL.sub("_", key).lower()


def api_name(column: str) -> str:
    """The API's name of a column: owner_id → owner, expected_close_date → expectedCloseDate."""
    head, *rest = column.removesuffix("_id").split("_")
    return head + "".join(word.title() for word in rest)


@strawberry.type(name="RecordRef", description="A record an audited value names")
class RecordRef:
    kind: str = strawberry.field(description="user, customer, contact, lead, deal, activity, campaign, stage, "
                                 "pipeline, team or lost_reason")
    id: strawberry.ID = strawberry.field(description="Its id")
    name: str | None = strawberry.field(description="Its name or title; null when it is gone or you may not see it")


@dataclass(frozen=True)
class Change:
    """One field of one entry: its column, the values before and after, and the currencies they were in."""

    entry: AuditEntry
    column: str
    old: Any
    new: Any
    currencies: tuple[str, str] = ("", "")


def _money(amount: Any, currency: str) -> Money | None:
    if amount is None or isinstance(amount, bool):
        return None
    try:
        return Money(amount=BigInt(int(amount)), currency=currency or get_settings().base_currency)
    except (TypeError, ValueError):
        return None


# The kinds whose records carry a name (or title) worth showing beside the id.
NAMED_KINDS = frozenset({"user", "customer", "contact", "deal", "stage", "pipeline", "team", "lost_reason", "lead",
                         "activity", "campaign"})


async def record(info: Info, kind: str, raw_id: Any) -> RecordRef | None:
    """The record `raw_id` names, with its name when the reader may see it."""
    key = record_key(raw_id)
    if key is None:
        return None
    # Each kind's loader is the attribute of its name (reads/loaders.py): it applies the reader's row rules.
    row = await getattr(info.context.loaders, kind).load(key) if kind in NAMED_KINDS else None
    return record_ref(kind, key, row)


def record_key(raw_id: Any) -> int | None:
    """The id an audited value holds, or None when it holds none."""
    try:
        return int(raw_id)
    except (TypeError, ValueError):
        return None


def record_ref(kind: str, key: int, row: Any) -> RecordRef:
    """The record of `kind` with id `key`, named by its `row` as the reader sees it (None: gone or unseen)."""
    name = None if row is None else (getattr(row, "name", None) or getattr(row, "title", None))
    return RecordRef(kind=kind, id=strawberry.ID(str(key)), name=name)


def referenced_kind(change: Change) -> str | None:
    """The kind of record the changed column names (None: not a reference)."""
    kind = REFERENCES.get(change.column)
    return None if kind is None else kind or change.entry.entity


def _text(value: Any) -> str | None:
    """A stored value as text: strings and numbers as they are, anything else (true, lists) as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


@strawberry.type(name="FieldChange", description="One field of an audited change, before and after, readable")
class FieldChange:
    change: strawberry.Private[Change]

    @strawberry.field(description="The field as the API names it, e.g. amount, owner, expectedCloseDate")
    def field(self) -> str:
        return api_name(self.change.column)

    @strawberry.field(description="The value before, as stored (amounts in minor units, references as ids, "
                      "dates ISO, lists and true/false as JSON); null when it had none")
    def old_value(self) -> str | None:
        return _text(self.change.old)

    @strawberry.field(description="The value after, written as oldValue is")
    def new_value(self) -> str | None:
        return _text(self.change.new)

    @strawberry.field(description="For an amount: the amount before, in the currency it was in then")
    def old_amount(self) -> Money | None:
        return _money(self.change.old, self.change.currencies[0]) if self.change.column in MONEY else None

    @strawberry.field(description="For an amount: the amount after, in its currency then")
    def new_amount(self) -> Money | None:
        return _money(self.change.new, self.change.currencies[1]) if self.change.column in MONEY else None

    @strawberry.field(description="For a reference (owner, customer, stage …): the record named before")
    async def old_record(self, info: Info) -> RecordRef | None:
        return await self._record(info, self.change.old)

    @strawberry.field(description="For a reference: the record named after")
    async def new_record(self, info: Info) -> RecordRef | None:
        return await self._record(info, self.change.new)

    async def _record(self, info: Info, value: Any) -> RecordRef | None:
        kind = referenced_kind(self.change)
        return None if kind is None or value is None else await record(info, kind, value)


async def entry_changes(entry: AuditEntry, info: Info) -> list[FieldChange]:
    """Every {field: [old, new]} of an audit entry, in the order written. An amount's currency is the one the
    entry changed it to, else the deal's currency now (an entry without `currency` did not change it)."""
    pairs = [(column_of(key), pair) for key, pair in (entry.changes or {}).items()
             if isinstance(pair, list) and len(pair) == 2]
    currencies = ("", "")
    if any(column in MONEY for column, _ in pairs):
        changed = dict(pairs).get("currency")
        if changed is not None:
            currencies = (str(changed[0] or changed[1]), str(changed[1] or changed[0]))
        elif entry.entity == "deal":
            deal = await info.context.loaders.deal.load(int(entry.entity_id)) if entry.entity_id.isdigit() else None
            currencies = (deal.currency, deal.currency) if deal is not None else currencies
    return [FieldChange(change=Change(entry, column, old, new, currencies)) for column, (old, new) in pairs]
