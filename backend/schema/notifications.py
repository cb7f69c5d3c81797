"""Inputs and payloads of the notifications list and markNotificationsRead (the Notification type itself
is in schema/live.py, shared with the notifications subscription)."""

from __future__ import annotations

import strawberry

from backend.schema.live import NotificationType


@strawberry.input(description="Which of your notifications to mark read: ids, or all")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Your notifications to mark read (at most 100; ones already read stay as they were)"
    )
    all: bool = strawberry.field(default=False, description="true: every unread notification of yours (then no ids)")


@strawberry.type(description="The notifications marked read, and how many of yours are still unread")
class MarkNotificationsReadPayload:
    notifications: list[NotificationType] = strawberry.field(description="The notifications named, now read")
    unread_count: int = strawberry.field(description="Your notifications still unread")
