"""Background jobs and notification preferences as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from backend.models import Job, JobStatus
from backend.schema.rows import Shows

strawberry.enum(
    JobStatus, name="JobStatus",
    description="pending (waiting for its time, retries included), running, done, or failed (out of attempts)",
)


@strawberry.type(name="Job", description="A piece of background work: a reminder scan, one email's delivery…")
class JobType(Shows[Job]):
    id: strawberry.ID = strawberry.field(description="Job id")
    kind: str = strawberry.field(description="What it does, e.g. outbox.deliver, reminders.scan")
    payload: JSON = strawberry.field(description="Its arguments")
    status: JobStatus = strawberry.field(description="Where it stands")
    attempts: int = strawberry.field(description="Runs begun so far (more than 1: it was retried)")
    max_attempts: int = strawberry.field(description="After this many failed runs it waits as failed")
    run_at: datetime = strawberry.field(description="When it runs (next)")
    locked_by: str | None = strawberry.field(description="The worker running it (host:pid:id)")
    locked_until: datetime | None = strawberry.field(description="Until when that worker holds it")
    last_error: str = strawberry.field(description="The last failure's error, empty when none")
    created_at: datetime = strawberry.field(description="Scheduled at")
    finished_at: datetime | None = strawberry.field(description="Last finished (done, failed, or a recurring run)")


@strawberry.input(description="Filter the jobs list")
class JobFilter:
    status: list[JobStatus] | None = strawberry.field(default=None, description="Only these statuses")
    retried: bool | None = strawberry.field(default=None, description="true: only jobs that needed more than one run")


@strawberry.type(description="How many jobs are in each status")
class JobCounts:
    pending: int
    running: int
    failed: int
    done: int


@strawberry.input(description="Run a failed (or waiting) job again now, with its attempts anew (admins)")
class RetryJobInput:
    id: strawberry.ID = strawberry.field(description="Job id")


@strawberry.type(name="NotificationPreference", description="How you hear of one kind of notification")
class NotificationPreferenceType:
    kind: str = strawberry.field(description="task_reminder, overdue_digest")
    label: str = strawberry.field(description="The kind, in words")
    in_app: bool = strawberry.field(description="Shown in the app (notifications)")
    email: bool = strawberry.field(description="Sent by email")
    digest: bool = strawberry.field(
        description="With email: collected into one email each morning (your time zone) instead of one each"
    )
    digestible: bool = strawberry.field(description="Whether this kind may go into the morning digest")


@strawberry.input(description="Choose how you hear of one kind of notification (your own choice only)")
class SetNotificationPreferenceInput:
    kind: str = strawberry.field(description="task_reminder or overdue_digest")
    in_app: bool = strawberry.field(description="Show it in the app")
    email: bool = strawberry.field(description="Send it by email")
    digest: bool = strawberry.field(
        default=False, description="With email: collect it into one email each morning instead of one each"
    )
