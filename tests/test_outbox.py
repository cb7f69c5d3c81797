"""The outbox (services/outbox.py): mail is written with the change and sent by a job through a real
SMTP server (aiosmtpd): nothing for a rolled-back change, once for a committed one, even when the job
runs again or its worker is killed in the middle of the send."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from backend.auth.actor import Actor
from backend.models import Job, JobStatus, OutboxMessage
from backend.services import outbox, queue
from backend.services.unit import write
from backend.settings import get_settings
from backend.worker import Worker
from tests.factories import setting  # noqa: F401  (a fixture)
from tests.mailserver import Inbox, smtp_server
from tests.servers import ROOT, START_TIMEOUT, until


@pytest.fixture
def inbox(setting: Any) -> Iterator[tuple[Inbox, str]]:  # noqa: F811 (a fixture)
    with smtp_server() as (box, url):
        setting(CRM_SMTP_URL=url, CRM_JOBS_POLL_SECONDS="0.05", CRM_JOBS_LEASE_SECONDS="1",
                CRM_REMINDER_SCAN_SECONDS="0.2", CRM_JOBS_RETRY_SECONDS="0.2")
        yield box, url


async def _mail(key: str, to: str = "ann@example.com") -> None:
    async with write(Actor.system(via="test")) as unit:
        await unit.send_mail("task_reminder", key, to, name="Ann", title="Call <Bob>", due="tomorrow", about="")


async def run_jobs_until_idle() -> None:
    """Run due jobs in this process until none is left (recurring ones are not due again this soon)."""
    runner = Worker(get_settings(), name="test")
    while (job := await queue.claim(runner.name, get_settings().jobs_lease_seconds)) is not None:
        await runner.run_one(job)


async def test_a_rolled_back_change_sends_nothing(db: str, inbox: tuple[Inbox, str]) -> None:
    with pytest.raises(RuntimeError):
        async with write(Actor.system(via="test")) as unit:
            await unit.send_mail("task_reminder", "k1", "ann@example.com", name="Ann", title="T", due="d", about="")
            raise RuntimeError("the change failed after the mail was queued")
    assert await OutboxMessage.all().count() == 0 and await Job.all().count() == 0
    await run_jobs_until_idle()
    assert inbox[0].messages == []


async def test_a_committed_change_sends_its_mail_once(db: str, inbox: tuple[Inbox, str]) -> None:
    await _mail("k2")
    await run_jobs_until_idle()
    [mail] = inbox[0].messages
    assert mail["To"] == "ann@example.com" and mail["Subject"] == "Reminder: Call <Bob> is due tomorrow"
    html = mail.get_body(preferencelist=("html",))
    text = mail.get_body(preferencelist=("plain",))
    assert html is not None and "Call &lt;Bob&gt;" in html.get_content()  # autoescaped
    assert text is not None and "Call <Bob>" in text.get_content() and "/tasks" in text.get_content()
    message = await OutboxMessage.get(key="k2")
    assert message.sent_at is not None and mail["Message-ID"] == outbox.message_id(message, get_settings().mail_from)
    # The job runs again (its worker died after marking the message sent): nothing more goes out.
    await outbox.deliver(get_settings(), {"id": message.id})
    assert len(inbox[0].messages) == 1


async def test_a_failed_send_is_retried(db: str, setting: Any) -> None:  # noqa: F811 (a fixture)
    with smtp_server() as (box, url):
        # Nothing listens on the port at first: the send fails and the job waits for its retry.
        setting(CRM_SMTP_URL="smtp://127.0.0.1:1", CRM_JOBS_RETRY_SECONDS="0.1")
        await _mail("k3")
        await run_jobs_until_idle()
        job = await Job.get(kind=outbox.DELIVER)
        assert job.status is JobStatus.PENDING and job.attempts == 1 and job.last_error
        setting(CRM_SMTP_URL=url)
        await until(lambda: queue.now() >= job.run_at, what="the retry's time")
        await run_jobs_until_idle()
        assert len(box.messages) == 1
        assert (await Job.get(id=job.id)).status is JobStatus.DONE


async def _done(job_id: int) -> bool:
    return await Job.filter(id=job_id, status=JobStatus.DONE).exists()


def worker_process(database_url: str, smtp_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_SMTP_URL": smtp_url, "CRM_JOBS_POLL_SECONDS": "0.05",
           "CRM_JOBS_LEASE_SECONDS": "1", "CRM_REMINDER_SCAN_SECONDS": "0.2", "CRM_BROADCAST_URL": "memory://"}
    return subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_a_worker_killed_mid_send_neither_loses_nor_duplicates(db: str, inbox: tuple[Inbox, str]) -> None:
    box, url = inbox
    await _mail("k4")
    box.hold.set()  # the server keeps whichever worker sends waiting in the middle of the SMTP conversation
    workers = {p.pid: p for p in (worker_process(db, url), worker_process(db, url))}
    try:
        await until(box.held.is_set, timeout=START_TIMEOUT, what="a worker to be sending")
        job = await Job.get(kind=outbox.DELIVER)
        assert job.status is JobStatus.RUNNING and job.locked_by is not None
        sender = workers[int(job.locked_by.split(":")[1])]
        sender.kill()  # SIGKILL: no clean-up, its job stays claimed until the lease runs out
        sender.wait()
        box.hold.clear()
        await until(lambda: len(box.messages) == 1, timeout=30, what="the mail, sent by the other worker")
        await until(lambda: _done(job.id), what="the job done")
        await asyncio.sleep(0.5)  # a few more polls: a twin would show now
    finally:
        for process in workers.values():
            stop(process)
    assert len(box.messages) == 1
    assert (await Job.get(id=job.id)).attempts == 2
