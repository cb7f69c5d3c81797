"""The change feed's write side (issue 21): the write unit notes each audited change of a fed entity and,
just before its commit, writes them here as `change` rows.

Commit order: a reader pages by id, so an id must never become visible after a larger one, or a client
that already moved past the larger id would miss it. On PostgreSQL two transactions can take sequence
values in one order and commit in the other, so the rows are written last in the transaction, after
`pg_advisory_xact_lock(FEED_LOCK)`, which is held until the commit: whoever takes ids next waits until
this transaction has committed (or rolled back), so ids become visible strictly in order. Only this short
tail of each write takes turns. SQLite's writers take turns for the whole transaction (BEGIN IMMEDIATE).

Row rules: each row stores the audiences (permissions.audience) that could see its record when it
changed — "the rule as it was". A deleted record is gone by the time it is audited, so its service
passes the record as it was (`was=`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise import connections
from tortoise.models import Model

from backend import permissions
from backend.models import Activity, Change, Contact, Customer, Deal, Lead, Ticket

PRUNE_JOB = "changes.prune"  # daily (worker.py): forgets what is past CRM_CHANGES_RETENTION
FEED_LOCK = 0x6372_6D21  # pg_advisory_xact_lock key of the feed's ids ("crm!")
FED: dict[str, type[Model]] = {
    "customer": Customer, "contact": Contact, "lead": Lead, "deal": Deal, "activity": Activity, "ticket": Ticket,
}
KINDS = ("created", "updated", "status_changed", "archived", "deleted", "merged")
_BY_VERB = {
    "create": "created", "log": "created", "recur": "created", "web_form": "created",
    "delete": "deleted", "archive": "archived", "merge": "merged",
    "change_status": "status_changed", "status": "status_changed", "set_phase": "status_changed",
    "move": "status_changed", "convert": "status_changed", "complete": "status_changed",
}


def kind_of(action: str) -> str:
    """The kind of change an audit action is: `deal.move` → status_changed; anything else that changes a
    fed record (an edit, a reply, a restore) → updated."""
    return _BY_VERB.get(action.partition(".")[2], "updated")


@dataclass
class Pending:
    action: str
    entity: str
    entity_id: str
    actor_id: int | None
    changes: dict[str, Any]
    was: Model | None  # the record before it was deleted; else it is read at the commit


def audiences_text(audiences: Iterable[tuple[object, ...]]) -> str:
    """'' when everyone who sees all sees it alone, else |team:3|user:9| (matched with LIKE '%|team:3|%')."""
    keys = sorted(f"{a[0]}:{a[1]}" for a in audiences if a != ("all",))
    return "|" + "|".join(keys) + "|" if keys else ""


async def _records(pending: list[Pending]) -> dict[tuple[str, str], Any]:
    """Each pending change's record: as it was, for deletes; else as it is now (one query per entity)."""
    found = {(p.entity, p.entity_id): p.was for p in pending if p.was is not None}
    for entity, model in FED.items():
        ids = {int(p.entity_id) for p in pending if p.entity == entity and (entity, p.entity_id) not in found}
        if ids:
            found |= {(entity, str(row.pk)): row for row in await model.filter(id__in=ids)}
    return found


async def _audiences(records: dict[tuple[str, str], Any]) -> dict[tuple[str, str], set[tuple[object, ...]]]:
    """Who sees each record, read the way the row rules read (permissions.audiences_seeing): through its
    customer; a contact or lead without one through its owner; an activity without either through its
    contact's owner, else its author and assignee. A customer also by its account manager, which is all a
    deleted one still says (it had no deals: delete_customer refuses otherwise)."""
    customer_of = {key: row.pk if key[0] == "customer" else getattr(row, "customer_id", None)
                   for key, row in records.items()}
    loose_contacts = {row.contact_id for (entity, _), row in records.items()
                      if entity == "activity" and row.customer_id is None and row.contact_id}
    contacts = {c.id: c for c in await Contact.filter(id__in=loose_contacts)} if loose_contacts else {}
    by_customer = await permissions.audiences_seeing({c for c in customer_of.values() if c is not None})
    people = {getattr(row, name, None) for row in [*records.values(), *contacts.values()]
              for name in ("owner_id", "author_id", "account_manager_id")}
    teams = await permissions.teams_of({p for p in people if p is not None})

    def of(user_id: int | None) -> tuple[object, ...]:
        return permissions.audience_of(user_id, teams)

    seen: dict[tuple[str, str], set[tuple[object, ...]]] = {}
    for key, row in records.items():
        customer_id = customer_of[key]
        if key[0] == "customer":
            seen[key] = by_customer[row.pk] | {of(row.account_manager_id)}
        elif customer_id is not None:
            seen[key] = by_customer[customer_id]
        elif key[0] in ("contact", "lead"):
            seen[key] = {("all",), of(row.owner_id)}
        elif key[0] == "activity" and (contact := contacts.get(row.contact_id)) is not None:
            seen[key] = {("all",), of(contact.owner_id)}
        elif key[0] == "activity":
            seen[key] = {("all",), of(row.author_id), of(row.assignee_id)}
        else:
            seen[key] = {("all",)}
    return seen


async def record(pending: list[Pending]) -> int | None:
    """Write the pending changes as feed rows, last thing before the commit; the largest id written."""
    if not pending:
        return None
    records = await _records(pending)
    seen = await _audiences(records)
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [FEED_LOCK])
    at = datetime.now(UTC)  # under the lock: times grow with ids, as retention's cursor check assumes
    await Change.bulk_create([
        Change(at=at, entity=p.entity, entity_id=p.entity_id, kind=kind_of(p.action), action=p.action, actor_id=p.actor_id,
               changes=p.changes, audiences=audiences_text(seen.get((p.entity, p.entity_id), {("all",)})))
        for p in pending
    ])
    # The largest id is ours: whoever writes feed rows holds the lock (PostgreSQL) or the database (SQLite).
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    newest = cast(list[int], await Change.all().order_by("-id").limit(1).values_list("id", flat=True))
    return newest[0]


def retention_start(retention: timedelta, at: datetime | None = None) -> datetime:
    return (at or datetime.now(UTC)) - retention


async def prune(retention: timedelta, at: datetime | None = None) -> int:
    """Forget changes older than the retention period (the daily job): a cursor from before is refused."""
    return await Change.filter(at__lt=retention_start(retention, at)).delete()
