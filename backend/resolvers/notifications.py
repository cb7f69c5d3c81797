"""Your notifications: the list with read state (the bell and /notifications), and marking them read."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.models import Notification
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.live import NotificationType
from backend.schema.notifications import MarkNotificationsReadInput, MarkNotificationsReadPayload
from backend.services import notifications as service


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="Your notifications, newest first, read and unread (unreadOnly: only those not yet read; "
        "its totalCount is your unread count)"
    )
    async def notifications(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        unread_only: Annotated[bool, strawberry.argument(description="true: only unread ones")] = False,
    ) -> Connection[NotificationType]:
        query = unread(Notification.filter(permissions.notification_rule(info.context.actor)), unread_only)
        # Ids grow with time: id order is newest-first order, and a cursor on the id alone is stable.
        return await paginate(query, field="id", descending=True, first=first, after=after)


def unread(rows: QuerySet[Notification], only: bool) -> QuerySet[Notification]:
    """`notifications(unreadOnly:)`: only those not read yet, or all (the compiled reads narrow by it too)."""
    return rows.filter(read_at=None) if only else rows


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="Mark your notifications read (NOT_FOUND on ids naming any that is not yours)")
    async def mark_notifications_read(self, info: Info, input: MarkNotificationsReadInput) -> MarkNotificationsReadPayload:
        actor = info.context.actor
        rows = await service.mark_read(actor, input.ids, everything=input.all)
        unread = await Notification.filter(permissions.notification_rule(actor), read_at=None).count()
        return MarkNotificationsReadPayload(notifications=NotificationType.of_all(rows), unread_count=unread)
