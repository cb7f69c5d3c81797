"""The weekly mail of saved reports: each subscribed report goes to its owner once a week, on the chosen weekday
from 07:00 in the owner's time zone, with the table in the mail and the XLSX attached.

Exactly once a week: the mail's outbox key names the report and the ISO week of the owner's local date, and it
is written in one transaction with its audit entry (reminders.once), so a second worker, or a run repeated after
a worker died, finds the key taken and writes nothing; delivery itself is the outbox's (once per message). A day
missed because no worker ran is caught up later that week, never twice. The report is read when the mail is
written, as the owner with their role and team of that moment, so it holds exactly what they may see then.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from backend.auth.actor import Actor
from backend.models import OutboxMessage, SavedReport, User
from backend.report_files import table as tables
from backend.report_files import xlsx
from backend.services import recurrence, reminders
from backend.services.unit import Unit

log = logging.getLogger("crm.jobs")

JOB = "reports.weekly"
SEND_FROM = time(7, 0)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def due_week(saved: SavedReport, person: User, at: datetime) -> str | None:
    """The ISO week ("2026-W49") whose mail of `saved` is due at `at`, or None: before the weekday's 07:00 in the
    owner's zone, or the week's sending time passed before the mail was switched on (its first is next week)."""
    if saved.weekday is None:
        return None
    zone = recurrence.zone(person.time_zone)
    local = at.astimezone(zone)
    send_day = local.date() - timedelta(days=local.weekday() - saved.weekday)
    send_at = datetime.combine(send_day, SEND_FROM, zone)
    if local < send_at or (saved.subscribed_at is not None and saved.subscribed_at > send_at):
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def mail_key(saved: SavedReport, week: str) -> str:
    return f"saved_report:{saved.owner_id}:{saved.id}:{week}"


def _values(saved: SavedReport, person: User, table: tables.Table, week: str) -> dict[str, Any]:
    """What the template shows: the table as text, as on the screen."""
    view = {k: v for k, v in (saved.view or {}).items() if v}
    return {
        "name": person.name, "report_name": saved.name, "title": table.title, "week": week,
        "filters": table.filters, "rates": table.rates, "columns": table.headers, "keys": len(table.dimensions),
        "rows": [table.labels(r) + [shown for _, shown in table.values(r)] for r in table.rows],
        "total": ["All"] + [""] * (len(table.dimensions) - 1) + [shown for _, shown in table.values(table.total)],
        "more": table.group_count if table.group_count > len(table.rows) else 0,
        "view": f"?{urlencode(view)}" if view else "",
    }


async def send_due(at: datetime | None = None) -> int:
    """Write this week's mail of every subscribed report that is due and not yet sent; returns how many."""
    at = at or datetime.now(UTC)
    subscribed = await SavedReport.filter(weekday__isnull=False).order_by("id")
    people = {u.id: u for u in await User.filter(id__in={s.owner_id for s in subscribed}, active=True).exclude(email="")}
    due = {mail_key(s, week): (s, week) for s in subscribed
           if s.owner_id in people and (week := due_week(s, people[s.owner_id], at)) is not None}
    sent_already = set(await OutboxMessage.filter(key__in=list(due)).values_list("key", flat=True))
    sent = 0
    for key, (saved, week) in due.items():
        if key in sent_already:
            continue
        person = people[saved.owner_id]
        try:
            table = await tables.read(Actor.for_user(person, via="jobs"), saved.report, saved.chart, saved.name)
        except tables.ReportError as error:  # the owner lost the right to reports, or a filter's id is gone
            log.info("jobs: saved report #%s not sent to user #%s: %s", saved.id, person.id, error.message)
            continue
        attachment = {"filename": f"{saved.name[:60] or 'report'} {week}.xlsx", "content_type": XLSX_TYPE,
                      "content": base64.b64encode(xlsx.workbook(table)).decode("ascii"), "encoding": "base64"}

        async def write_mail(unit: Unit, key: str, person: User = person, saved: SavedReport = saved,
                             table: tables.Table = table, week: str = week,
                             attachment: dict[str, str] = attachment) -> None:
            await unit.send_mail("saved_report", key, person.email, person.language, attachments=[attachment],
                                 **_values(saved, person, table, week))

        if await reminders.once(key, write_mail, action="saved_report.send"):
            sent += 1
    return sent
