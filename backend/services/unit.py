"""The write path's frame: one transaction holding the change and its audit entries, events after commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from backend.auth.actor import Actor
from backend.auth.callers import callers
from backend.live import topics
from backend.live.broadcast import publish_all
from backend.live.events import ChangesCommitted, CustomersTouched, Event, Payload, touched_customers
from backend.models import AuditEntry, OutboxMessage
from backend.services import changes as feed
from backend.services import outbox
from backend.settings import get_settings


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}, ready for the audit log."""
    return {
        key: [_plain(before.get(key)), _plain(value)]
        for key, value in after.items()
        if _plain(before.get(key)) != _plain(value)
    }


class Unit:
    """Collects what one write does: audit entries are written inside it, events wait for the commit."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.events: list[Event] = []
        self.after_commit: list[Callable[[], None]] = []  # run once committed (files to remove), never on rollback
        self.feed: list[feed.Pending] = []  # changes of fed records, written to the change feed before the commit

    async def audit(self, action: str, entity: str, entity_id: Any, changes: dict[str, Any] | None = None,
                    actor: Actor | None = None, was: Model | None = None) -> None:
        """An audit entry of this write, made by the write's actor unless `actor` (an automation rule) says.
        A change of a customer, contact, lead, deal, activity or ticket goes to the change feed as well;
        `was`: the record as it was, when it has just been deleted (who saw it is read from it)."""
        by = actor or self.actor
        plain = {k: v if isinstance(v, list) else _plain(v) for k, v in (changes or {}).items()}
        # One record's change; a bulk entry naming a range of them (the bench seeder's) is not a record's.
        if entity in feed.FED and str(entity_id).isdigit():
            self.feed.append(feed.Pending(action, entity, str(entity_id), by.user_id, plain, was))
        await AuditEntry.create(
            actor_id=by.user_id,
            actor_label=by.label,
            via=by.via,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            changes=plain,
        )

    async def send_mail(self, kind: str, key: str, recipient: str, language: str | None = None, *,
                        attachments: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None,
                        marketing: bool = False, **values: Any) -> OutboxMessage:
        """Email from template `kind` to `recipient` (in `language` where known), sent by a job once (and
        only if) this write commits; `key` names the effect (a second message with the same key fails the
        write: never two); `attachments` as in outbox.add_mail. A `marketing` message goes out only while
        the recipient is subscribed (services/consent.py)."""
        return await outbox.add_mail(get_settings(), kind, key, recipient, language, attachments=attachments,
                                     headers=headers, marketing=marketing, **values)

    def publish(self, topic: str, data: Payload) -> None:
        """Sent once the write commits; `data` is one of the event kinds declared in backend/events.py."""
        self.events.append(Event.of(topic, data))


_current: ContextVar[Unit | None] = ContextVar("crm_unit", default=None)


@asynccontextmanager
async def write(actor: Actor) -> AsyncIterator[Unit]:
    """`async with write(actor) as unit:` — all or nothing; subscribers hear of it only once committed.

    A service called from inside another's write joins that write: one transaction, and its events
    wait for the outermost commit.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    unit = Unit(actor)
    token = _current.set(unit)
    try:
        async with in_transaction("default"):
            yield unit
            if (last := await feed.record(unit.feed)) is not None:
                unit.publish(topics.changes(), ChangesCommitted(last_id=last))
    finally:
        _current.reset(token)
    if touched := touched_customers(unit.events):
        # One summary per write, so a dynamic segment's streams hear of every customer change on one topic.
        unit.events = [e for e in unit.events if e.topic != topics.customers_touched()]
        unit.events.append(Event.of(topics.customers_touched(), CustomersTouched(ids=touched)))
    for done in unit.after_commit:
        done()
    callers.forget(unit.events)  # this process's own revocations hold before the write answers
    await publish_all(unit.events)
