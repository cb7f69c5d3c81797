"""The job queue: enqueue inside the change's transaction; claim, renew, finish and retry.

A claim is one conditional UPDATE (`attempts` is the claim's version: whoever changes it first owns the
job), so two workers never run the same claim; on PostgreSQL the candidates are read `FOR UPDATE SKIP
LOCKED` as well, so busy workers pass each other by instead of queueing on a row. A claim is a lease:
a worker that dies leaves its job RUNNING with a `locked_until` in the past, and the next claim takes
it over (counting an attempt). Effects of a job must therefore be idempotent: see services/outbox.py.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from backend.models import Job, JobStatus, OutboxMessage

MAX_BACKOFF = 3600.0
CANDIDATES = 5  # due jobs looked at per claim: a worker that loses a race for one tries the next


def now() -> datetime:
    return datetime.now(UTC)


async def enqueue(kind: str, payload: dict[str, Any] | None = None, *, run_at: datetime | None = None,
                  key: str | None = None, max_attempts: int = 8) -> Job:
    """Schedule `kind` (joins the caller's transaction when there is one: it runs only if that commits).

    With a `key`, a job already holding it is returned instead; keyed enqueues that may race happen
    outside a transaction (arming recurring jobs), where a lost race is an IntegrityError we absorb.
    """
    values: dict[str, Any] = {"kind": kind, "payload": payload or {}, "run_at": run_at or now(), "max_attempts": max_attempts}
    if key is None:
        return await Job.create(**values)
    existing = await Job.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        return await Job.create(key=key, **values)
    except IntegrityError:
        return await Job.get(key=key)


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def claim(worker: str, lease: float, at: datetime | None = None) -> Job | None:
    """Take the next due job (pending and due, or running with its lease run out) for `lease` seconds."""
    at = at or now()
    due = Q(status=JobStatus.PENDING, run_at__lte=at) | Q(status=JobStatus.RUNNING, locked_until__lt=at)
    postgres = _is_postgres()
    # SQLite: one writer at a time anyway, and a read-then-write transaction there can fail with
    # SQLITE_BUSY; the conditional UPDATE alone decides.
    frame = in_transaction("default") if postgres else contextlib.nullcontext()
    async with frame:
        query = Job.filter(due).order_by("run_at", "id").limit(CANDIDATES)
        if postgres:
            query = query.select_for_update(skip_locked=True)
        for candidate in await query:
            won = await Job.filter(id=candidate.id, status=candidate.status, attempts=candidate.attempts).update(
                status=JobStatus.RUNNING, locked_by=worker, locked_until=at + timedelta(seconds=lease),
                attempts=F("attempts") + 1,
            )
            if won:
                return await Job.get(id=candidate.id)
    return None


async def renew(job: Job, worker: str, lease: float) -> bool:
    """Extend the lease of a job still running here; False when another worker has taken it over."""
    return bool(await Job.filter(id=job.id, locked_by=worker, status=JobStatus.RUNNING, attempts=job.attempts)
                .update(locked_until=now() + timedelta(seconds=lease)))


def _ours(job: Job, worker: str) -> Any:
    # attempts too: a worker whose lease ran out must not finish the job another worker now holds.
    return Job.filter(id=job.id, locked_by=worker, status=JobStatus.RUNNING, attempts=job.attempts)


async def finish(job: Job, worker: str, next_run: datetime | None = None) -> None:
    """Done; a recurring job is re-armed for `next_run` instead (same row, attempts start over)."""
    if next_run is None:
        await _ours(job, worker).update(status=JobStatus.DONE, finished_at=now(), locked_until=None, last_error="")
    else:
        await _ours(job, worker).update(status=JobStatus.PENDING, run_at=next_run, attempts=0, locked_by=None,
                                        locked_until=None, last_error="", finished_at=now())


def backoff(attempts: int, first: float) -> float:
    """Seconds before retry number `attempts`: first, 2×first, 4×first, … at most an hour."""
    return float(min(first * 2 ** max(attempts - 1, 0), MAX_BACKOFF))


async def fail(job: Job, worker: str, error: str, first_retry: float) -> JobStatus:
    """Record the failure: retried later with backoff, or FAILED once out of attempts."""
    if job.attempts >= job.max_attempts:
        await _ours(job, worker).update(status=JobStatus.FAILED, last_error=error[:4000], finished_at=now(),
                                        locked_until=None)
        return JobStatus.FAILED
    await _ours(job, worker).update(status=JobStatus.PENDING, last_error=error[:4000], locked_by=None,
                                    locked_until=None,
                                    run_at=now() + timedelta(seconds=backoff(job.attempts, first_retry)))
    return JobStatus.PENDING


KEEP_DONE = timedelta(days=7)  # finished jobs stay visible to admins this long
KEEP_SENT = timedelta(days=30)  # sent mail keeps its row (and its key) this long


async def prune(at: datetime | None = None) -> int:
    """Forget finished work: done jobs after a week, sent messages after a month; failed jobs stay for an admin."""
    at = at or now()
    jobs = await Job.filter(status=JobStatus.DONE, finished_at__lt=at - KEEP_DONE).delete()
    messages = await OutboxMessage.filter(sent_at__lt=at - KEEP_SENT).delete()
    return jobs + messages
