"""Correcting a logged activity (updateActivity): every editable field, who may (permissions.may per role),
stale versions, bad input naming its field with nothing written, the audit entry, and the timeline's
activityUpdated event after the commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from backend.live import topics
from backend.models import Activity, ActivityKind, AuditEntry, Role
from backend.permissions import Action, may
from tests.factories import actor, error, log_activity, make_contact, make_customer, make_deal, make_team, make_user, ok
from tests.test_custom_fields import define
from tests.test_pick_lists import keep
from tests.test_subscriptions import lives, subscribe  # noqa: F401  (lives is a fixture)

FIELDS = """id version kind title description outcomeName durationMinutes occurredAt endsAt attendees viewerCanEdit
  customer { id } contact { id } deal { id } customFields { key text number }"""
UPDATE = f"mutation($input: UpdateActivityInput!) {{ updateActivity(input: $input) {{ {FIELDS} }} }}"
ONE = f"query($id: ID!) {{ activity(id: $id) {{ {FIELDS} }} }}"
UPDATED = "subscription($id: ID!) { activityUpdated(customerId: $id) { id title outcomeName version } }"


async def north() -> dict[str, Any]:
    """Team North (head, rep, a second rep), support, marketing, an admin, and a customer the rep manages."""
    team = await make_team()
    admin = await make_user(Role.ADMIN)
    rep, rep_b = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, team)
    head = await make_user(Role.SALES_HEAD, team)
    south_head = await make_user(Role.SALES_HEAD, await make_team())
    support, marketing = await make_user(Role.SUPPORT), await make_user(Role.MARKETING)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    return dict(admin=admin, rep=rep, rep_b=rep_b, head=head, south_head=south_head, support=support,
                marketing=marketing, customer=customer)


async def correct(who: Any, activity: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return (await ok(who, UPDATE, input={"id": activity["id"], "version": activity["version"], **fields}))[
        "updateActivity"]


async def test_each_field_is_corrected_audited_and_the_version_moves_on(db):
    w = await north()
    await keep(w["admin"], "ACTIVITY_OUTCOME", "Positive", "Neutral", "Negative", "Follow-up booked")
    await define(w["admin"], "call_quality", "TEXT", entity="ACTIVITY")
    contact = await make_contact(w["admin"], customerId=w["customer"]["id"])
    deal = await make_deal(w["rep"], w["customer"]["id"])
    call = await log_activity(w["rep"], kind="CALL", title="Intor call", customerId=w["customer"]["id"],
                              description="Talked", outcomeName="Neutral", durationMinutes=10)

    fixed = await correct(w["rep"], call, title="Intro call", description="Talked about the fleet",
                          outcomeName="follow-up booked", durationMinutes=25, occurredAt="2026-03-02T09:30:00+00:00",
                          contactId=contact["id"], dealId=deal["id"],
                          customFields=[{"key": "call_quality", "text": "clear"}])
    assert (fixed["title"], fixed["description"], fixed["outcomeName"], fixed["durationMinutes"]) == (
        "Intro call", "Talked about the fleet", "Follow-up booked", 25)
    assert fixed["occurredAt"].startswith("2026-03-02T09:30:00")
    assert (fixed["contact"], fixed["deal"], fixed["customer"]) == (
        {"id": contact["id"]}, {"id": deal["id"]}, {"id": w["customer"]["id"]})
    assert fixed["customFields"] == [{"key": "call_quality", "text": "clear", "number": None}]
    assert fixed["version"] == call["version"] + 1 and fixed["kind"] == "CALL"

    entry = await AuditEntry.get(action="activity.update", entity_id=call["id"])
    assert entry.actor_id == w["rep"].id
    assert entry.changes["title"] == ["Intor call", "Intro call"]
    assert entry.changes["outcome"] == ["Neutral", "Follow-up booked"]
    assert entry.changes["contact_id"] == [None, int(contact["id"])]
    assert "customFields.call_quality" in entry.changes or "call_quality" in str(entry.changes)
    assert "kind" not in entry.changes and "customer_id" not in entry.changes

    cleared = await correct(w["rep"], fixed, outcomeName=None, description=None, contactId=None, dealId=None)
    assert (cleared["outcomeName"], cleared["description"], cleared["contact"], cleared["deal"]) == (None, "", None, None)
    untouched = await correct(w["rep"], cleared)  # nothing sent: nothing changes but the version
    assert untouched["title"] == "Intro call" and untouched["version"] == cleared["version"] + 1


async def test_a_meeting_keeps_start_end_and_attendees_consistent(db):
    w = await north()
    meeting = await log_activity(w["rep"], kind="MEETING", title="Workshop", customerId=w["customer"]["id"],
                                 occurredAt="2026-03-02T09:00:00+00:00", endsAt="2026-03-02T10:00:00+00:00",
                                 attendees=["Anna"])
    moved = await correct(w["rep"], meeting, occurredAt="2026-03-02T09:30:00+00:00", attendees=["Anna", "tom@x.org"])
    assert (moved["durationMinutes"], moved["attendees"]) == (30, ["Anna", "tom@x.org"])  # the end stayed
    longer = await correct(w["rep"], moved, endsAt="2026-03-02T11:00:00+00:00")
    assert longer["durationMinutes"] == 90
    refused = await error(w["rep"], UPDATE, input={"id": meeting["id"], "version": longer["version"],
                                                   "endsAt": "2026-03-02T08:00:00+00:00"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "endsAt")
    planned = await log_activity(w["rep"], kind="MEETING", title="Lunch", customerId=w["customer"]["id"],
                                 occurredAt="2026-03-02T12:00:00+00:00", durationMinutes=45)
    ended = await correct(w["rep"], planned, endsAt="2026-03-02T13:00:00+00:00")  # the end now says how long
    assert (ended["durationMinutes"], ended["endsAt"].startswith("2026-03-02T13:00")) == (60, True)
    note = await log_activity(w["rep"], kind="NOTE", title="Aside", customerId=w["customer"]["id"])
    refused = await error(w["rep"], UPDATE, input={"id": note["id"], "version": note["version"], "attendees": ["Anna"]})
    assert refused["field"] == "attendees"


@pytest.mark.parametrize("sent, field", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"occurredAt": None}, "occurredAt"),
    ({"durationMinutes": -5}, "durationMinutes"),
    ({"outcomeName": "Ecstatic"}, "outcomeName"),
    ({"contactId": "999999"}, "contactId"),
    ({"customFields": [{"key": "nope", "text": "x"}]}, "customFields"),
    ({"attendees": ["Anna"]}, "attendees"),
])
async def test_bad_input_names_the_field_and_writes_nothing(db, sent, field):
    w = await north()
    await keep(w["admin"], "ACTIVITY_OUTCOME", "Positive")
    call = await log_activity(w["rep"], kind="CALL", title="Call", customerId=w["customer"]["id"])
    audits = await AuditEntry.all().count()
    refused = await error(w["rep"], UPDATE, input={"id": call["id"], "version": call["version"], "title": "Changed",
                                                   **sent})
    assert refused["code"] in ("BAD_USER_INPUT", "NOT_FOUND")
    assert refused["field"].split(".")[0] == field, refused
    row = await Activity.get(id=int(call["id"]))
    assert (row.title, row.version, await AuditEntry.all().count()) == ("Call", call["version"], audits)


async def test_links_must_be_the_activitys_own_customers_and_tasks_change_elsewhere(db):
    w = await north()
    other = await make_customer(w["admin"], accountManagerId=str(w["rep"].id))
    their_contact = await make_contact(w["admin"], customerId=other["id"])
    their_deal = await make_deal(w["rep"], other["id"])
    call = await log_activity(w["rep"], kind="CALL", title="Call", customerId=w["customer"]["id"])
    for sent, field in (({"contactId": their_contact["id"]}, "contactId"), ({"dealId": their_deal["id"]}, "dealId")):
        refused = await error(w["rep"], UPDATE, input={"id": call["id"], "version": call["version"], **sent})
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", field)
    task = await log_activity(w["rep"], kind="TASK", title="Follow up", customerId=w["customer"]["id"])
    refused = await error(w["rep"], UPDATE, input={"id": task["id"], "version": task["version"], "title": "x"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "id")
    assert "updateTask" in refused["message"]


async def test_a_deal_update_stays_as_the_crm_recorded_it(db):
    """The timeline's record of a deal's move is history, like the audit trail: nobody corrects it."""
    w = await north()
    deal = await make_deal(w["rep"], w["customer"]["id"])
    moved = await Activity.create(kind=ActivityKind.DEAL_UPDATE, title="Fleet deal: New → Contacted",
                                  occurred_at=datetime.now(UTC), customer_id=int(w["customer"]["id"]),
                                  deal_id=int(deal["id"]), author_id=w["rep"].id)
    for who in (w["rep"], w["head"], w["admin"]):
        shown = (await ok(who, "query($id: ID!) { activity(id: $id) { viewerCanEdit version } }",
                          id=str(moved.id)))["activity"]
        assert shown["viewerCanEdit"] is False
        refused = await error(who, UPDATE, input={"id": str(moved.id), "version": shown["version"], "title": "x"})
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "id")
    assert (await Activity.get(id=moved.id)).title == "Fleet deal: New → Contacted"


async def test_a_stale_version_is_a_conflict_naming_the_current_one(db):
    w = await north()
    call = await log_activity(w["rep"], kind="CALL", title="Call", customerId=w["customer"]["id"])
    await correct(w["head"], call, description="Head's remark")
    refused = await error(w["rep"], UPDATE, input={"id": call["id"], "version": call["version"], "title": "Mine"})
    assert (refused["code"], refused["currentVersion"]) == ("CONFLICT", call["version"] + 1)
    assert (await Activity.get(id=int(call["id"]))).title == "Call"


# (may correct the rep's call, may correct support's note), per role.
WHO_MAY = {
    "admin": (True, True),  # everything
    "head": (True, True),  # whatever their team sees
    "rep": (True, False),  # what they logged
    "rep_b": (False, False),  # a team mate's call is the team mate's account of it
    "support": (False, True),  # what support logged
    "marketing": (False, False),  # reads customers, changes no history
}


@pytest.mark.parametrize("role", WHO_MAY)
async def test_who_may_correct_an_activity(db, role):
    w = await north()
    by_rep = await log_activity(w["rep"], kind="CALL", title="Rep's call", customerId=w["customer"]["id"])
    by_support = await log_activity(w["support"], kind="NOTE", title="Support's note", customerId=w["customer"]["id"])
    for activity, allowed in zip((by_rep, by_support), WHO_MAY[role], strict=True):
        seen = (await ok(w[role], ONE, id=activity["id"]))["activity"]
        assert seen["viewerCanEdit"] is allowed, activity["title"]
        assert may(actor(w[role]), Action.UPDATE_ACTIVITY, await Activity.get(id=int(activity["id"]))) is allowed
        sent = {"id": activity["id"], "version": seen["version"], "description": f"by {role}"}
        if allowed:
            assert (await correct(w[role], seen, description=f"by {role}"))["description"] == f"by {role}"
        else:
            assert (await error(w[role], UPDATE, input=sent))["code"] == "FORBIDDEN"
            assert (await Activity.get(id=int(activity["id"]))).version == seen["version"]


async def test_other_teams_and_tasks_are_out_of_reach(db):
    w = await north()
    by_rep = await log_activity(w["rep"], kind="CALL", title="Rep's call", customerId=w["customer"]["id"])
    hidden = await error(w["south_head"], UPDATE, input={"id": by_rep["id"], "version": 1, "title": "x"})
    assert (hidden["code"], hidden["field"]) == ("NOT_FOUND", "id")  # another team's customer is not seen at all
    task = await log_activity(w["rep"], kind="TASK", title="Task", customerId=w["customer"]["id"])
    assert (await ok(w["rep"], ONE, id=task["id"]))["activity"]["viewerCanEdit"] is False  # updateTask's


async def heads_timeline(w: dict[str, Any], lives: list[Any]) -> Any:  # noqa: F811
    """The head's subscription to corrections on the customer's timeline, registered before it returns."""
    topic = topics.customer_activities(int(w["customer"]["id"]))
    watcher = await subscribe(actor(w["head"]), UPDATED, topic, id=w["customer"]["id"])
    lives.append(watcher)
    return watcher


async def test_open_timelines_hear_of_the_correction_after_the_commit(db, lives):  # noqa: F811
    w = await north()
    call = await log_activity(w["rep"], kind="CALL", title="Call", customerId=w["customer"]["id"])
    watcher = await heads_timeline(w, lives)
    fixed = await correct(w["rep"], call, title="Call with CFO")
    heard = await watcher.data("activityUpdated")
    assert heard == {"id": call["id"], "title": "Call with CFO", "outcomeName": None, "version": fixed["version"]}
    # A refused correction publishes nothing: the next event the watcher hears is the next correction.
    await error(w["rep"], UPDATE, input={"id": call["id"], "version": call["version"], "title": "stale"})
    await correct(w["rep"], fixed, title="Call with the CFO")
    assert (await watcher.data("activityUpdated"))["title"] == "Call with the CFO"


async def test_task_changes_reach_open_timelines_too(db, lives):  # noqa: F811
    w = await north()
    task = await log_activity(w["rep"], kind="TASK", title="Send the quote", customerId=w["customer"]["id"])
    watcher = await heads_timeline(w, lives)
    await ok(w["rep"], "mutation($input: CompleteTaskInput!) { completeTask(input: $input) { id } }",
             input={"id": task["id"], "version": task["version"]})
    assert (await watcher.data("activityUpdated"))["id"] == task["id"]
