"""Saved reports and their weekly mail (backend/report_files/weekly.py): save, schedule, delete under the owner's
rule; the mail comes on the chosen weekday from 07:00 in the owner's zone, once per ISO week whoever runs the job
and however often (a worker that dies after writing it changes nothing), with the table in the mail and the XLSX
attached, read under the owner's row rules at send time."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl

from backend.models import AuditEntry, OutboxMessage, Role, SavedReport, Team, User
from backend.report_files import weekly
from tests.factories import error, ok, setting  # noqa: F401  (setting: a fixture)
from tests.mailserver import Inbox
from tests.test_outbox import inbox, run_jobs_until_idle  # noqa: F401  (inbox: a fixture)
from tests.test_reports import seed

SAVE = "mutation($input: SaveReportInput!) { saveReport(input: $input) { id name weekday version report chart view } }"
SCHEDULE = "mutation($input: ScheduleSavedReportInput!) { scheduleSavedReport(input: $input) { id weekday version } }"
DELETE = "mutation($input: DeleteSavedReportInput!) { deleteSavedReport(input: $input) }"
LIST = "{ savedReports { id name weekday } }"
BY_OWNER = {"groupBy": ["OWNER"], "measures": ["COUNT", "SUM"]}
# Monday 4 January 2027 (ISO week 2027-W01): 07:00 in Berlin is 06:00 UTC.
MONDAY_BERLIN_7 = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)


async def _save(user: User, weekday: int | None = 0, **more: Any) -> dict[str, Any]:
    data = await ok(user, SAVE, input={"name": "Pipeline by owner", "report": {**BY_OWNER, **more}, "weekday": weekday,
                                       "view": {"by": "OWNER"}})
    return data["saveReport"]


async def _subscribed_before(saved: dict[str, Any], at: datetime) -> None:
    await SavedReport.filter(id=int(saved["id"])).update(subscribed_at=at)


async def test_save_list_schedule_and_delete_are_the_owners_own(db):
    people = await seed()
    rep, head = people["rep"], people["head"]
    saved = await _save(rep, weekday=None, filter={"ownerId": [str(rep.id)], "stageKind": ["WON"]})
    assert saved["report"] == {"groupBy": ["OWNER"], "measures": ["COUNT", "SUM"],
                               "filter": {"ownerId": [str(rep.id)], "stageKind": ["WON"]}}
    assert saved["chart"] == "SUM" and saved["weekday"] is None and saved["view"] == {"by": "OWNER"}
    assert [s["name"] for s in (await ok(rep, LIST))["savedReports"]] == ["Pipeline by owner"]
    assert (await ok(head, LIST))["savedReports"] == []  # not the head's
    changed = (await ok(rep, SCHEDULE, input={"id": saved["id"], "version": 1, "weekday": 4}))["scheduleSavedReport"]
    assert changed["weekday"] == 4 and changed["version"] == 2
    assert (await error(rep, SCHEDULE, input={"id": saved["id"], "version": 1, "weekday": 2}))["code"] == "CONFLICT"
    assert (await error(head, SCHEDULE, input={"id": saved["id"], "version": 2, "weekday": 2}))["code"] == "NOT_FOUND"
    assert (await error(head, DELETE, input={"id": saved["id"]}))["code"] == "NOT_FOUND"
    assert (await ok(rep, DELETE, input={"id": saved["id"]}))["deleteSavedReport"] == saved["id"]
    actions = [e.action for e in await AuditEntry.filter(entity="saved_report").order_by("id")]
    assert actions == ["saved_report.create", "saved_report.schedule", "saved_report.delete"]


async def test_bad_input_is_refused_naming_the_field_and_saves_nothing(db):
    people = await seed()
    rep = people["rep"]
    assert (await error(rep, SAVE, input={"name": "x", "report": BY_OWNER, "weekday": 7}))["field"] == "weekday"
    assert (await error(rep, SAVE, input={"name": " ", "report": BY_OWNER}))["field"] == "name"
    bad = await error(rep, SAVE, input={"name": "x", "report": {"groupBy": [], "measures": ["COUNT"]}})
    assert bad["field"] == "report.groupBy"
    support = await User.create(email="s@example.com", name="Sam", role=Role.SUPPORT)
    assert (await error(support, SAVE, input={"name": "x", "report": BY_OWNER}))["code"] == "FORBIDDEN"
    assert await SavedReport.all().count() == 0


async def test_the_mail_comes_on_the_weekday_from_seven_once_a_week(db):
    people = await seed()
    rep = people["rep"]
    await User.filter(id=rep.id).update(time_zone="Europe/Berlin")
    saved = await _save(rep, weekday=0)
    await _subscribed_before(saved, MONDAY_BERLIN_7 - timedelta(days=3))
    assert await weekly.send_due(MONDAY_BERLIN_7 - timedelta(minutes=15)) == 0  # 06:45 in Berlin
    # Two workers at once, and again later that week (a run repeated after a crash): one mail.
    assert sorted(await asyncio.gather(weekly.send_due(MONDAY_BERLIN_7), weekly.send_due(MONDAY_BERLIN_7))) == [0, 1]
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(hours=5)) == 0
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(days=4)) == 0
    [message] = await OutboxMessage.filter(kind="saved_report")
    assert message.key == f"saved_report:{rep.id}:{saved['id']}:2027-W01" and message.recipient == rep.email
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(days=7)) == 1  # the next week's
    assert await AuditEntry.filter(action="saved_report.send").count() == 2


async def test_a_missed_day_is_caught_up_that_week_and_a_late_subscription_waits(db):
    people = await seed()
    rep = people["rep"]
    saved = await _save(rep, weekday=0)
    await _subscribed_before(saved, MONDAY_BERLIN_7 - timedelta(days=1))
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(days=2)) == 1  # Wednesday: Monday's, late
    # Switched on after this week's Monday 07:00: its first mail is next Monday's.
    late = await _save(rep, weekday=0)
    await _subscribed_before(late, MONDAY_BERLIN_7 + timedelta(days=2))
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(days=3)) == 0
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(days=7, hours=1)) == 2
    # Switched off: nothing more.
    await SavedReport.all().update(weekday=None)
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(days=14, hours=1)) == 0


async def test_the_mail_holds_the_table_and_the_xlsx_under_the_row_rules_at_send_time(db, inbox):  # noqa: F811
    people = await seed()
    rep = people["rep"]
    saved = await _save(rep, weekday=0)
    await _subscribed_before(saved, MONDAY_BERLIN_7 - timedelta(days=1))
    # The rep moves to South before the mail goes out: South's deals, not North's, are in it.
    south = await Team.get(name="South")
    await User.filter(id=rep.id).update(team_id=south.id)
    assert await weekly.send_due(MONDAY_BERLIN_7 + timedelta(hours=1)) == 1
    await run_jobs_until_idle()
    box: Inbox = inbox[0]
    [mail] = box.messages
    assert mail["To"] == rep.email and mail["Subject"] == "Pipeline by owner: your weekly report (2027-W01)"
    html = mail.get_body(preferencelist=("html",)).get_content()
    rep2 = people["rep2"]
    assert rep2.name in html and people["colleague"].name not in html
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "Pipeline by owner 2027-W01.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_content())).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    owners = {r[0] for r in rows if r[0] in (rep2.name, people["colleague"].name, rep.name)}
    assert rep2.name in owners and people["colleague"].name not in owners

