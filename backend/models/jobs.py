"""Background work: the job queue and the outbox of messages that leave the process.

Both live in the CRM's own database, so a change, the job it schedules and the mail it sends commit or
roll back together (the transactional outbox), on SQLite as on PostgreSQL.
"""

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class JobStatus(str, Enum):
    PENDING = "pending"  # waiting for its run_at (a retried job waits here too, attempts > 0)
    RUNNING = "running"  # claimed by a worker until locked_until; after that any worker may take it over
    DONE = "done"
    FAILED = "failed"  # out of attempts: waits for an admin's retry


class Job(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=60)
    # At most one job per key: enqueueing the same work twice (two workers arming the same schedule, a
    # retried request) keeps the first.
    key = fields.CharField(max_length=200, null=True, unique=True)
    payload: fields.Field[dict] = fields.JSONField(default=dict)
    status = fields.CharEnumField(JobStatus, max_length=10, default=JobStatus.PENDING)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=8)
    run_at = fields.DatetimeField()
    locked_by = fields.CharField(max_length=80, null=True)
    locked_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job"
        indexes = (("status", "run_at"),)


class OutboxMessage(Model):
    """One email (later: one webhook call) written with the change that caused it, sent by a job."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=60)  # the template: task_reminder, overdue_digest, ...
    key = fields.CharField(max_length=200, unique=True)  # the effect's identity: never two messages for it
    recipient = fields.CharField(max_length=320)
    subject = fields.CharField(max_length=300)
    text = fields.TextField()
    html = fields.TextField()
    # Extra headers of this message (List-Unsubscribe, ...); a marketing message is not sent to an address
    # that unsubscribed meanwhile: `suppressed_at` says it was dropped for that instead.
    headers: fields.Field[dict] = fields.JSONField(default=dict)
    marketing = fields.BooleanField(default=False)
    suppressed_at = fields.DatetimeField(null=True)
    # Files sent with it: [{"filename", "content_type", "content"}] (text content, e.g. an .ics invite).
    attachments: fields.Field[list] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    attempted_at = fields.DatetimeField(null=True)  # a send began (committed before talking to the server)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
