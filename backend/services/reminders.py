"""Task reminders and the morning digest of overdue tasks: what the worker's recurring jobs do.

Exactly once: a reminder is claimed by a conditional UPDATE of the task's `reminded_at` inside the same
transaction that writes the notification and the email's outbox row; two workers (or a run repeated
after a crash) find it claimed and do nothing. A reminder that fell due while no worker ran is still
unclaimed, so it goes out on the next scan after the start.

Morning mail (the overdue digest, and the digest of what users chose to hear of once a day: digest.py)
goes out in each user's own morning: the job runs every quarter of an hour and picks the users whose
morning it is (from 07:00 to noon, users.time_zone) and who have not had today's; its key names the user
and their local date, so each gets one a day whoever runs the job and however often. A morning missed
entirely (no worker ran) is not sent in the evening: the next morning's mail carries what waited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from tortoise.exceptions import IntegrityError

from backend.auth.actor import Actor
from backend.live.events import NotificationKind, TaskReminderNote
from backend.mail import language
from backend.models import Activity, ActivityKind, Notification, OutboxMessage, TaskStatus, User
from backend.services import notify, preferences, recurrence
from backend.services.unit import Unit, write

BEFORE_DUE = timedelta(days=1)
BATCH = 100  # reminders per scan; a longer backlog goes on in the next scan, seconds later
OPEN = (TaskStatus.NEW, TaskStatus.SCHEDULED, TaskStatus.RESCHEDULED)
MORNING = (time(7, 0), time(12, 0))  # the users' own, in their time zone: sent from 07:00, or not that day
DIGEST_EVERY = timedelta(minutes=15)  # zones are whole quarter hours apart from UTC (India +5:30, Nepal +5:45)


def default_remind_at(due_at: datetime | None, now: datetime | None = None) -> datetime | None:
    """A day before the due time; a task due sooner is reminded of when due; a past one not at all."""
    if due_at is None:
        return None
    now = now or datetime.now(UTC)
    if due_at - BEFORE_DUE > now:
        return due_at - BEFORE_DUE
    return due_at if due_at > now else None


def _when(at: datetime, person: User, lang: str | None = None) -> str:
    """`at` as the person reads it: in their time zone (users.time_zone) and, in mail, their language."""
    return language.when(at, person.time_zone, lang)


async def send_due(at: datetime | None = None) -> int:
    """Send the reminders due by `at`; returns how many this call sent."""
    at = at or datetime.now(UTC)
    due = await Activity.filter(kind=ActivityKind.TASK, task_status__in=OPEN, remind_at__lte=at,
                                reminded_at=None).order_by("remind_at", "id").limit(BATCH)
    people = {u.id: u for u in await User.filter(id__in={t.assignee_id or t.author_id for t in due} - {None})}
    choices = await preferences.choices(people, "task_reminder")
    sent = 0
    for task in due:
        person = people.get(task.assignee_id or task.author_id or 0)
        async with write(Actor.system(via="jobs")) as unit:
            won = await Activity.filter(id=task.id, reminded_at=None, remind_at=task.remind_at).update(reminded_at=at)
            if not won:
                continue  # another worker sent it, or the task changed meanwhile
            sent += 1
            await unit.audit("task.remind", "activity", task.id, {"reminded_at": [None, at.isoformat()]})
            if person is None or not person.active:
                continue
            assert task.remind_at is not None

            def reminded(_: Notification, t: Activity = task) -> TaskReminderNote:
                return TaskReminderNote(activity_id=t.id, title=t.title)

            await notify.tell(unit, person, NotificationKind.TASK_REMINDER,
                              f"Reminder: {task.title} is due {_when(task.due_at or at, person)}", ("activity", task.id),
                              reminded,
                              f"task_reminder:{task.id}:{task.remind_at.isoformat()}", template="task_reminder",
                              choice=choices[person.id], line={"title": task.title, "due": (task.due_at or at).isoformat()},
                              title=task.title, due=_when(task.due_at or at, person, person.language),
                              about=task.description[:200])
    return sent


def next_scan(at: datetime, every: float) -> datetime:
    return at + timedelta(seconds=every)


def next_digest(at: datetime) -> datetime:
    """The next run of the morning mail: the next quarter hour (some user's 07:00 may fall on it)."""
    step = DIGEST_EVERY.total_seconds()
    return datetime.fromtimestamp((at.timestamp() // step + 1) * step, UTC)


def morning_of(person: User, at: datetime) -> date | None:
    """The person's local date when `at` is in their morning (07:00 to noon, their time zone), else None."""
    local = at.astimezone(recurrence.zone(person.time_zone))
    return local.date() if MORNING[0] <= local.time() < MORNING[1] else None


async def in_their_morning(people: Iterable[User], at: datetime, prefix: str) -> dict[int, str]:
    """{user id: key} of those in their morning who have no `prefix` mail of today yet (the key,
    `prefix:user:local date`, makes it one a day: a second writer fails on it)."""
    keys = {p.id: f"{prefix}:{p.id}:{day.isoformat()}" for p in people if (day := morning_of(p, at)) is not None}
    sent = set(await OutboxMessage.filter(key__in=list(keys.values())).values_list("key", flat=True))
    return {id: key for id, key in keys.items() if key not in sent}


async def send_overdue_digest(at: datetime | None = None) -> int:
    """One email per user with overdue open tasks who wants it, in their morning; once per user and day."""
    at = at or datetime.now(UTC)
    people = {u.id: u for u in await User.filter(active=True).exclude(email="")}
    choices = await preferences.choices(people, "overdue_digest")
    keys = await in_their_morning((p for p in people.values() if choices[p.id].email), at, "overdue_digest")
    overdue = await Activity.filter(kind=ActivityKind.TASK, task_status__in=OPEN, due_at__lt=at,
                                    assignee_id__in=list(keys)).order_by("due_at", "id")
    by_person: dict[int, list[Activity]] = {}
    for task in overdue:
        assert task.assignee_id is not None
        by_person.setdefault(task.assignee_id, []).append(task)
    sent = 0
    for person_id, tasks in by_person.items():
        person = people[person_id]
        listed = [{"title": t.title, "due": _when(t.due_at or at, person, person.language)} for t in tasks[:50]]
        mail = partial(_overdue_mail, person=person, count=len(tasks), tasks=listed)
        if await once(keys[person_id], mail):
            sent += 1
    return sent


async def _overdue_mail(unit: Unit, key: str, *, person: User, count: int, tasks: list[dict[str, str]]) -> None:
    await unit.send_mail("overdue_digest", key, person.email, person.language, name=person.name, count=count,
                         tasks=tasks)


async def once(key: str, send: Callable[[Unit, str], Awaitable[object]], action: str = "digest.send") -> bool:
    """Write the mail `send` makes under `key` (`kind:user id:…`) in its own write, audited as `action` on that
    user, unless a mail of that key exists (another worker, or an earlier run, sent it); True when this call
    wrote it."""
    try:
        async with write(Actor.system(via="jobs")) as unit:
            if await OutboxMessage.filter(key=key).exists():
                return False
            await send(unit, key)
            await unit.audit(action, "user", int(key.split(":")[1]), {"mail": key})
    except IntegrityError:  # another worker wrote it in the meantime: its write stands, this one rolled back
        return False
    return True
