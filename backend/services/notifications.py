"""Notifications: each user reads and marks read only their own (a notification is a message to one person)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import NotificationsRead
from backend.models import Notification
from backend.services import validate as v
from backend.services.unit import write

MAX_AT_ONCE = 100  # as many as one page of the notifications list shows


async def mark_read(actor: Actor, raw_ids: Sequence[Any] | None, everything: bool = False) -> list[Notification]:
    """Mark the caller's notifications `raw_ids` read (or all their unread ones with `everything`); ids
    already read stay as they were. An id that is not the caller's is NOT_FOUND on `ids`, naming it, and
    nothing is marked."""
    rule = permissions.notification_rule(actor)
    ids = list(raw_ids or [])
    if everything == bool(ids):
        raise BadUserInput("ids", "give the ids to mark read, or all: true (not both)")
    if len(ids) > MAX_AT_ONCE:
        raise BadUserInput("ids", f"at most {MAX_AT_ONCE} at once")
    wanted = {v.parse_id("ids", raw): raw for raw in ids}
    now = datetime.now(UTC)
    async with write(actor) as unit:
        if everything:
            query = Notification.filter(rule, read_at=None)
        else:
            query = Notification.filter(rule, id__in=list(wanted))
        rows = await query.order_by("-id")
        missing = [raw for id, raw in wanted.items() if id not in {row.id for row in rows}]
        if missing:
            raise NotFound("Notification", ", ".join(str(raw) for raw in missing), field="ids")
        newly = [row.id for row in rows if row.read_at is None]
        if newly:
            await Notification.filter(id__in=newly).update(read_at=now)
        for row in rows:
            row.read_at = row.read_at or now
        # One entry per call, on the reader: which of their notifications this call marked read.
        await unit.audit("notification.read", "user", actor.user_id, {"notifications": newly})
        if newly and actor.user_id is not None:  # the user's other devices update their bell
            unit.publish(topics.notifications(actor.user_id), NotificationsRead(ids=newly[:MAX_AT_ONCE]))
    return rows
