"""The job worker: claims due jobs and runs their handlers; `crm worker`, and inside `crm serve`.

One worker runs one job at a time, renewing its lease while the handler runs. A handler that raises is
retried with backoff (services/queue.py) until its attempts run out, then waits as FAILED for an admin.
Recurring jobs (the reminder scan, the morning mail: overdue tasks and the digest, campaign dates and
summaries) are one row each, re-armed after every run, so any number of workers runs each of them once per
period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, cast

from backend.models import Customer, Greeting, Job, JobStatus, Segment
from backend.report_files import weekly
from backend.resolvers.segment_members import members_of
from backend.services import (
    campaign_mail,
    campaign_schedule,
    changes,
    digest,
    imports,
    outbox,
    queue,
    reminders,
    sla,
    webhook_delivery,
)
from backend.settings import Settings

log = logging.getLogger("crm.jobs")

Handler = Callable[[Settings, dict[str, Any]], Awaitable[Any]]


async def _scan_reminders(settings: Settings, payload: dict[str, Any]) -> None:
    await reminders.send_due()


async def _overdue_digest(settings: Settings, payload: dict[str, Any]) -> None:
    await reminders.send_overdue_digest()


async def _campaign_schedule(settings: Settings, payload: dict[str, Any]) -> None:
    await campaign_schedule.run_schedule()


async def _campaign_summary(settings: Settings, payload: dict[str, Any]) -> None:
    await campaign_schedule.send_summaries()


async def _digest(settings: Settings, payload: dict[str, Any]) -> None:
    await digest.send_digests()


async def _weekly_reports(settings: Settings, payload: dict[str, Any]) -> None:
    await weekly.send_due()


async def _prune(settings: Settings, payload: dict[str, Any]) -> None:
    await queue.prune()


async def _prune_changes(settings: Settings, payload: dict[str, Any]) -> None:
    retention = timedelta(days=settings.changes_retention_days)
    gone = await changes.prune(retention)
    sent = await webhook_delivery.prune(retention, queue.now())
    if gone or sent:
        log.info("jobs: forgot %s change-feed entries and %s ended webhook deliveries older than %s days", gone,
                  sent, settings.changes_retention_days)


async def _import_files(settings: Settings, payload: dict[str, Any]) -> None:
    gone = await imports.delete_abandoned_files(timedelta(days=settings.import_file_days))
    if gone:
        log.info("jobs: deleted %s import file(s) left unfinished for over %s days", gone, settings.import_file_days)


async def _webhooks(settings: Settings, payload: dict[str, Any]) -> None:
    await webhook_delivery.run(settings)


async def _greeting(settings: Settings, payload: dict[str, Any]) -> None:
    """A scheduled greeting: its segment's members are read now, when it goes out."""
    greeting = await Greeting.filter(id=payload["id"]).first()
    if greeting is None:
        return
    members: list[int] = []
    segment = await Segment.filter(id=(greeting.audience or {}).get("segment_id") or 0).first()
    if segment is not None:
        audience = await members_of(Customer.filter(archived_at=None), segment)
        members = cast(list[int], await audience.values_list("id", flat=True))
    await campaign_mail.send_greeting(greeting.id, members)


async def _sla(settings: Settings, payload: dict[str, Any]) -> None:
    await sla.fire(payload)


HANDLERS: dict[str, Handler] = {
    sla.JOB: _sla,
    campaign_mail.GREETING_JOB: _greeting,
    "jobs.prune": _prune,
    changes.PRUNE_JOB: _prune_changes,
    "imports.files": _import_files,
    outbox.DELIVER: outbox.deliver,
    "reminders.scan": _scan_reminders,
    "reminders.overdue_digest": _overdue_digest,
    "campaigns.schedule": _campaign_schedule,
    "campaigns.summary": _campaign_summary,
    "notifications.digest": _digest,
    weekly.JOB: _weekly_reports,
    webhook_delivery.JOB: _webhooks,
}

# Recurring kinds: when the next run is due after a run at `at`.
RECURRING: dict[str, Callable[[Settings, datetime], datetime]] = {
    "reminders.scan": lambda settings, at: at + timedelta(seconds=settings.reminder_scan_seconds),
    "reminders.overdue_digest": lambda settings, at: reminders.next_digest(at),
    "notifications.digest": lambda settings, at: reminders.next_digest(at),
    weekly.JOB: lambda settings, at: reminders.next_digest(at),
    "jobs.prune": lambda settings, at: at + timedelta(days=1),
    changes.PRUNE_JOB: lambda settings, at: at + timedelta(days=1),
    "campaigns.schedule": lambda settings, at: campaign_schedule.next_scan(at),
    "campaigns.summary": lambda settings, at: campaign_schedule.next_summary(at),
    "imports.files": lambda settings, at: at + timedelta(hours=6),
    webhook_delivery.JOB: lambda settings, at: at + timedelta(seconds=settings.webhooks_poll_seconds),
}


async def arm_recurring(settings: Settings) -> None:
    """Make sure each recurring job has its row (the key makes it one, whoever arms it). The scan is due
    at once, so reminders that fell due while nothing ran go out right after a start."""
    at = queue.now()
    await queue.enqueue("reminders.scan", key="reminders.scan", run_at=at)
    await queue.enqueue("reminders.overdue_digest", key="reminders.overdue_digest", run_at=reminders.next_digest(at))
    await queue.enqueue("notifications.digest", key="notifications.digest", run_at=reminders.next_digest(at))
    await queue.enqueue("jobs.prune", key="jobs.prune", run_at=at + timedelta(hours=1))
    await queue.enqueue(changes.PRUNE_JOB, key=changes.PRUNE_JOB, run_at=at + timedelta(hours=1))
    await queue.enqueue(weekly.JOB, key=weekly.JOB, run_at=reminders.next_digest(at))
    # Due at once as well: campaigns whose dates passed while nothing ran start or end right after a start.
    await queue.enqueue("campaigns.schedule", key="campaigns.schedule", run_at=at)
    await queue.enqueue("campaigns.summary", key="campaigns.summary", run_at=at)
    await queue.enqueue("imports.files", key="imports.files", run_at=at + timedelta(minutes=10))
    await queue.enqueue(webhook_delivery.JOB, key=webhook_delivery.JOB, run_at=at)


class Worker:
    def __init__(self, settings: Settings, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; a database that fails for a moment is waited out, not fatal."""
        armed = False
        while not stop.is_set():
            try:
                if not armed:
                    await arm_recurring(self.settings)
                    armed = True
                job = await queue.claim(self.name, self.settings.jobs_lease_seconds)
            except Exception:
                log.exception("jobs: could not claim a job; trying again")
                job = None
            if job is not None:
                try:
                    await self.run_one(job)
                except Exception:  # recording the outcome failed (database gone): the lease brings it back
                    log.exception("jobs: %s #%s: could not record its outcome", job.kind, job.id)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.jobs_poll_seconds)

    async def run_one(self, job: Job) -> JobStatus:
        handler = HANDLERS.get(job.kind)
        if job.attempts > job.max_attempts:  # its workers died on it that often: do not take another one down
            return await queue.fail(job, self.name, "taken over after its worker stopped, too often", 0)
        if handler is None:
            return await queue.fail(job, self.name, f"no handler for {job.kind!r}", self.settings.jobs_retry_seconds)
        heartbeat = asyncio.create_task(self._renew(job))
        try:
            await handler(self.settings, job.payload)
        except Exception:
            heartbeat.cancel()
            status = await queue.fail(job, self.name, traceback.format_exc(limit=5), self.settings.jobs_retry_seconds)
            log.warning("jobs: %s #%s failed (attempt %s), %s", job.kind, job.id, job.attempts, status.value)
            return status
        heartbeat.cancel()
        next_run = RECURRING[job.kind](self.settings, queue.now()) if job.kind in RECURRING else None
        await queue.finish(job, self.name, next_run)
        return JobStatus.PENDING if next_run else JobStatus.DONE

    async def _renew(self, job: Job) -> None:
        lease = self.settings.jobs_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            with contextlib.suppress(Exception):  # a missed renewal only risks a takeover, which is safe
                await queue.renew(job, self.name, lease)

