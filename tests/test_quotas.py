"""Quotas (`quotas`, `setQuota`): who sets whose, validation, replacement with history, and attainment and pace
checked against figures computed here from the seeded deals (currencies, a currency without a rate, the first
and last instants of the month)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from backend.models import AuditEntry, QuotaChange
from tests.factories import error, ok
from tests.sales_data import month_start, next_month, quarter_start, seed_sales

SET = """mutation($input: SetQuotaInput!) { setQuota(input: $input) {
  id period startsOn endsOn amount { amount currency } won { amount } attainment elapsed pace { amount } onPace
  user { id } team { id } callsPerWeek meetingsPerWeek history { amount { amount } setBy { id } } } }"""
LIST = """query($filter: QuotaFilter) { quotas(filter: $filter) { totalCount edges { node {
  id period user { id } team { id } amount { amount } won { amount } attainment } } } }"""


def _input(who: dict[str, Any], period: str, starts_on: Any, amount: int, **more: Any) -> dict[str, Any]:
    return {"input": {**who, "period": period, "startsOn": starts_on.isoformat(), "amount": amount, **more}}


async def test_attainment_is_won_in_the_period_converted_with_pace(db):
    s = await seed_sales()
    head, rep = s.people["head"], s.people["rep"]
    start, end = month_start(s.today), next_month(s.today)
    got = (await ok(head, SET, **_input({"userId": str(rep.id)}, "MONTH", start, 100_000, callsPerWeek=20)))["setQuota"]
    won = s.won_between({"rep"}, start, end)
    assert won == 30_000 + 9_001  # the first instant and the last second count; last month, JPY, lost do not
    days = calendar.monthrange(start.year, start.month)[1]
    elapsed = s.today.day / days
    assert got["won"]["amount"] == won
    assert got["attainment"] == won / 100_000
    assert abs(got["elapsed"] - elapsed) < 1e-9
    assert got["pace"]["amount"] == round(100_000 * elapsed)
    assert got["onPace"] is (won >= round(100_000 * elapsed))
    assert got["endsOn"] == date.fromordinal(end.toordinal() - 1).isoformat()
    assert got["amount"] == {"amount": 100_000, "currency": "EUR"}
    assert got["callsPerWeek"] == 20 and got["meetingsPerWeek"] is None

    team = (await ok(head, SET, **_input({"teamId": str(head.team_id)}, "QUARTER", quarter_start(s.today), 1_000_000)))
    q_start = quarter_start(s.today)
    q_end = next_month(next_month(next_month(q_start)))
    assert team["setQuota"]["won"]["amount"] == s.won_between({"rep", "colleague", "head"}, q_start, q_end)


async def test_setting_again_replaces_and_keeps_history(db):
    s = await seed_sales()
    head, rep = s.people["head"], s.people["rep"]
    start = month_start(s.today)
    await ok(head, SET, **_input({"userId": str(rep.id)}, "MONTH", start, 100_000))
    again = (await ok(s.people["admin"], SET, **_input({"userId": str(rep.id)}, "MONTH", start, 150_000)))["setQuota"]
    assert again["amount"]["amount"] == 150_000
    assert [h["amount"]["amount"] for h in again["history"]] == [150_000, 100_000]
    assert [h["setBy"]["id"] for h in again["history"]] == [str(s.people["admin"].id), str(head.id)]
    listed = (await ok(head, LIST, filter={"userId": [str(rep.id)]}))["quotas"]
    assert listed["totalCount"] == 1
    entries = await AuditEntry.filter(action="quota.set").order_by("id")
    assert [e.changes["amount"] for e in entries] == [[None, 100_000], [100_000, 150_000]]


async def test_heads_set_their_team_admins_anyone_others_none(db):
    s = await seed_sales()
    p = s.people
    start = month_start(s.today)
    south = p["rep2"].team_id
    for who, target in (("head", {"userId": str(p["rep2"].id)}), ("head", {"teamId": str(south)})):
        assert (await error(p[who], SET, **_input(target, "MONTH", start, 1)))["code"] == "FORBIDDEN"
    for who in ("rep", "support", "marketing"):
        assert (await error(p[who], SET, **_input({"userId": str(p["rep"].id)}, "MONTH", start, 1)))["code"] == "FORBIDDEN"
    await ok(p["admin"], SET, **_input({"teamId": str(south)}, "YEAR", start.replace(month=1), 5))
    await ok(p["head"], SET, **_input({"userId": str(p["head"].id)}, "MONTH", start, 5))
    assert await QuotaChange.all().count() == 2


async def test_bad_input_names_the_field_and_writes_nothing(db):
    s = await seed_sales()
    head, rep = s.people["head"], s.people["rep"]
    start = month_start(s.today)
    cases = [
        (_input({"userId": str(rep.id)}, "MONTH", start.replace(day=2), 1), "startsOn"),
        (_input({"userId": str(rep.id)}, "QUARTER", date(2026, 2, 1), 1), "startsOn"),
        (_input({"userId": str(rep.id)}, "YEAR", date(2026, 7, 1), 1), "startsOn"),
        (_input({}, "MONTH", start, 1), "userId"),
        (_input({"userId": str(rep.id), "teamId": str(rep.team_id)}, "MONTH", start, 1), "userId"),
        (_input({"userId": str(rep.id)}, "MONTH", start, -1), "amount"),
        (_input({"userId": str(rep.id)}, "MONTH", start, 1, callsPerWeek=-3), "callsPerWeek"),
    ]
    for variables, field in cases:
        found = await error(head, SET, **variables)
        assert (found["code"], found.get("field")) == ("BAD_USER_INPUT", field), variables
    missing = await error(head, SET, **_input({"userId": "999999"}, "MONTH", start, 1))
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "userId")
    assert await QuotaChange.all().count() == 0 and not await AuditEntry.filter(action="quota.set").exists()


async def test_who_reads_which_quotas(db):
    s = await seed_sales()
    p = s.people
    start = month_start(s.today)
    for target in ({"userId": str(p["rep"].id)}, {"userId": str(p["colleague"].id)}, {"teamId": str(p["head"].team_id)},
                   {"userId": str(p["rep2"].id)}):
        await ok(p["admin"], SET, **_input(target, "MONTH", start, 10_000))

    async def holders(who: str, **filter: Any) -> set[str]:
        edges = (await ok(p[who], LIST, filter=filter or None))["quotas"]["edges"]
        return {f"user:{e['node']['user']['id']}" if e["node"]["user"] else f"team:{e['node']['team']['id']}"
                for e in edges}

    north = f"team:{p['head'].team_id}"
    assert await holders("admin") == {f"user:{p['rep'].id}", f"user:{p['colleague'].id}", north, f"user:{p['rep2'].id}"}
    assert await holders("head") == {f"user:{p['rep'].id}", f"user:{p['colleague'].id}", north}
    assert await holders("rep") == {f"user:{p['rep'].id}", north}
    assert await holders("rep2") == {f"user:{p['rep2'].id}"}
    assert await holders("admin", on=s.today.isoformat(), period="MONTH", teamId=[str(p["head"].team_id)]) == {north}
    assert await holders("admin", on=next_month(s.today).isoformat()) == set()
    assert (await error(p["support"], LIST))["code"] == "FORBIDDEN"
