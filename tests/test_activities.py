"""Activities and tasks through the schema: logging with derived links, validation, events after the commit,
task workflow with versions and permissions, notifications to assignees, visibility, lists and paging."""

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.broadcast import hub
from backend.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    Customer,
    Deal,
    Notification,
    Pipeline,
    Role,
    Stage,
    TaskStatus,
)
from backend.reads.dashboard import task_counts
from tests.factories import error, log_activity, make_contact, make_customer, make_team, make_user, ok

LOG = """mutation($input: LogActivityInput!) { logActivity(input: $input) {
  id version kind title durationMinutes outcome taskStatus priority dueAt
  customer { id } contact { id } deal { id } author { id } assignee { id } } }"""
COMPLETE = "mutation($input: CompleteTaskInput!) { completeTask(input: $input) { id version taskStatus completedAt allowedTaskStatuses } }"
UPDATE = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { id version taskStatus dueAt priority assignee { id } } }"
LIST = """query($f: ActivityFilter, $s: String, $o: ActivityOrder, $first: Int, $after: String) {
  activities(filter: $f, search: $s, orderBy: $o, first: $first, after: $after) {
    totalCount edges { node { title } } pageInfo { hasNextPage endCursor } } }"""


def titles(data):
    return [e["node"]["title"] for e in data["activities"]["edges"]]


def at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def undated_task(who, title: str, **fields):
    """A task as they were before a due date was required: no due date, status new (rows that still exist)."""
    task = await log_activity(who, kind="TASK", title=title, **fields)
    await Activity.filter(id=int(task["id"])).update(due_at=None, task_status=TaskStatus.NEW)
    return task


async def make_deal(customer_id: str, owner_id: int | None = None) -> Deal:
    pipeline = await Pipeline.get(is_default=True)
    stage = await Stage.filter(pipeline_id=pipeline.id).order_by("position").first()
    return await Deal.create(title="Deal", customer_id=int(customer_id), owner_id=owner_id, pipeline=pipeline, stage=stage)


async def counts():
    return await Activity.all().count(), await AuditEntry.all().count(), await Notification.all().count()


@asynccontextmanager
async def listening(*topic_names: str):
    async with hub.subscribe(*topic_names) as sub:
        yield sub


async def next_event(sub):
    return await asyncio.wait_for(sub.queue.get(), timeout=5)


async def test_log_on_a_contact_derives_the_customer_audits_and_publishes_after_commit(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    contact = await make_contact(admin, customerId=customer["id"])
    async with listening(topics.customer_activities(int(customer["id"]))) as sub:
        made = (await ok(admin, LOG, input={
            "kind": "CALL", "title": "Intro call", "description": "Went well", "durationMinutes": 30,
            "outcome": "POSITIVE", "contactId": contact["id"],
        }))["logActivity"]
        event = await next_event(sub)
    assert (made["kind"], made["durationMinutes"], made["outcome"], made["taskStatus"]) == ("CALL", 30, "POSITIVE", None)
    assert made["customer"] == {"id": customer["id"]} and made["contact"] == {"id": contact["id"]}
    assert made["author"] == {"id": str(admin.id)} and made["assignee"] is None
    assert (event.kind, event.payload) == ("added", {"id": int(made["id"]), "customer_id": int(customer["id"])})
    entry = await AuditEntry.get(action="activity.log", entity_id=made["id"])
    assert entry.changes["title"] == [None, "Intro call"] and entry.actor_id == admin.id


async def test_log_on_a_deal_takes_the_deals_customer_and_links_must_agree(db):
    admin = await make_user(Role.ADMIN)
    customer, other = await make_customer(admin), await make_customer(admin)
    deal = await make_deal(customer["id"])
    made = (await ok(admin, LOG, input={"kind": "DEAL_UPDATE", "title": "Sent offer", "dealId": str(deal.id)}))["logActivity"]
    assert made["customer"] == {"id": customer["id"]} and made["deal"] == {"id": str(deal.id)}
    other_contact = await make_contact(admin, customerId=other["id"])
    before = await counts()
    cases = [
        ({"dealId": str(deal.id), "customerId": other["id"]}, "BAD_USER_INPUT", "dealId"),
        ({"contactId": other_contact["id"], "customerId": customer["id"]}, "BAD_USER_INPUT", "contactId"),
        ({"contactId": other_contact["id"], "dealId": str(deal.id)}, "BAD_USER_INPUT", "contactId"),
        ({"customerId": "999999"}, "NOT_FOUND", "customerId"),
        ({"contactId": "999999"}, "NOT_FOUND", "contactId"),
        ({"dealId": "999999"}, "NOT_FOUND", "dealId"),
    ]
    for links, code, field in cases:
        err = await error(admin, LOG, input={"kind": "NOTE", "title": "x", **links})
        assert (err["code"], err.get("field")) == (code, field), links
    assert await counts() == before


async def test_invalid_input_names_the_field_writes_nothing_and_publishes_nothing(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    inactive = await make_user(Role.SALES_REP)
    inactive.active = False
    await inactive.save()
    before = await counts()
    cases = [
        ({"title": "  "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": "x", "durationMinutes": -1}, "durationMinutes"),
        ({"title": "x", "durationMinutes": 24 * 60 + 1}, "durationMinutes"),
        ({"title": "x", "occurredAt": "1800-01-01T00:00:00Z"}, "occurredAt"),
        ({"title": "x", "dueAt": at(1)}, "dueAt"),
        ({"title": "x", "priority": "HIGH"}, "priority"),
        ({"title": "x", "kind": "TASK", "dueAt": at(1), "assigneeId": str(inactive.id)}, "assigneeId"),
        ({"title": "x", "kind": "TASK", "dueAt": at(1), "assigneeId": "999999"}, "assigneeId"),
        ({"title": "x", "kind": "TASK"}, "dueAt"),
    ]
    async with listening(topics.customer_activities(int(customer["id"]))) as sub:
        for values, field in cases:
            err = await error(admin, LOG, input={"kind": "CALL", "customerId": customer["id"], **values})
            assert (err["code"], err["field"]) == ("BAD_USER_INPUT", field), values
        assert await counts() == before
        await log_activity(admin, title="The only one", customerId=customer["id"])
        event = await next_event(sub)  # events are ordered: a failed write would have come first
    assert event.payload["id"] == (await Activity.get(title="The only one")).id


async def test_task_defaults_and_assignment_notifies_the_assignee(db):
    team = await make_team()
    rep, rep2 = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, team)
    customer = await make_customer(rep)
    own = (await ok(rep, LOG, input={"kind": "TASK", "title": "Call back", "customerId": customer["id"],
                                     "dueAt": at(1)}))["logActivity"]
    assert (own["taskStatus"], own["priority"], own["assignee"]) == ("SCHEDULED", "NORMAL", {"id": str(rep.id)})
    assert await Notification.all().count() == 0
    async with listening(topics.notifications(rep2.id)) as sub:
        handed = (await ok(rep, LOG, input={
            "kind": "TASK", "title": "Send brochure", "customerId": customer["id"], "assigneeId": str(rep2.id),
            "dueAt": at(2), "priority": "HIGH",
        }))["logActivity"]
        event = await next_event(sub)
    assert (handed["taskStatus"], handed["priority"], handed["assignee"]) == ("SCHEDULED", "HIGH", {"id": str(rep2.id)})
    assert (event.kind, event.payload) == ("task_assigned", {"activity_id": int(handed["id"]), "title": "Send brochure"})
    note = await Notification.get(user_id=rep2.id)
    assert (note.kind, note.entity, note.entity_id) == ("task_assigned", "activity", int(handed["id"]))


async def test_a_task_cannot_go_to_someone_who_cannot_see_it(db):
    north, south = await make_team(), await make_team()
    rep_n, rep_s = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    customer = await make_customer(rep_n)
    before = await counts()
    err = await error(rep_n, LOG, input={"kind": "TASK", "title": "x", "customerId": customer["id"], "assigneeId": str(rep_s.id),
                                         "dueAt": at(1)})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "assigneeId")
    assert await counts() == before


async def test_complete_task_versions_and_final_status(db):
    admin = await make_user(Role.ADMIN)
    task = await log_activity(admin, kind="TASK", title="Prepare offer")
    stale = await error(admin, COMPLETE, input={"id": task["id"], "version": 9})
    assert stale["code"] == "CONFLICT" and stale["currentVersion"] == 1
    done = (await ok(admin, COMPLETE, input={"id": task["id"], "version": 1}))["completeTask"]
    assert (done["taskStatus"], done["version"], done["allowedTaskStatuses"]) == ("DONE", 2, [])
    assert done["completedAt"] is not None
    entry = await AuditEntry.get(action="task.complete", entity_id=task["id"])
    assert entry.changes["task_status"] == ["scheduled", "done"]
    audits = await AuditEntry.all().count()
    again = await error(admin, COMPLETE, input={"id": task["id"], "version": 2})
    assert (again["code"], again["field"]) == ("BAD_USER_INPUT", "taskStatus")
    reopen = await error(admin, UPDATE, input={"id": task["id"], "version": 2, "taskStatus": "NEW"})
    assert (reopen["code"], reopen["field"]) == ("BAD_USER_INPUT", "taskStatus")
    assert await AuditEntry.all().count() == audits
    call = await log_activity(admin, kind="CALL", title="Not a task")
    assert (await error(admin, COMPLETE, input={"id": call["id"], "version": 1}))["code"] == "NOT_FOUND"


async def test_update_task_schedules_reschedules_and_aborts(db):
    admin = await make_user(Role.ADMIN)
    task = await undated_task(admin, "Visit")
    scheduled = (await ok(admin, UPDATE, input={"id": task["id"], "version": 1, "dueAt": at(3)}))["updateTask"]
    assert scheduled["taskStatus"] == "SCHEDULED"
    moved = (await ok(admin, UPDATE, input={"id": task["id"], "version": 2, "dueAt": at(5)}))["updateTask"]
    assert moved["taskStatus"] == "RESCHEDULED"
    prioritised = (await ok(admin, UPDATE, input={"id": task["id"], "version": 3, "priority": "LOW"}))["updateTask"]
    assert (prioritised["taskStatus"], prioritised["priority"]) == ("RESCHEDULED", "LOW")
    same_date = await error(admin, UPDATE, input={"id": task["id"], "version": 4, "taskStatus": "RESCHEDULED"})
    assert (same_date["code"], same_date["field"]) == ("BAD_USER_INPUT", "dueAt")
    no_date = await error(admin, UPDATE, input={"id": task["id"], "version": 4, "dueAt": None})
    assert (no_date["code"], no_date["field"]) == ("BAD_USER_INPUT", "dueAt")
    unscheduled = await undated_task(admin, "Unscheduled")
    needs_date = await error(admin, UPDATE, input={"id": unscheduled["id"], "version": 1, "taskStatus": "SCHEDULED"})
    assert (needs_date["code"], needs_date["field"]) == ("BAD_USER_INPUT", "dueAt")
    skip = await error(admin, UPDATE, input={"id": unscheduled["id"], "version": 1, "taskStatus": "RESCHEDULED"})
    assert (skip["code"], skip["field"]) == ("BAD_USER_INPUT", "taskStatus")
    aborted = (await ok(admin, UPDATE, input={"id": task["id"], "version": 4, "taskStatus": "ABORTED"}))["updateTask"]
    assert aborted["taskStatus"] == "ABORTED"
    final = await error(admin, UPDATE, input={"id": task["id"], "version": 5, "dueAt": at(9)})
    assert (final["code"], final["field"]) == ("BAD_USER_INPUT", "taskStatus")
    history = await AuditEntry.filter(action="task.update", entity_id=task["id"]).order_by("id")
    assert [e.changes.get("task_status") for e in history] == [
        ["new", "scheduled"], ["scheduled", "rescheduled"], None, ["rescheduled", "aborted"]
    ]
    row = await Activity.get(id=int(task["id"]))
    assert row.task_status is TaskStatus.ABORTED and row.completed_at is None


async def test_reassigning_a_task_notifies_the_new_assignee(db):
    team = await make_team()
    head, rep = await make_user(Role.SALES_HEAD, team), await make_user(Role.SALES_REP, team)
    task = await log_activity(head, kind="TASK", title="Follow up")
    async with listening(topics.notifications(rep.id)) as sub:
        moved = (await ok(head, UPDATE, input={"id": task["id"], "version": 1, "assigneeId": str(rep.id)}))["updateTask"]
        event = await next_event(sub)
    assert moved["assignee"] == {"id": str(rep.id)} and event.kind == "task_assigned"
    assert await Notification.filter(user_id=rep.id, entity_id=int(task["id"])).count() == 1


async def test_a_rep_completes_only_tasks_they_were_given_or_wrote(db):
    team = await make_team()
    head = await make_user(Role.SALES_HEAD, team)
    rep, rep2 = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, team)
    customer = await make_customer(head)
    for_rep = await log_activity(head, kind="TASK", title="For rep", customerId=customer["id"], assigneeId=str(rep.id))
    refused = await error(rep2, COMPLETE, input={"id": for_rep["id"], "version": 1})
    assert refused["code"] == "FORBIDDEN"
    assert (await error(rep2, UPDATE, input={"id": for_rep["id"], "version": 1, "priority": "HIGH"}))["code"] == "FORBIDDEN"
    assert (await Activity.get(id=int(for_rep["id"]))).task_status is TaskStatus.SCHEDULED
    assert (await ok(rep, COMPLETE, input={"id": for_rep["id"], "version": 1}))["completeTask"]["taskStatus"] == "DONE"
    support = await make_user(Role.SUPPORT)
    marketing = await make_user(Role.MARKETING)
    other = await log_activity(head, kind="TASK", title="Anyone", customerId=customer["id"])
    assert (await error(marketing, COMPLETE, input={"id": other["id"], "version": 1}))["code"] == "FORBIDDEN"
    assert (await error(marketing, LOG, input={"kind": "NOTE", "title": "x"}))["code"] == "FORBIDDEN"
    assert (await ok(support, COMPLETE, input={"id": other["id"], "version": 1}))["completeTask"]["taskStatus"] == "DONE"


async def test_reps_see_only_their_teams_activities(db):
    north, south = await make_team(), await make_team()
    rep_n, rep_s = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    customer_n = await make_customer(rep_n)
    contact_n = await make_contact(rep_n)
    on_customer = await log_activity(rep_n, title="North customer", customerId=customer_n["id"])
    on_contact = await log_activity(rep_n, title="North contact", contactId=contact_n["id"])
    loose = await log_activity(rep_n, kind="TASK", title="North loose task")
    await log_activity(rep_s, title="South note")
    south_view = await ok(rep_s, LIST)
    assert titles(south_view) == ["South note"] and south_view["activities"]["totalCount"] == 1
    assert sorted(titles(await ok(rep_n, LIST))) == ["North contact", "North customer", "North loose task"]
    for hidden in (on_customer, on_contact, loose):
        assert (await error(rep_s, "query($id: ID!) { activity(id: $id) { title } }", id=hidden["id"]))["code"] == "NOT_FOUND"
    assert (await error(rep_s, COMPLETE, input={"id": loose["id"], "version": 1}))["code"] == "NOT_FOUND"
    for link, value in (("customerId", customer_n["id"]), ("contactId", contact_n["id"])):
        err = await error(rep_s, LOG, input={"kind": "NOTE", "title": "x", link: value})
        assert (err["code"], err["field"]) == ("NOT_FOUND", link)


async def test_filters_search_and_orders(db):
    admin = await make_user(Role.ADMIN)
    team = await make_team()
    rep = await make_user(Role.SALES_REP, team)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    contact = await make_contact(admin, customerId=customer["id"])
    deal = await make_deal(customer["id"], rep.id)
    await log_activity(admin, kind="CALL", title="Call Alpha", description="pricing talk", contactId=contact["id"],
                       occurredAt="2026-01-01T09:00:00Z")
    await log_activity(admin, kind="MEETING", title="Meeting Beta", dealId=str(deal.id), occurredAt="2026-02-01T09:00:00Z")
    late = await log_activity(admin, kind="TASK", title="Task Late", customerId=customer["id"], dueAt=at(-1),
                              assigneeId=str(rep.id), occurredAt="2026-03-01T09:00:00Z")
    await log_activity(admin, kind="TASK", title="Task Soon", dueAt=at(1), occurredAt="2026-03-02T09:00:00Z")
    done = await log_activity(admin, kind="TASK", title="Task Done", dueAt=at(-2), occurredAt="2026-03-03T09:00:00Z")
    await ok(admin, COMPLETE, input={"id": done["id"], "version": 1})
    await undated_task(rep, "Task Undated", customerId=customer["id"], occurredAt="2026-03-04T09:00:00Z")
    assert titles(await ok(admin, LIST)) == ["Task Undated", "Task Done", "Task Soon", "Task Late", "Meeting Beta", "Call Alpha"]
    cases = [
        ({"kind": ["CALL", "MEETING"]}, ["Meeting Beta", "Call Alpha"]),
        ({"customerId": customer["id"]}, ["Task Undated", "Task Late", "Meeting Beta", "Call Alpha"]),
        ({"contactId": contact["id"]}, ["Call Alpha"]),
        ({"dealId": str(deal.id)}, ["Meeting Beta"]),
        ({"authorId": str(rep.id)}, ["Task Undated"]),
        ({"assigneeId": str(rep.id)}, ["Task Undated", "Task Late"]),
        ({"taskStatus": ["SCHEDULED"]}, ["Task Soon", "Task Late"]),
        ({"open": True}, ["Task Undated", "Task Soon", "Task Late"]),
        ({"open": False}, ["Task Done"]),
        ({"dueBefore": at(0)}, ["Task Done", "Task Late"]),
        ({"overdue": True}, ["Task Late"]),
        ({"overdue": False}, ["Task Undated", "Task Done", "Task Soon", "Meeting Beta", "Call Alpha"]),
        ({"occurred": {"start": "2026-01-15T00:00:00Z", "end": "2026-03-01T12:00:00Z"}}, ["Task Late", "Meeting Beta"]),
        ({"kind": ["TASK"], "open": True, "overdue": False}, ["Task Undated", "Task Soon"]),
    ]
    for where, expected in cases:
        assert titles(await ok(admin, LIST, f=where)) == expected, where
    mine = await ok(rep, LIST, f={"mine": True})
    assert titles(mine) == ["Task Undated", "Task Late"] and mine["activities"]["totalCount"] == 2
    assert titles(await ok(admin, LIST, s="PRICING")) == ["Call Alpha"]
    assert titles(await ok(admin, LIST, s="task late")) == ["Task Late"]
    by_due = await ok(admin, LIST, o={"field": "DUE_AT"})
    assert titles(by_due) == ["Task Done", "Task Late", "Task Soon"]
    assert titles(await ok(admin, LIST, o={"field": "DUE_AT", "direction": "DESC"})) == ["Task Soon", "Task Late", "Task Done"]
    assert titles(await ok(admin, LIST, o={"field": "CREATED_AT", "direction": "ASC"}))[0] == "Call Alpha"
    overdue = await ok(admin, "query($id: ID!) { activity(id: $id) { overdue } }", id=late["id"])
    assert overdue["activity"]["overdue"] is True


async def test_paging_by_occurred_and_due_dates_is_complete(db):
    admin = await make_user(Role.ADMIN)
    base = datetime(2026, 5, 1, tzinfo=UTC)
    for i in range(12):
        same_time = (base + timedelta(hours=i // 3)).isoformat()  # ties: the id breaks them
        await log_activity(admin, kind="TASK", title=f"T{i:02d}", occurredAt=same_time, dueAt=same_time)
    await undated_task(admin, "No due date", occurredAt=base.isoformat())
    orders = (({"field": "OCCURRED_AT"}, 13), ({"field": "DUE_AT"}, 12), ({"field": "DUE_AT", "direction": "DESC"}, 12))
    for order, expected_count in orders:
        seen, after = [], None
        while True:
            page = (await ok(admin, LIST, o=order, first=5, after=after))["activities"]
            seen += titles({"activities": page})
            assert page["totalCount"] == expected_count
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)) == expected_count, order
    wrong_cursor = await error(admin, LIST, o={"field": "OCCURRED_AT"}, after=after)
    assert (wrong_cursor["code"], wrong_cursor["field"]) == ("BAD_USER_INPUT", "after")


async def test_support_hands_a_loose_task_to_a_rep_who_then_sees_it(db):
    team = await make_team()
    support, rep = await make_user(Role.SUPPORT), await make_user(Role.SALES_REP, team)
    colleague = await make_user(Role.SALES_REP, team)
    task = await log_activity(support, kind="TASK", title="Call the new contact", assigneeId=str(rep.id))
    assert titles(await ok(rep, LIST, f={"mine": True})) == ["Call the new contact"]
    assert (await ok(rep, COMPLETE, input={"id": task["id"], "version": 1}))["completeTask"]["taskStatus"] == "DONE"
    assert (await ok(colleague, LIST))["activities"]["totalCount"] == 0


async def test_tasks_go_only_to_those_the_author_may_hand_them_to(db):
    """Issue 13: a customer-less task to any user was a phishing channel through notifications. Sales
    hand tasks within their team, admins to anyone, support to salespeople and themselves; reassigning follows
    the same rule."""
    north, south = await make_team("North"), await make_team("South")
    rep, mate, head = (await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, north),
                       await make_user(Role.SALES_HEAD, north))
    rep_s, admin, support = await make_user(Role.SALES_REP, south), await make_user(Role.ADMIN), await make_user(Role.SUPPORT)
    lone = await make_user(Role.SALES_REP)  # in no team: only themselves
    task = await log_activity(rep, kind="TASK", title="Mine")
    before = await counts()
    refused = [(rep, rep_s), (rep, admin), (rep, support), (head, rep_s), (support, admin), (lone, rep)]
    for author, assignee in refused:
        err = await error(author, LOG, input={"kind": "TASK", "title": "Click this link", "dueAt": at(1),
                                              "assigneeId": str(assignee.id)})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "assigneeId"), (author.role, assignee.role)
    err = await error(rep, UPDATE, input={"id": task["id"], "version": 1, "assigneeId": str(rep_s.id)})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "assigneeId")
    assert await counts() == before
    allowed = [(rep, mate), (rep, rep), (head, rep), (admin, rep_s), (admin, support), (support, support), (support, rep_s),
               (lone, lone)]
    for author, assignee in allowed:
        made = await log_activity(author, kind="TASK", title="Fine", assigneeId=str(assignee.id))
        assert (await Activity.get(id=int(made["id"]))).assignee_id == assignee.id
    moved = await ok(rep, UPDATE, input={"id": task["id"], "version": 1, "assigneeId": str(mate.id)})
    assert moved["updateTask"]["assignee"] == {"id": str(mate.id)}


async def test_a_task_needs_a_due_date_and_a_duration_is_never_negative(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    undated = await error(admin, LOG, input={"kind": "TASK", "title": "Call back", "customerId": customer["id"]})
    assert (undated["code"], undated["field"]) == ("BAD_USER_INPUT", "dueAt")
    assert "required" in undated["message"]
    negative = await error(admin, LOG, input={"kind": "CALL", "title": "x", "customerId": customer["id"],
                                              "durationMinutes": -5})
    assert (negative["code"], negative["field"]) == ("BAD_USER_INPUT", "durationMinutes")
    assert negative["message"] == "durationMinutes: must be a whole number of minutes from 0 to 1440"
    too_long = await error(admin, LOG, input={"kind": "CALL", "title": "x", "customerId": customer["id"],
                                              "durationMinutes": 1441})
    assert too_long["message"] == negative["message"]  # one wording for every wrong duration
    assert await Activity.all().count() == 0
    # Overdue from the start is allowed (imports, catching up), and the task says it is overdue.
    late = (await ok(admin, LOG, input={"kind": "TASK", "title": "Late", "customerId": customer["id"],
                                        "dueAt": at(-1)}))["logActivity"]
    assert late["taskStatus"] == "SCHEDULED"
    assert (await ok(admin, "query($id: ID!) { activity(id: $id) { overdue } }", id=late["id"]))["activity"]["overdue"]


async def test_my_team_lists_tasks_assigned_to_team_members_only(db):
    north, south = await make_team("North"), await make_team("South")
    head = await make_user(Role.SALES_HEAD, team=north)
    rep = await make_user(Role.SALES_REP, team=north)
    stranger = await make_user(Role.SALES_REP, team=south)
    loner = await make_user(Role.SALES_REP)
    admin = await make_user(Role.ADMIN)
    await log_activity(head, kind="TASK", title="For the rep", assigneeId=str(rep.id))
    await log_activity(head, kind="TASK", title="For the head")
    await log_activity(admin, kind="TASK", title="For the stranger", assigneeId=str(stranger.id))
    await log_activity(loner, kind="TASK", title="For the loner")
    team = {"kind": ["TASK"], "myTeam": True}
    assert sorted(titles(await ok(head, LIST, f=team))) == ["For the head", "For the rep"]
    assert sorted(titles(await ok(rep, LIST, f=team))) == ["For the head", "For the rep"]
    assert titles(await ok(loner, LIST, f=team)) == ["For the loner"]  # in no team: their own
    # An admin in no team: their own tasks (none here), though they see every task.
    assert titles(await ok(admin, LIST, f=team)) == []


async def test_a_head_sees_and_counts_the_tasks_of_customers_the_team_manages_or_deals_with(db):
    """activity_rule spells "the customer is visible" as two lists on the activity's own column (customers the team
    manages, customers of deals it owns): it must select the activities of customer_rule's customers, no other."""
    team, elsewhere = await make_team(), await make_team()
    admin = await make_user()
    head, rep = await make_user(Role.SALES_HEAD, team), await make_user(Role.SALES_REP, team)
    outsider = await make_user(Role.SALES_REP, elsewhere)
    customers = {name: int((await make_customer(admin, name=name))["id"]) for name in ("managed", "dealt", "foreign")}
    await Customer.filter(id=customers["managed"]).update(account_manager_id=rep.id)
    await Customer.filter(id__in=[customers["dealt"], customers["foreign"]]).update(account_manager_id=outsider.id)
    await make_deal(str(customers["dealt"]), rep.id)
    await make_deal(str(customers["foreign"]), outsider.id)
    now = datetime.now(UTC)
    for title, customer_id in [*customers.items(), ("about nothing", None)]:
        await Activity.create(kind=ActivityKind.TASK, title=title, occurred_at=now, author_id=outsider.id,
                              customer_id=customer_id, assignee_id=head.id, due_at=now - timedelta(hours=1),
                              task_status=TaskStatus.NEW)
    reader = Actor.for_user(head, via="test")

    seen = set(await Activity.filter(permissions.activity_rule(reader)).values_list("title", flat=True))
    visible = set(await Customer.filter(permissions.customer_rule(reader)).values_list("id", flat=True))

    assert seen == {"managed", "dealt", "about nothing"}
    assert {title for title, c in customers.items() if c in visible} == {"managed", "dealt"}
    assert await task_counts(reader, now) == (0, 3)
