"""Activity outcomes as a list admins keep (issue 18): logActivity takes a label of the list (`outcomeName`)
or, as API clients sent it before, the Outcome enum; activities keep the outcome they were given when the
value is archived or renamed; the activities filter finds them by it."""

from __future__ import annotations

from typing import Any

from backend.models import AuditEntry, Role
from tests.factories import error, make_customer, make_user, ok
from tests.test_pick_lists import UPDATE, keep

LOG = """mutation($input: LogActivityInput!) { logActivity(input: $input) { id outcome outcomeName } }"""
BY_OUTCOME = """query($names: [String!]) { activities(filter: {outcomeName: $names}) {
  totalCount edges { node { title outcome outcomeName } } } }"""


async def log(who: Any, customer: dict[str, Any], title: str, **fields: Any) -> dict[str, Any]:
    return (await ok(who, LOG, input={"kind": "CALL", "title": title, "customerId": customer["id"], **fields}))[
        "logActivity"]


async def test_an_activity_takes_an_offered_outcome_by_label_or_by_the_old_enum(db):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    await keep(admin, "ACTIVITY_OUTCOME", "Positive", "Neutral", "Negative", "Follow-up booked")

    booked = await log(rep, customer, "Demo", outcomeName="follow-up BOOKED")
    assert (booked["outcomeName"], booked["outcome"]) == ("Follow-up booked", None)  # the list's spelling
    legacy = await log(rep, customer, "Intro", outcome="POSITIVE")
    assert (legacy["outcomeName"], legacy["outcome"]) == ("Positive", "POSITIVE")
    by_name = await log(rep, customer, "Check-in", outcomeName="Negative")
    assert by_name["outcome"] == "NEGATIVE"  # the first three still read as the enum
    assert (await log(rep, customer, "Note", outcomeName=""))["outcomeName"] is None

    refused = await error(rep, LOG, input={"kind": "CALL", "title": "x", "customerId": customer["id"],
                                           "outcomeName": "Ecstatic"})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "outcomeName")
    assert "not in the list of activity outcomes" in refused["message"]
    both = await error(rep, LOG, input={"kind": "CALL", "title": "x", "customerId": customer["id"],
                                        "outcomeName": "Positive", "outcome": "POSITIVE"})
    assert both["field"] == "outcomeName"
    entry = await AuditEntry.filter(action="activity.log", entity_id=booked["id"]).get()
    assert entry.changes["outcome"] == [None, "Follow-up booked"]


async def test_archived_and_renamed_outcomes_stay_on_the_activities_that_have_them(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    _, neutral, negative = await keep(admin, "ACTIVITY_OUTCOME", "Positive", "Neutral", "Negative")
    await log(admin, customer, "Bad call", outcome="NEGATIVE")
    await log(admin, customer, "So-so call", outcomeName="Neutral")
    await log(admin, customer, "Good call", outcomeName="Positive")

    await ok(admin, UPDATE, input={"id": negative["id"], "version": negative["version"], "archived": True})
    await ok(admin, UPDATE, input={"id": neutral["id"], "version": neutral["version"], "label": "Lukewarm"})
    for sent in ({"outcome": "NEGATIVE"}, {"outcomeName": "Negative"}):
        refused = await error(admin, LOG, input={"kind": "CALL", "title": "x", "customerId": customer["id"], **sent})
        assert refused["field"] == next(iter(sent)) and "archived" in refused["message"]
    renamed = await error(admin, LOG, input={"kind": "CALL", "title": "x", "customerId": customer["id"],
                                             "outcome": "NEUTRAL"})
    assert renamed["field"] == "outcome"  # the enum names a value the list no longer has
    assert (await log(admin, customer, "Warmish", outcomeName="lukewarm"))["outcome"] is None

    found = (await ok(admin, BY_OUTCOME, names=["Negative", "Neutral"]))["activities"]
    assert sorted((e["node"]["title"], e["node"]["outcome"], e["node"]["outcomeName"]) for e in found["edges"]) == [
        ("Bad call", "NEGATIVE", "Negative"), ("So-so call", "NEUTRAL", "Neutral")]
    assert (await ok(admin, BY_OUTCOME, names=["Lukewarm"]))["activities"]["totalCount"] == 1


async def test_while_nobody_keeps_the_list_an_outcome_is_free_text(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    assert (await log(admin, customer, "Call", outcome="POSITIVE"))["outcomeName"] == "Positive"
    assert (await log(admin, customer, "Call", outcomeName="Promising"))["outcomeName"] == "Promising"
