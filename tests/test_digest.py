"""Morning mail in each user's own morning (services/reminders.py, services/digest.py): the overdue tasks
and the daily digest of what a user chose to hear of once a day, at 07:00 in their time zone, once a
day whoever runs the job, nothing when empty; in the user's language through a real SMTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.models import Activity, DigestItem, Notification, OutboxMessage, Role, User
from backend.services import digest, reminders
from tests.factories import error, log_activity, make_user, ok, setting  # noqa: F401  (setting: a fixture)
from tests.test_outbox import inbox, run_jobs_until_idle  # noqa: F401  (inbox: a fixture)

PREFERENCE = ("mutation($input: SetNotificationPreferenceInput!) "
              "{ setNotificationPreference(input: $input) { kind inApp email digest digestible } }")
SETTINGS = "mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { language timeZone } }"
# Friday 15 January 2027: 07:00 in Tokyo is 22:00 UTC the day before; in Berlin 06:00 UTC; in New York 12:00 UTC.
TOKYO_MORNING = datetime(2027, 1, 14, 22, 0, tzinfo=UTC)
BERLIN_MORNING = datetime(2027, 1, 15, 6, 0, tzinfo=UTC)
NEW_YORK_MORNING = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


async def _person(zone: str, email: str, language: str | None = None) -> User:
    user = await make_user(Role.SALES_REP, email=email)
    await User.filter(id=user.id).update(time_zone=zone, language=language)
    return await User.get(id=user.id)


async def _overdue(who: User, title: str) -> None:
    await log_activity(who, kind="TASK", title=title, dueAt=datetime(2027, 1, 10, 9, 0, tzinfo=UTC).isoformat(),
                       remindAt=None)


async def _mailed(prefix: str) -> list[str]:
    return sorted(m.recipient for m in await OutboxMessage.filter(key__startswith=f"{prefix}:"))


async def test_the_overdue_mail_comes_at_seven_in_each_users_own_zone(db: str) -> None:
    tokyo = await _person("Asia/Tokyo", "tokyo@example.com")
    berlin = await _person("Europe/Berlin", "berlin@example.com")
    new_york = await _person("America/New_York", "ny@example.com")
    for who in (tokyo, berlin, new_york):
        await _overdue(who, f"Late for {who.email}")
    await make_user(Role.SALES_REP, email="nothing-late@example.com")  # nothing overdue: no mail at all

    assert await reminders.send_overdue_digest(TOKYO_MORNING - timedelta(minutes=15)) == 0  # 06:45 in Tokyo
    assert await reminders.send_overdue_digest(TOKYO_MORNING) == 1
    assert await _mailed("overdue_digest") == ["tokyo@example.com"]
    assert await reminders.send_overdue_digest(TOKYO_MORNING + timedelta(minutes=15)) == 0  # once that day
    assert await reminders.send_overdue_digest(BERLIN_MORNING) == 1
    assert await reminders.send_overdue_digest(NEW_YORK_MORNING) == 1
    assert await _mailed("overdue_digest") == ["berlin@example.com", "ny@example.com", "tokyo@example.com"]
    keys = {m.recipient: m.key for m in await OutboxMessage.all()}
    assert keys["tokyo@example.com"] == f"overdue_digest:{tokyo.id}:2027-01-15"  # Tokyo's date, not UTC's
    assert keys["ny@example.com"] == f"overdue_digest:{new_york.id}:2027-01-15"
    # The next morning in Tokyo brings the next one; an evening run sends nothing (a missed morning waits).
    assert await reminders.send_overdue_digest(TOKYO_MORNING + timedelta(hours=12)) == 0
    assert await reminders.send_overdue_digest(TOKYO_MORNING + timedelta(days=1)) == 1


def test_the_morning_job_runs_every_quarter_hour() -> None:
    assert reminders.next_digest(datetime(2026, 5, 1, 8, 0, tzinfo=UTC)) == datetime(2026, 5, 1, 8, 15, tzinfo=UTC)
    assert reminders.next_digest(datetime(2026, 5, 1, 8, 7, 30, tzinfo=UTC)) == datetime(2026, 5, 1, 8, 15, tzinfo=UTC)
    assert reminders.next_digest(datetime(2026, 5, 1, 23, 59, tzinfo=UTC)) == datetime(2026, 5, 2, 0, 0, tzinfo=UTC)


async def _digest_reminders(who: User, *titles: str) -> None:
    """Tasks whose reminders fell due, for a user who chose the daily digest for them."""
    await ok(who, PREFERENCE, input={"kind": "task_reminder", "inApp": True, "email": True, "digest": True})
    for title in titles:
        task = await log_activity(who, kind="TASK", title=title,
                                  dueAt=datetime(2027, 1, 16, 9, 0, tzinfo=UTC).isoformat())
        await Activity.filter(id=task["id"]).update(remind_at=datetime(2027, 1, 14, 10, 0, tzinfo=UTC))


async def _reminders_fall_due(at: datetime) -> int:
    """The reminder scan at `at`, as a worker ran it then: what it leaves for the digest dates from `at` too
    (the digest takes what waited by its morning), so these 2027 mornings hold whatever today's date is."""
    sent = await reminders.send_due(at)
    await DigestItem.filter(created_at__gt=at).update(created_at=at)
    return sent


async def test_reminders_in_the_digest_wait_for_the_users_morning_and_come_in_one_email(
        db: str, inbox: Any) -> None:  # noqa: F811 (a fixture)
    box, _ = inbox
    tokyo = await _person("Asia/Tokyo", "tokyo@example.com")
    berlin = await _person("Europe/Berlin", "berlin@example.com")
    await _digest_reminders(tokyo, "Call Sato", "Send the quote")
    await _digest_reminders(berlin, "Call Bauer")
    assert await _reminders_fall_due(datetime(2027, 1, 14, 10, 5, tzinfo=UTC)) == 3
    assert await OutboxMessage.all().count() == 0  # no email each: they wait for the digest
    assert await Notification.filter(kind="task_reminder").count() == 3  # in the app as chosen
    assert await DigestItem.filter(sent_at=None).count() == 3

    assert await digest.send_digests(TOKYO_MORNING) == 1
    assert await digest.send_digests(TOKYO_MORNING + timedelta(minutes=15)) == 0
    assert await DigestItem.filter(user_id=berlin.id, sent_at=None).count() == 1  # Berlin's still waits
    await run_jobs_until_idle()
    [mail] = box.messages
    assert mail["To"] == "tokyo@example.com" and mail["Subject"] == "Your daily digest: 2 updates"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Call Sato" in text and "Send the quote" in text and "Call Bauer" not in text
    assert "Sat, Jan 16, 2027, 18:00 JST" in text  # due 09:00 UTC, read in Tokyo

    assert await digest.send_digests(BERLIN_MORNING) == 1
    assert await digest.send_digests(NEW_YORK_MORNING) == 0  # nothing waits for anyone: nothing is sent
    assert await DigestItem.filter(sent_at=None).count() == 0


async def test_the_digest_is_sent_once_by_two_workers_at_the_same_time(db: str) -> None:
    people = [await _person(zone, f"both{n}@example.com") for n, zone in enumerate(["Asia/Tokyo", "Asia/Tokyo"])]
    for who in people:
        await _digest_reminders(who, f"Task of {who.email}")
        await _overdue(who, f"Late for {who.email}")
    await _reminders_fall_due(datetime(2027, 1, 14, 10, 5, tzinfo=UTC))
    sent = await asyncio.gather(digest.send_digests(TOKYO_MORNING), digest.send_digests(TOKYO_MORNING),
                                reminders.send_overdue_digest(TOKYO_MORNING),
                                reminders.send_overdue_digest(TOKYO_MORNING))
    assert sent[0] + sent[1] == 2 and sent[2] + sent[3] == 2
    assert await _mailed("digest") == ["both0@example.com", "both1@example.com"]
    assert await _mailed("overdue_digest") == ["both0@example.com", "both1@example.com"]
    assert await DigestItem.filter(sent_at=None).count() == 0


async def test_german_mail_in_the_users_zone_through_a_real_smtp_server(db: str, inbox: Any) -> None:  # noqa: F811
    box, _ = inbox
    anna = await make_user(Role.SALES_REP, email="anna@example.com")
    assert (await ok(anna, SETTINGS, input={"language": "de-DE", "timeZone": "Europe/Berlin"}))[
        "updateMySettings"] == {"language": "de", "timeZone": "Europe/Berlin"}
    task = await log_activity(anna, kind="TASK", title="Angebot <Müller>",
                              dueAt=datetime(2027, 3, 1, 8, 0, tzinfo=UTC).isoformat())
    await Activity.filter(id=task["id"]).update(remind_at=datetime(2027, 2, 28, 8, 0, tzinfo=UTC))
    await _overdue(anna, "Rückruf Schmidt")
    await reminders.send_due(datetime(2027, 2, 28, 8, 1, tzinfo=UTC))
    await reminders.send_overdue_digest(BERLIN_MORNING)
    await run_jobs_until_idle()
    reminder, overdue = sorted(box.to("anna@example.com"), key=lambda m: str(m["Subject"]))[::-1]
    assert reminder["Subject"] == "Erinnerung: Angebot <Müller> ist fällig am Mo., 1. März 2027, 09:00 MEZ"
    html = reminder.get_body(preferencelist=("html",)).get_content()
    assert 'lang="de"' in html and "Angebot &lt;Müller&gt;" in html and "Zu Ihren Aufgaben" in html
    assert overdue["Subject"] == "1 überfällige Aufgabe"
    assert "Rückruf Schmidt" in overdue.get_body(preferencelist=("plain",)).get_content()


async def test_a_language_without_templates_falls_back_to_english_with_its_own_dates(db: str, inbox: Any) -> None:  # noqa: F811
    box, _ = inbox
    pierre = await _person("Europe/Paris", "pierre@example.com", language="fr")
    task = await log_activity(pierre, kind="TASK", title="Appeler", dueAt=datetime(2027, 3, 1, 8, 0, tzinfo=UTC).isoformat())
    await Activity.filter(id=task["id"]).update(remind_at=datetime(2027, 2, 28, 8, 0, tzinfo=UTC))
    await reminders.send_due(datetime(2027, 2, 28, 8, 1, tzinfo=UTC))
    await run_jobs_until_idle()
    [mail] = box.messages
    assert str(mail["Subject"]).startswith("Reminder: Appeler is due lun. 1 mars 2027, 09:00")


async def test_each_role_chooses_only_for_the_kinds_that_can_reach_it(db: str) -> None:
    def kinds(listed: dict[str, Any]) -> set[str]:
        return {choice["kind"] for choice in listed["notificationPreferences"]}

    query = "{ notificationPreferences { kind } }"
    rep = kinds(await ok(await make_user(Role.SALES_REP), query))
    marketing = kinds(await ok(await make_user(Role.MARKETING), query))
    admin = kinds(await ok(await make_user(Role.ADMIN), query))
    assert {"task_reminder", "deal_moved", "deal_reassigned"} <= rep
    assert not rep & {"campaign_status", "campaign_summary", "campaign_shared"}
    assert {"campaign_status", "campaign_summary", "campaign_shared"} <= marketing
    assert not marketing & {"deal_moved", "deal_reassigned"}
    assert admin == rep | marketing | {"webhook_disabled"}  # webhooks are admins' alone


async def test_preferences_and_settings_refuse_what_cannot_be(db: str) -> None:
    rep = await make_user(Role.SALES_REP)
    found = await error(rep, PREFERENCE, input={"kind": "task_reminder", "inApp": True, "email": False, "digest": True})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "digest"
    found = await error(rep, PREFERENCE, input={"kind": "overdue_digest", "inApp": False, "email": True, "digest": True})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "digest"
    listed = await ok(rep, "{ notificationPreferences { kind digest digestible } }")
    assert {"kind": "overdue_digest", "digest": False, "digestible": False} in listed["notificationPreferences"]
    found = await error(rep, SETTINGS, input={"language": "klingon!"})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "language"
    found = await error(rep, SETTINGS, input={"timeZone": "Mars/Olympus"})
    assert found["code"] == "BAD_USER_INPUT" and found["field"] == "timeZone"
    cleared = await ok(rep, SETTINGS, input={"language": None})
    assert cleared["updateMySettings"]["language"] is None
