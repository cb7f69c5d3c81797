"""Jobs as admins see them: retry by hand (the queue itself is services/queue.py)."""

from __future__ import annotations

from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.models import Job, JobStatus
from backend.permissions import Action
from backend.services import validate as v
from backend.services.queue import now
from backend.services.unit import write


async def retry(actor: Actor, raw_id: Any) -> Job:
    """An admin's retry by hand: a failed (or waiting) job runs again now, with its attempts anew."""
    permissions.require(actor, Action.MANAGE_JOBS)
    job_id = v.parse_id("id", raw_id)
    async with write(actor) as unit:
        job = await Job.filter(id=job_id).first()
        if job is None:
            raise NotFound("Job", raw_id, field="id")
        if job.status not in (JobStatus.FAILED, JobStatus.PENDING):
            raise BadUserInput("id", f"the job is {job.status.value}: only a failed or waiting job is retried")
        changed = await Job.filter(id=job.id, status=job.status, attempts=job.attempts).update(
            status=JobStatus.PENDING, run_at=now(), attempts=0, finished_at=None, locked_by=None, locked_until=None)
        if not changed:
            raise BadUserInput("id", "the job changed meanwhile (a worker took it): look again")
        await unit.audit("job.retry", "job", job.id, {"status": [job.status.value, "pending"]})
    return await Job.get(id=job.id)
