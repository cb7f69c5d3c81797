"""A deal's field history: its edits of amount, currency, expected close date, probability and owner, read from
the audit log (each deal.update entry holds the before and after of the fields it changed), beside its stage
history. Nothing is stored twice: the audit entry written in the edit's own transaction is the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from backend.models import AuditEntry, Deal
from backend.reads.context import Info
from backend.schema.field_changes import Change, FieldChange
from backend.schema.users import UserType

# Audited column → the API's name for it, in the order a change lists them.
SHOWN = {"amount": "amount", "currency": "currency", "expected_close_date": "expectedCloseDate",
         "probability": "probability", "owner_id": "owner"}


@strawberry.type(name="DealFieldChange", description="One edit of one field of a deal, from the audit log")
class DealFieldChange(FieldChange):
    """The audit log's FieldChange (amounts with their currency, references as records), with who and when."""

    @strawberry.field(description="For the owner: who owned the deal before")
    async def old_owner(self, info: Info) -> UserType | None:
        return await _owner(info, self.change.old) if self.change.column == "owner_id" else None

    @strawberry.field(description="For the owner: who owns it after")
    async def new_owner(self, info: Info) -> UserType | None:
        return await _owner(info, self.change.new) if self.change.column == "owner_id" else None

    @strawberry.field(description="When")
    def changed_at(self) -> datetime:
        return self.change.entry.at

    @strawberry.field(description="Who made the edit")
    async def changed_by(self, info: Info) -> UserType | None:
        return await _owner(info, self.change.entry.actor_id)


async def _owner(info: Info, user_id: Any) -> UserType | None:
    return UserType.of_maybe(await info.context.loaders.user.load(int(user_id))) if user_id else None


def field_edits(deal: Deal, entries: list[AuditEntry]) -> list[Change]:
    """The shown fields' edits, oldest first. The currency an amount was in is found walking back from the
    deal's currency now: an entry that changed the currency tells what it was before."""
    currency = deal.currency
    edits: list[Change] = []
    for entry in reversed(entries):
        changes = entry.changes or {}
        before = changes.get("currency", [currency, currency])[0]
        edits.extend(Change(entry, column, old=changes[column][0], new=changes[column][1],
                            currencies=(before, currency))
                     for column in reversed(SHOWN) if column in changes)
        currency = before
    return edits[::-1]


async def field_history(deal: Deal, info: Info) -> list[DealFieldChange]:
    entries = await info.context.loaders.edits_of_deal.load(deal.id)
    return [DealFieldChange(change=edit) for edit in field_edits(deal, entries)]
