"""Background jobs for admins (list, counts, retry by hand) and everyone's notification preferences."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.functions import Count

from backend import permissions
from backend.models import Job, JobStatus
from backend.permissions import Action
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.jobs import (
    JobCounts,
    JobFilter,
    JobType,
    NotificationPreferenceType,
    RetryJobInput,
    SetNotificationPreferenceInput,
)
from backend.services import jobs as service
from backend.services import preferences
from backend.services.preferences import Choice


def _shown(choice: Choice) -> NotificationPreferenceType:
    return NotificationPreferenceType(kind=choice.kind, label=choice.label, in_app=choice.in_app, email=choice.email,
                                      digest=choice.digest, digestible=choice.digestible)


@strawberry.type
class JobQuery:
    @strawberry.field(description="Background jobs, newest first (admins)")
    async def jobs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: JobFilter | None = None,
    ) -> Connection[JobType]:
        permissions.require(info.context.actor, Action.MANAGE_JOBS)
        query = Job.all()
        if filter is not None and filter.status:
            query = query.filter(status__in=list(filter.status))
        if filter is not None and filter.retried is not None:
            query = query.filter(attempts__gt=1) if filter.retried else query.filter(attempts__lte=1)
        return await paginate(query, field="id", descending=True, first=first, after=after)

    @strawberry.field(description="How many jobs are in each status (admins)")
    async def job_counts(self, info: Info) -> JobCounts:
        permissions.require(info.context.actor, Action.MANAGE_JOBS)
        rows = await Job.all().group_by("status").annotate(n=Count("id")).values("status", "n")
        counts = {JobStatus(row["status"]).value: row["n"] for row in rows}
        return JobCounts(**{status.value: counts.get(status.value, 0) for status in JobStatus})

    @strawberry.field(description="How you hear of each kind of notification")
    async def notification_preferences(self, info: Info) -> list[NotificationPreferenceType]:
        return [_shown(choice) for choice in await preferences.own(info.context.actor)]


@strawberry.type
class JobMutation:
    @strawberry.mutation(description="Run a failed or waiting job again now (admins)")
    async def retry_job(self, info: Info, input: RetryJobInput) -> JobType:
        return JobType.of(await service.retry(info.context.actor, input.id))

    @strawberry.mutation(description="Choose how you hear of one kind of notification: in the app, by email (each or in the "
                       "morning digest), both")
    async def set_notification_preference(
        self, info: Info, input: SetNotificationPreferenceInput
    ) -> NotificationPreferenceType:
        choice = await preferences.set_own(info.context.actor, input.kind, input.in_app, input.email, input.digest)
        return _shown(choice)
