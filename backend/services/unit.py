"""The write path's frame: one transaction holding the change and its audit entries, events after commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise.transactions import in_transaction

from backend.auth.actor import Actor
from backend.live.broadcast import publish_all
from backend.live.events import Event, Payload
from backend.models import AuditEntry


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

    async def audit(self, action: str, entity: str, entity_id: Any, changes: dict[str, Any] | None = None) -> None:
        await AuditEntry.create(
            actor_id=self.actor.user_id,
            actor_label=self.actor.label,
            via=self.actor.via,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            changes={k: v if isinstance(v, list) else _plain(v) for k, v in (changes or {}).items()},
        )

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
    finally:
        _current.reset(token)
    await publish_all(unit.events)
