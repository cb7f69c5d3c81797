"""The job queue (services/queue.py) and its worker (backend/worker.py): run once, retried with backoff,
taken over after a worker's lease runs out, and retried by hand by an admin."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from backend import worker as worker_module
from backend.models import AuditEntry, Job, JobStatus, Role
from backend.services import queue
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import error, make_user, ok, setting  # noqa: F401  (setting: a fixture)

RETRY = "mutation($input: RetryJobInput!) { retryJob(input: $input) { id status attempts } }"


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Test handlers beside the real ones; what they were called with is kept in `calls`."""
    calls: list[dict[str, Any]] = []

    async def good(settings: Any, payload: dict[str, Any]) -> None:
        calls.append(payload)

    async def bad(settings: Any, payload: dict[str, Any]) -> None:
        calls.append(payload)
        raise RuntimeError("the far side said no")

    monkeypatch.setitem(worker_module.HANDLERS, "test.good", good)
    monkeypatch.setitem(worker_module.HANDLERS, "test.bad", bad)
    return {"calls": calls}


async def test_a_job_is_claimed_by_one_of_many_claimers(db: str) -> None:
    job = await queue.enqueue("test.good", {"n": 1})
    claims = await asyncio.gather(*(queue.claim(f"w{i}", lease=60) for i in range(5)))
    won = [c for c in claims if c is not None]
    assert [c.id for c in won] == [job.id]
    assert won[0].status is JobStatus.RUNNING and won[0].attempts == 1


async def test_a_keyed_job_is_enqueued_once(db: str) -> None:
    first = await queue.enqueue("test.good", key="once")
    again = await queue.enqueue("test.good", key="once")
    assert first.id == again.id and await Job.all().count() == 1


async def test_a_job_not_yet_due_waits(db: str) -> None:
    await queue.enqueue("test.good", run_at=queue.now() + timedelta(minutes=5))
    assert await queue.claim("w", lease=60) is None


async def test_a_dead_workers_job_is_taken_over_after_its_lease(db: str, handlers: dict[str, Any]) -> None:
    await queue.enqueue("test.good", {"n": 1})
    dead = await queue.claim("dead", lease=60)
    assert dead is not None
    assert await queue.claim("alive", lease=60) is None  # the lease still holds
    taken = await queue.claim("alive", lease=60, at=queue.now() + timedelta(seconds=61))
    assert taken is not None and taken.id == dead.id and taken.attempts == 2 and taken.locked_by == "alive"
    await queue.finish(dead, "dead")  # the dead worker wakes up: it no longer owns the job
    assert (await Job.get(id=dead.id)).status is JobStatus.RUNNING
    assert not await queue.renew(dead, "dead", 60)
    await queue.finish(taken, "alive")
    assert (await Job.get(id=dead.id)).status is JobStatus.DONE


async def test_a_failing_job_is_retried_with_backoff_then_fails(db: str, handlers: dict[str, Any]) -> None:
    job = await queue.enqueue("test.bad", {"n": 1}, max_attempts=2)
    runner = Worker(get_settings(), name="w")
    claimed = await queue.claim("w", lease=60)
    assert claimed is not None
    assert await runner.run_one(claimed) is JobStatus.PENDING
    row = await Job.get(id=job.id)
    assert row.attempts == 1 and "the far side said no" in row.last_error
    delay = (row.run_at - queue.now()).total_seconds()
    assert get_settings().jobs_retry_seconds - 2 < delay <= get_settings().jobs_retry_seconds
    again = await queue.claim("w", lease=60, at=row.run_at)
    assert again is not None
    assert await runner.run_one(again) is JobStatus.FAILED
    assert (await Job.get(id=job.id)).status is JobStatus.FAILED
    assert len(handlers["calls"]) == 2


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [queue.backoff(n, 10) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert queue.backoff(30, 10) == 3600


async def test_an_admin_retries_a_failed_job(db: str, handlers: dict[str, Any]) -> None:
    admin = await make_user(Role.ADMIN)
    job = await queue.enqueue("test.bad", max_attempts=1)
    claimed = await queue.claim("w", lease=60)
    assert claimed is not None
    await Worker(get_settings(), name="w").run_one(claimed)
    data = await ok(admin, RETRY, input={"id": str(job.id)})
    assert data["retryJob"] == {"id": str(job.id), "status": "PENDING", "attempts": 0}
    assert await AuditEntry.filter(action="job.retry", entity_id=str(job.id)).exists()
    listed = await ok(admin, "{ jobs(filter: {status: [PENDING]}) { totalCount edges { node { id kind lastError } } } "
                             "jobCounts { pending failed } }")
    assert listed["jobs"]["totalCount"] == 1 and "far side" in listed["jobs"]["edges"][0]["node"]["lastError"]
    assert listed["jobCounts"] == {"pending": 1, "failed": 0}


async def test_only_admins_see_and_retry_jobs(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    job = await queue.enqueue("test.good")
    assert (await error(rep, RETRY, input={"id": str(job.id)}))["code"] == "FORBIDDEN"
    assert (await error(rep, "{ jobs { totalCount } }"))["code"] == "FORBIDDEN"


async def test_a_running_or_done_job_is_not_retried_by_hand(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    job = await queue.enqueue("test.good")
    await queue.claim("w", lease=60)
    found = await error(admin, RETRY, input={"id": str(job.id)})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "id"
    missing = await error(admin, RETRY, input={"id": "999999"})
    assert missing["code"] == "NOT_FOUND"


async def test_the_worker_runs_due_jobs_and_rearms_recurring_ones(db: str, handlers: dict[str, Any], setting: Any) -> None:  # noqa: F811 (a fixture)
    setting(CRM_JOBS_POLL_SECONDS="0.05", CRM_REMINDER_SCAN_SECONDS="60")
    await queue.enqueue("test.good", {"n": 7})
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(get_settings()).run(stop))
    try:
        for _ in range(200):
            if handlers["calls"] and await Job.filter(kind="reminders.scan", finished_at__not_isnull=True).exists():
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert handlers["calls"] == [{"n": 7}]
    scan = await Job.get(kind="reminders.scan")
    assert scan.status is JobStatus.PENDING and scan.attempts == 0 and scan.run_at > queue.now()
    assert await Job.filter(kind="reminders.overdue_digest", status=JobStatus.PENDING).exists()


async def test_finished_work_is_pruned_failed_jobs_stay(db: str) -> None:
    old = queue.now() - timedelta(days=8)
    done = await queue.enqueue("test.good")
    failed = await queue.enqueue("test.bad")
    fresh = await queue.enqueue("test.good")
    await Job.filter(id__in=[done.id, failed.id]).update(finished_at=old)
    await Job.filter(id=done.id).update(status=JobStatus.DONE)
    await Job.filter(id=failed.id).update(status=JobStatus.FAILED)
    await Job.filter(id=fresh.id).update(status=JobStatus.DONE, finished_at=queue.now())
    assert await queue.prune() == 1
    assert sorted(await Job.all().values_list("id", flat=True)) == sorted([failed.id, fresh.id])
