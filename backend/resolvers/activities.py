"""Activity and task queries and mutations: thin reads, and calls into services.activities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Activity, ActivityKind, CustomEntity, TaskStatus
from backend.reads.columns import selected_columns
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.activities import (
    ActivityFilter,
    ActivityOrder,
    ActivityOrderField,
    ActivityType,
    CompleteTaskInput,
    LogActivityInput,
    UpdateActivityInput,
    UpdateTaskInput,
)
from backend.schema.common import SortDirection, provided
from backend.services import activities as service
from backend.services import custom_fields
from backend.services import validate as v
from backend.services.search import every_word


def filter_query(query: QuerySet, where: ActivityFilter | None, actor: Actor) -> QuerySet:
    if where is None:
        return query
    now = datetime.now(UTC)
    if where.kind:
        query = query.filter(kind__in=list(where.kind))
    links = {"customer_id": "customerId", "contact_id": "contactId", "deal_id": "dealId", "author_id": "authorId",
             "assignee_id": "assigneeId"}
    for key, name in links.items():
        if getattr(where, key) is not None:
            query = query.filter(**{key: v.parse_id(f"filter.{name}", getattr(where, key))})
    if where.task_status:
        query = query.filter(task_status__in=list(where.task_status))
    if where.outcome_name:
        query = query.filter(outcome__in=list(where.outcome_name))
    if where.open is not None:
        statuses = service.OPEN_TASK if where.open else (TaskStatus.DONE, TaskStatus.ABORTED)
        query = query.filter(kind=ActivityKind.TASK, task_status__in=list(statuses))
    if where.due_before is not None:
        query = query.filter(due_at__lt=v.aware("filter.dueBefore", where.due_before))
    if where.overdue is not None:
        query = query.filter(service.overdue_q(now) if where.overdue else service.not_overdue_q(now))
    if where.occurred and where.occurred.start:
        query = query.filter(occurred_at__gte=v.aware("filter.occurred.start", where.occurred.start))
    if where.occurred and where.occurred.end:
        query = query.filter(occurred_at__lte=v.aware("filter.occurred.end", where.occurred.end))
    if where.mine:
        query = query.filter(assignee_id=actor.user_id or 0)
    if where.my_team:
        # Which tasks are listed, not who may see them: activity_rule above still decides that.
        mates = {"assignee__team_id": actor.team_id} if actor.team_id else {"assignee_id": actor.user_id or 0}
        query = query.filter(**mates)
    return query


@strawberry.type
class ActivityQuery:
    @strawberry.field(description="One activity or task by id (NOT_FOUND when it does not exist or is not visible)")
    async def activity(self, info: Info, id: strawberry.ID) -> ActivityType:
        return ActivityType.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Activities and tasks you may see, filtered, searched, sorted and paged")
    async def activities(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: ActivityFilter | None = None,
        order_by: ActivityOrder | None = None,
        search: Annotated[str | None, strawberry.argument(description="Words in the title or description")] = None,
    ) -> Connection[ActivityType]:
        actor = info.context.actor
        query = filter_query(Activity.filter(permissions.activity_rule(actor)), filter, actor)
        query = await custom_fields.filtered(query, CustomEntity.ACTIVITY, filter.custom if filter else None)
        if search and search.strip():
            query = query.filter(every_word(search, "title", "description"))
        order = order_by or ActivityOrder(field=ActivityOrderField.OCCURRED_AT)
        if order.field is ActivityOrderField.DUE_AT:
            query = query.filter(due_at__isnull=False)  # keyset paging needs a non-null key
        direction = order.direction or (
            SortDirection.ASC if order.field is ActivityOrderField.DUE_AT else SortDirection.DESC
        )
        return await paginate(
            query, field=order.field.value, descending=direction is SortDirection.DESC, first=first, after=after,
            columns=selected_columns(info, ActivityType, Activity, ("edges", "node")),
        )


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(description="Log a call, email, meeting, note or deal update, or create a task")
    async def log_activity(self, info: Info, input: LogActivityInput) -> ActivityType:
        return ActivityType.of(await service.log_activity(info.context.actor, provided(input)))

    @strawberry.mutation(description="Mark a task done")
    async def complete_task(self, info: Info, input: CompleteTaskInput) -> ActivityType:
        return ActivityType.of(await service.complete_task(info.context.actor, input.id, input.version))

    @strawberry.mutation(description="Reschedule, reprioritise, reassign, finish or abort a task")
    async def update_task(self, info: Info, input: UpdateTaskInput) -> ActivityType:
        data = provided(input)
        return ActivityType.of(await service.update_task(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Correct a logged call, email, meeting, note or deal update")
    async def update_activity(self, info: Info, input: UpdateActivityInput) -> ActivityType:
        data = provided(input)
        return ActivityType.of(
            await service.update_activity(info.context.actor, data.pop("id"), data.pop("version"), data)
        )
