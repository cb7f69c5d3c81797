"""Notifications through the schema: each user lists and marks read only their own, newest first, with
read state and the unread count; bad and foreign ids are refused by name and nothing is marked."""

from backend.models import AuditEntry, DigestItem, Notification, OutboxMessage, Role, Stage
from tests.factories import error, log_activity, make_customer, make_deal, make_team, make_user, ok, setting  # noqa: F401
from tests.test_outbox import inbox, run_jobs_until_idle  # noqa: F401  (inbox: a fixture)

LIST = """query($first: Int, $after: String, $unread: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unread) {
    totalCount edges { node { id kind message entity entityId readAt } } pageInfo { hasNextPage endCursor } } }"""
MARK = """mutation($input: MarkNotificationsReadInput!) {
  markNotificationsRead(input: $input) { unreadCount notifications { id readAt } } }"""


async def notify(user, n: int) -> list[Notification]:
    return [await Notification.create(user_id=user.id, kind="note", message=f"Message {i}") for i in range(n)]


def messages(data) -> list[str]:
    return [e["node"]["message"] for e in data["notifications"]["edges"]]


async def test_lists_only_own_newest_first_and_pages(db):
    me, other = await make_user(Role.SALES_REP), await make_user(Role.ADMIN)
    await notify(me, 3)
    await notify(other, 2)
    first = await ok(me, LIST, first=2)
    assert messages(first) == ["Message 2", "Message 1"]
    assert first["notifications"]["totalCount"] == 3
    rest = await ok(me, LIST, first=2, after=first["notifications"]["pageInfo"]["endCursor"])
    assert messages(rest) == ["Message 0"] and not rest["notifications"]["pageInfo"]["hasNextPage"]
    # An admin sees everything in the CRM, but not other people's notifications.
    assert (await ok(other, LIST))["notifications"]["totalCount"] == 2


async def test_task_assignment_arrives_unread_and_points_at_the_task(db):
    head = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    task = await log_activity(head, kind="TASK", title="Call back", assigneeId=str(rep.id))
    node = (await ok(rep, LIST, unread=True))["notifications"]["edges"][0]["node"]
    assert node["kind"] == "task_assigned" and "Call back" in node["message"]
    assert (node["entity"], node["entityId"], node["readAt"]) == ("activity", task["id"], None)


async def test_mark_read_own_ids_and_the_unread_count(db):
    me = await make_user(Role.SUPPORT)
    notes = await notify(me, 3)
    data = (await ok(me, MARK, input={"ids": [str(notes[0].id)]}))["markNotificationsRead"]
    assert data["unreadCount"] == 2 and data["notifications"][0]["readAt"]
    assert messages(await ok(me, LIST, unread=True)) == ["Message 2", "Message 1"]
    assert (await ok(me, LIST, unread=True))["notifications"]["totalCount"] == 2
    entry = await AuditEntry.filter(action="notification.read").get()
    assert entry.changes == {"notifications": [notes[0].id]}

    # Marking again changes nothing; all: true marks the rest.
    first_read = (await Notification.get(id=notes[0].id)).read_at
    await ok(me, MARK, input={"ids": [str(notes[0].id)]})
    assert (await Notification.get(id=notes[0].id)).read_at == first_read
    assert (await ok(me, MARK, input={"all": True}))["markNotificationsRead"]["unreadCount"] == 0


async def test_foreign_and_bad_ids_are_named_and_nothing_is_marked(db):
    me, other = await make_user(Role.SALES_REP), await make_user(Role.SALES_REP)
    mine, theirs = (await notify(me, 1))[0], (await notify(other, 1))[0]
    refused = await error(me, MARK, input={"ids": [str(mine.id), str(theirs.id)]})
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "ids")
    assert str(theirs.id) in refused["message"]
    assert await Notification.filter(read_at__isnull=False).count() == 0

    bad = await error(me, MARK, input={"ids": ["abc"]})
    assert (bad["code"], bad["field"]) == ("NOT_FOUND", "ids") and "abc" in bad["message"]
    for wrong in ({}, {"ids": []}, {"ids": [str(mine.id)], "all": True}):
        assert (await error(me, MARK, input=wrong))["field"] == "ids"
    too_many = await error(me, MARK, input={"ids": [str(i) for i in range(1, 102)]})
    assert (too_many["code"], too_many["field"]) == ("BAD_USER_INPUT", "ids")
    assert await AuditEntry.filter(action="notification.read").count() == 0


async def test_signed_out_and_roleless_callers_are_refused(db):
    from backend.auth.actor import Actor

    assert (await error(Actor.anonymous(), LIST))["code"] == "UNAUTHENTICATED"
    roleless = await make_user(None)
    assert (await error(roleless, MARK, input={"all": True}))["code"] == "FORBIDDEN"


async def test_inside_an_outer_write_the_acting_user_is_named_and_nobody_told_of_their_own_doing(db):
    """The demo seed runs every service inside one write by the system: the notification must still name
    who assigned, and a task one gives oneself (or a campaign one changes oneself) tells no one."""
    from datetime import UTC, datetime, timedelta

    from backend.auth.actor import Actor
    from backend.services import activities, campaigns
    from backend.services.unit import write

    head, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    marketer = await make_user(Role.MARKETING)
    due = datetime.now(UTC) + timedelta(days=1)
    async with write(Actor.system(via="seed")):
        as_head, as_marketer = Actor.for_user(head, via="seed"), Actor.for_user(marketer, via="seed")
        await activities.log_activity(as_head, {"kind": "task", "title": "Mine", "due_at": due})
        await activities.log_activity(as_head, {"kind": "task", "title": "Yours", "due_at": due, "assignee_id": rep.id})
        campaign = await campaigns.create_campaign(as_marketer, {"title": "Own", "type": "promotion"})
        await campaigns.change_status(as_marketer, campaign.id, campaign.version, "new")
    assert [n.message async for n in Notification.all()] == [f"{head.name} assigned you a task: Yours"]
    assert (await Notification.get()).user_id == rep.id


PREFERENCE = ("mutation($input: SetNotificationPreferenceInput!) "
              "{ setNotificationPreference(input: $input) { kind inApp email digest } }")


async def test_what_others_do_is_told_in_the_app_and_by_email_as_each_person_chose(db, inbox):  # noqa: F811
    """Task given, deal moved, deal reassigned: in the app by default; by email for whom chose it (through a
    real SMTP server, with a link back), into the morning digest for whom chose that, nowhere for whom chose
    neither — and only once the change is committed."""
    box, _ = inbox
    team = await make_team()
    head = await make_user(Role.SALES_HEAD, team=team, email="head@example.com")
    mailed = await make_user(Role.SALES_REP, team=team, email="mailed@example.com")
    digested = await make_user(Role.SALES_REP, team=team, email="digested@example.com")
    quiet = await make_user(Role.SALES_REP, team=team, email="quiet@example.com")
    await ok(mailed, PREFERENCE, input={"kind": "task_assigned", "inApp": True, "email": True})
    await ok(digested, PREFERENCE, input={"kind": "task_assigned", "inApp": False, "email": True, "digest": True})
    await ok(quiet, PREFERENCE, input={"kind": "task_assigned", "inApp": False, "email": False})
    customer = await make_customer(head)
    tasks = {}
    for person in (mailed, digested, quiet):
        tasks[person.id] = await log_activity(head, kind="TASK", title=f"Call for {person.email}",
                                              customerId=customer["id"], assigneeId=str(person.id))

    assert [n.kind for n in await Notification.filter(user_id=mailed.id)] == ["task_assigned"]
    assert await Notification.filter(user_id__in=[digested.id, quiet.id]).count() == 0
    [item] = await DigestItem.filter(user_id=digested.id)
    assert (item.kind, item.entity_id, item.values["title"]) == (
        "task_assigned", int(tasks[digested.id]["id"]), f"{head.name} assigned you a task: Call for digested@example.com")
    await run_jobs_until_idle()
    [mail] = box.messages
    assert mail["To"] == "mailed@example.com"
    assert mail["Subject"] == f"{head.name} assigned you a task: Call for mailed@example.com"
    assert f"/tasks?task={tasks[mailed.id]['id']}" in mail.get_body(preferencelist=("plain",)).get_content()

    # A deal moved by the head: its owner hears of it in the app only, by default.
    deal = await make_deal(mailed, customer["id"])
    stages = {s.name: s.id for s in await Stage.all()}
    await ok(head, "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id } }",
             input={"id": deal["id"], "version": deal["version"], "stageId": str(stages["Contacted"])})
    moved = await Notification.filter(user_id=mailed.id, kind="deal_moved").first()
    assert moved is not None and moved.entity_id == int(deal["id"])
    await run_jobs_until_idle()
    assert len(box.messages) == 1, "no email for a kind left at its default"
    assert await OutboxMessage.filter(key__startswith="deal_moved:").count() == 0
