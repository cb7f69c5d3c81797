"""The `dashboard` per role, its figures checked against values computed here from the seeded rows (currency
conversion, a currency without a rate, the month's first instant and last second, row rules: a head sees the
team, a rep their own), and a statement count that does not grow with the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backend.models import (
    Activity,
    ActivityKind,
    ApiToken,
    Campaign,
    Contact,
    ContactStatus,
    Deal,
    StageKind,
    TaskStatus,
)
from tests.factories import error, ok
from tests.sales_data import Seeded, midnight, month_start, next_month, quarter_start, seed_sales, to_eur
from tests.sqlcount import count_statements

MONEY = "{ amount }"
REP = f"""query($days: Int) {{ dashboard(quietDays: $days) {{ role currency period startsOn
  rep {{ pipelineByStage {{ stage {{ id }} count amount {MONEY} weighted {MONEY} }}
        forecast {{ period startsOn count open {MONEY} weighted {MONEY} won {MONEY} expected {MONEY} }}
        quotas {{ amount {MONEY} won {MONEY} }}
        tasksDueToday tasksOverdue quietCount quietDeals(first: 10) {{ id }} recentWins(first: 10) {{ id }} }}
  team {{ won {MONEY} }} support {{ conversions }} marketing {{ campaigns {{ views }} }} admin {{ health {{ usersActive }} }} }} }}"""
HEAD = f"""query($days: Int) {{ dashboard(quietDays: $days) {{
  team {{ team {{ id }} won {MONEY} pipelineByStage {{ stage {{ id }} count amount {MONEY} }}
         forecastByMonth {{ month count amount {MONEY} weighted {MONEY} }}
         reps {{ user {{ id name }} won {MONEY} wonCount lostCount share winRate averageDeal {MONEY} cycleDays
                openCount openAmount {MONEY} weighted {MONEY} quota {{ won {MONEY} attainment }}
                activities {{ kind count }} }}
         teamQuota {{ won {MONEY} }} lostByReason {{ reason {{ name }} count amount {MONEY} }}
         stalledCount stalledDeals(first: 10) {{ id title }} }}
  rep {{ tasksDueToday }} }} }}"""
SET = "mutation($input: SetQuotaInput!) { setQuota(input: $input) { id } }"


def _deals(s: Seeded, owners: set[str], kind: StageKind | None = None) -> list[Deal]:
    ids = {s.people[o].id for o in owners}
    return [d for d in s.deals if d.owner_id in ids and (kind is None or d._kind is kind)]  # type: ignore[attr-defined]


def _in(d: Deal, start: Any, end: Any) -> bool:
    return d.closed_at is not None and midnight(start) <= d.closed_at < midnight(end)


async def _activities(s: Seeded) -> None:
    """Calls and a meeting this month (rep2's too, which the head does not see), a task due later today, one
    overdue and one done, and a recent call on one of rep's open deals (no longer quiet)."""
    now = datetime.now(UTC)
    p = s.people
    open_rep = _deals(s, {"rep"}, StageKind.OPEN)[0]
    day_end = midnight(s.today) + timedelta(days=1)
    rows = [
        ("rep", ActivityKind.CALL, now - timedelta(minutes=5), None, None), ("rep", ActivityKind.CALL, now, None, None),
        ("rep", ActivityKind.MEETING, now, None, None), ("colleague", ActivityKind.CALL, now, None, None),
        ("rep2", ActivityKind.CALL, now, None, None),
        ("rep", ActivityKind.CALL, now - timedelta(days=1), open_rep, None),
        ("rep", ActivityKind.TASK, now, None, (now + (day_end - now) / 2, TaskStatus.NEW)),
        ("rep", ActivityKind.TASK, now, None, (now - timedelta(hours=1), TaskStatus.SCHEDULED)),
        ("rep", ActivityKind.TASK, now, None, (now - timedelta(hours=1), TaskStatus.DONE)),
    ]
    for who, kind, at, deal, task in rows:
        customer_id = deal.customer_id if deal else (await Deal.filter(owner_id=p[who].id).first()).customer_id  # type: ignore[union-attr]
        await Activity.create(kind=kind, title=f"{kind.value} by {who}", occurred_at=at, author_id=p[who].id,
                              customer_id=customer_id, deal_id=deal.id if deal else None,
                              assignee_id=p[who].id if task else None, due_at=task[0] if task else None,
                              task_status=task[1] if task else None)


async def test_rep_sees_their_own_desk(db):
    s = await seed_sales()
    await _activities(s)
    p = s.people
    start = month_start(s.today)
    await ok(p["head"], SET, input={"userId": str(p["rep"].id), "period": "MONTH", "startsOn": start.isoformat(),
                                    "amount": 100_000})
    got = (await ok(p["rep"], REP, days=14))["dashboard"]
    assert (got["role"], got["currency"], got["period"], got["startsOn"]) == ("SALES_REP", "EUR", "MONTH", start.isoformat())
    assert got["team"] is None and got["support"] is None and got["marketing"] is None and got["admin"] is None
    desk = got["rep"]
    opened = _deals(s, {"rep"}, StageKind.OPEN)
    expected = {str(d.stage_id): (1, to_eur(d.amount, d.currency), round(to_eur(d.amount * d.probability, d.currency) / 100))
                for d in opened}
    assert {r["stage"]["id"]: (r["count"], r["amount"]["amount"], r["weighted"]["amount"])
            for r in desk["pipelineByStage"]} == expected
    won = _deals(s, {"rep"}, StageKind.WON)
    for figure in desk["forecast"]:
        begin = start if figure["period"] == "MONTH" else quarter_start(s.today)
        end = next_month(begin) if figure["period"] == "MONTH" else next_month(next_month(next_month(begin)))
        due = [d for d in opened if d.expected_close_date and begin <= d.expected_close_date < end]
        assert figure["startsOn"] == begin.isoformat()
        assert figure["count"] == len(due)
        assert figure["open"]["amount"] == sum(to_eur(d.amount, d.currency) for d in due)
        assert figure["weighted"]["amount"] == round(sum(to_eur(d.amount * d.probability, d.currency) for d in due) / 100)
        assert figure["won"]["amount"] == sum(to_eur(d.amount, d.currency) for d in won if _in(d, begin, end))
        # The headline: the reports' weighted sum by month of close (won at 100%, open weighted, lost at 0%).
        assert figure["won"]["amount"] > 0
        assert figure["expected"]["amount"] == figure["won"]["amount"] + figure["weighted"]["amount"]
    assert [f["period"] for f in desk["forecast"]] == ["MONTH", "QUARTER"]
    assert desk["quotas"] == [{"amount": {"amount": 100_000}, "won": {"amount": 39_001}}]
    assert (desk["tasksDueToday"], desk["tasksOverdue"]) == (1, 1)
    quiet = [d for d in opened if d.id != opened[0].id]
    assert desk["quietCount"] == len(quiet) and [d["id"] for d in desk["quietDeals"]] == [str(d.id) for d in quiet]
    newest_first = sorted(won, key=lambda d: d.closed_at, reverse=True)  # type: ignore[arg-type, return-value]
    assert [d["id"] for d in desk["recentWins"]] == [str(d.id) for d in newest_first]
    assert (await ok(p["rep"], REP, days=365))["dashboard"]["rep"]["quietCount"] == 0  # all made 90 days ago
    assert (await error(p["rep"], REP, days=0))["field"] == "quietDays"


async def test_head_sees_the_team_per_rep(db):
    s = await seed_sales()
    await _activities(s)
    p = s.people
    start, end = month_start(s.today), next_month(s.today)
    await ok(p["head"], SET, input={"teamId": str(p["head"].team_id), "period": "MONTH", "startsOn": start.isoformat(),
                                    "amount": 500_000})
    await ok(p["head"], SET, input={"userId": str(p["colleague"].id), "period": "MONTH", "startsOn": start.isoformat(),
                                    "amount": 40_000})
    team = (await ok(p["head"], HEAD, days=14))["dashboard"]["team"]
    assert team["team"]["id"] == str(p["head"].team_id)
    north = {"head", "rep", "colleague"}
    closed = [d for d in _deals(s, north) if _in(d, start, end)]
    team_won = sum(to_eur(d.amount, d.currency) for d in closed if d._kind is StageKind.WON)  # type: ignore[attr-defined]
    assert team_won == 59_001  # rep2's 99 000 is South's
    assert team["won"]["amount"] == team_won == team["teamQuota"]["won"]["amount"]
    reps = {r["user"]["id"]: r for r in team["reps"]}
    assert set(reps) == {str(p[n].id) for n in north}
    assert team["reps"][0]["user"]["id"] == str(p["rep"].id)  # most revenue first
    for name in north:
        mine = [d for d in closed if d.owner_id == p[name].id]
        wins = [d for d in mine if d._kind is StageKind.WON]  # type: ignore[attr-defined]
        amount = sum(to_eur(d.amount, d.currency) for d in wins)
        r = reps[str(p[name].id)]
        assert (r["won"]["amount"], r["wonCount"], r["lostCount"]) == (amount, len(wins), len(mine) - len(wins))
        assert r["share"] == amount / team_won
        assert r["winRate"] == (len(wins) / len(mine) if mine else None)
        assert r["averageDeal"] == ({"amount": round(amount / len(wins))} if wins else None)
        cycle = [(d.closed_at - d.created_at).total_seconds() / 86400 for d in mine]  # type: ignore[operator]
        assert (r["cycleDays"] is None) if not cycle else abs(r["cycleDays"] - sum(cycle) / len(cycle)) < 1e-6
        opened = _deals(s, {name}, StageKind.OPEN)
        assert r["openCount"] == len(opened)
        assert r["openAmount"]["amount"] == sum(to_eur(d.amount, d.currency) for d in opened)
    assert reps[str(p["colleague"].id)]["quota"] == {"won": {"amount": 20_000}, "attainment": 0.5}
    assert reps[str(p["rep"].id)]["quota"] is None
    yesterday = datetime.now(UTC) - timedelta(days=1) >= midnight(start)  # the call on a deal, if still this month
    assert reps[str(p["rep"].id)]["activities"] == [{"kind": "call", "count": 2 + yesterday}, {"kind": "meeting", "count": 1},
                                                    {"kind": "task", "count": 3}]
    assert reps[str(p["colleague"].id)]["activities"] == [{"kind": "call", "count": 1}]
    assert [(r["reason"] and r["reason"]["name"], r["count"], r["amount"]["amount"]) for r in team["lostByReason"]] \
        == [(None, 1, 4_500), ("Price", 1, 70_000)]  # as many of each: the unnamed first
    months: dict[Any, list[Deal]] = {}
    for d in _deals(s, north, StageKind.OPEN):
        months.setdefault(d.expected_close_date and month_start(d.expected_close_date), []).append(d)
    assert [(m["month"], m["count"], m["amount"]["amount"]) for m in team["forecastByMonth"]] == [
        (k.isoformat() if k else None, len(v), sum(to_eur(d.amount, d.currency) for d in v))
        for k, v in sorted(months.items(), key=lambda item: (item[0] is None, item[0] or start))
    ]
    stage_counts: dict[str, int] = {}
    for d in _deals(s, north, StageKind.OPEN):
        stage_counts[str(d.stage_id)] = stage_counts.get(str(d.stage_id), 0) + 1
    assert {r["stage"]["id"]: r["count"] for r in team["pipelineByStage"]} == stage_counts
    assert team["stalledCount"] == 2  # rep's quiet deal and colleague's; rep's other had a call yesterday
    assert (await ok(p["rep2"], HEAD, days=14))["dashboard"]["team"] is None


async def test_admin_sees_everyone_and_the_health(db):
    s = await seed_sales()
    p = s.people
    await ApiToken.create(user_id=p["rep"].id, name="t", token_hash="x" * 64, prefix="abc",
                          last_used_at=datetime.now(UTC))
    got = (await ok(p["admin"], """{ dashboard { rep { quietCount } team { team { id } won { amount } reps { user { id } } }
      admin { health { usersActive usersSignedIn tokensActive tokensUsed jobs { kind count } mailWaiting databaseBytes } }
      support { contactsByStatus { kind count } } marketing { campaigns { views } } } }"""))["dashboard"]
    start, end = month_start(s.today), next_month(s.today)
    everyone = sum(to_eur(d.amount, d.currency) for d in s.deals if d._kind is StageKind.WON and _in(d, start, end))  # type: ignore[attr-defined]
    assert got["rep"] is None and got["team"]["team"] is None and got["team"]["won"]["amount"] == everyone
    assert {r["user"]["id"] for r in got["team"]["reps"]} == {str(p[n].id) for n in ("rep", "colleague", "rep2")}
    health = got["admin"]["health"]
    assert (health["usersActive"], health["tokensActive"], health["tokensUsed"]) == (7, 1, 1)
    assert health["databaseBytes"] > 0


async def test_support_and_marketing_desks(db):
    s = await seed_sales()
    p = s.people
    for status in (ContactStatus.NEW, ContactStatus.NEW, ContactStatus.HOT):
        await Contact.create(name=f"{status.value}", status=status)
    now = datetime.now(UTC)
    customer = (await Deal.first()).customer_id  # type: ignore[union-attr]
    await Activity.create(kind=ActivityKind.MEETING, title="m", occurred_at=now + timedelta(minutes=1),
                          author_id=p["support"].id, customer_id=customer)
    await Activity.create(kind=ActivityKind.CALL, title="past", occurred_at=now - timedelta(minutes=1),
                          author_id=p["support"].id, customer_id=customer)
    support = (await ok(p["support"], "{ dashboard { support { contactsByStatus { kind count } scheduled { kind count } "
                        "conversions } rep { quietCount } } }"))["dashboard"]
    assert support["rep"] is None
    counts = {r["kind"]: r["count"] for r in support["support"]["contactsByStatus"]}
    assert (counts["new"], counts["hot"], counts["converted"]) == (2, 1, 0)
    scheduled = {r["kind"]: r["count"] for r in support["support"]["scheduled"]}
    last_day_meeting = now + timedelta(minutes=1) < midnight(next_month(s.today))
    assert scheduled == {"call": 0, "meeting": int(last_day_meeting)}
    for title, views, enrolments in (("Small", 10, 1), ("Big", 100, 30)):
        await Campaign.create(title=title, code=title.lower(), type="promotion", visibility="public", owner_id=p["marketing"].id,
                              views=views, enrolments=enrolments)
    marketing = (await ok(p["marketing"], "{ dashboard { marketing { campaigns { campaign { title } views enrolments "
                          "enrolmentRate } enrolmentsByMonth { month count } } } }"))["dashboard"]["marketing"]
    assert [(c["campaign"]["title"], c["enrolmentRate"]) for c in marketing["campaigns"]] == [("Big", 0.3), ("Small", 0.1)]
    assert len(marketing["enrolmentsByMonth"]) == 6 and marketing["enrolmentsByMonth"][-1]["month"] == month_start(s.today).isoformat()


async def test_the_head_dashboard_sends_the_same_statements_whatever_the_rows(db):
    s = await seed_sales()
    p = s.people

    async def statements() -> int:
        with count_statements() as sent:
            await ok(p["head"], HEAD, days=14)
        return len(sent)

    few = await statements()
    for template in list(_deals(s, {"rep", "colleague"})):
        for _ in range(3):
            await Deal.create(**{k: getattr(template, k) for k in (
                "title", "customer_id", "owner_id", "pipeline_id", "stage_id", "amount", "currency", "probability",
                "closed_at", "expected_close_date")})
    assert await statements() == few
