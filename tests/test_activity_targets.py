"""Activity targets on the dashboards (issue 19): each salesperson's calls and meetings this week (Monday midnight
in their own time zone up to now) against the weekly figures of their current quotas, checked against counts
made here from the seeded rows: the week's edge in a zone ahead of UTC, planned activities not yet done, other
kinds, the shortest period's target winning, pace, and the row rules (a head sees the team only)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.models import Activity, ActivityKind, Deal, User
from tests.factories import ok
from tests.sales_data import Seeded, month_start, quarter_start, seed_sales
from tests.sqlcount import count_statements

FIGURE = "{ done target pace behind }"
TARGETS = f"activityTargets {{ weekStartsAt calls {FIGURE} meetings {FIGURE} }}"
REP = f"{{ dashboard {{ rep {{ {TARGETS} }} }} }}"
TEAM = f"{{ dashboard {{ team {{ reps {{ user {{ id }} {TARGETS} }} }} rep {{ {TARGETS} }} }} }}"
SET = "mutation($input: SetQuotaInput!) { setQuota(input: $input) { id } }"
AHEAD = "Pacific/Kiritimati"  # UTC+14: its Monday begins on Sunday 10:00 UTC


def monday(zone: str, now: datetime) -> datetime:
    """The local Monday midnight the week began at, worked out on the local calendar."""
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date() - timedelta(days=local.weekday()), time(), ZoneInfo(zone))


async def log(s: Seeded, who: str, kind: ActivityKind, at: datetime) -> None:
    customer = (await Deal.filter(owner_id=s.people[who].id).first()).customer_id  # type: ignore[union-attr]
    await Activity.create(kind=kind, title=f"{kind.value} by {who}", occurred_at=at, author_id=s.people[who].id,
                          customer_id=customer)


async def seed_week(s: Seeded) -> datetime:
    """rep (in a zone ahead of UTC): calls either side of their Monday midnight, a meeting, a call planned for
    later, an email; colleague (UTC) a call; rep2 (the other team) calls. Returns rep's week start."""
    now = datetime.now(UTC)
    await User.filter(id=s.people["rep"].id).update(time_zone=AHEAD)
    start = monday(AHEAD, now)
    C, M = ActivityKind.CALL, ActivityKind.MEETING
    for who, kind, at in [
        ("rep", C, start - timedelta(minutes=1)),   # last week on rep's calendar, this week on UTC's some days
        ("rep", C, start + timedelta(minutes=1)), ("rep", C, now - timedelta(minutes=1)), ("rep", M, now),
        ("rep", C, now + timedelta(hours=1)),       # planned, not done yet
        ("rep", ActivityKind.EMAIL, now), ("colleague", C, now), ("rep2", C, now), ("rep2", C, now),
    ]:
        await log(s, who, kind, at)
    return start


def pace(target: int, zone: str, now: datetime) -> int:
    return round(target * (now.astimezone(ZoneInfo(zone)).weekday() + 1) / 7)


async def test_rep_sees_the_week_against_the_month_target(db):
    s = await seed_sales()
    start = await seed_week(s)
    p = s.people
    today = s.today  # quotas' periods are UTC calendar periods, like the rest of the dashboard
    rep = str(p["rep"].id)
    await ok(p["head"], SET, input={"userId": rep, "period": "QUARTER", "startsOn": quarter_start(today).isoformat(),
                                    "amount": 1, "callsPerWeek": 30, "meetingsPerWeek": 9})
    got = (await ok(p["rep"], REP))["dashboard"]["rep"]["activityTargets"]
    now = datetime.now(UTC)
    # The call a minute after rep's Monday midnight counts, the one a minute before does not (the first unless the
    # week began less than a minute ago, which the seeding would have put in the future).
    calls = 2 if start + timedelta(minutes=1) <= now else 1
    assert datetime.fromisoformat(got["weekStartsAt"]) == start
    assert got["calls"] == {"done": calls, "target": 30, "pace": pace(30, AHEAD, now),
                            "behind": calls < pace(30, AHEAD, now)}
    assert got["meetings"]["done"] == 1 and got["meetings"]["target"] == 9
    # A month's target is the latest word over the quarter's; a figure it leaves unset keeps the quarter's.
    await ok(p["head"], SET, input={"userId": rep, "period": "MONTH", "startsOn": month_start(today).isoformat(),
                                    "amount": 1, "callsPerWeek": 1})
    got = (await ok(p["rep"], REP))["dashboard"]["rep"]["activityTargets"]
    assert (got["calls"]["target"], got["calls"]["pace"], got["calls"]["behind"]) == (1, pace(1, AHEAD, now), False)
    assert got["meetings"]["target"] == 9


async def test_without_a_target_the_counts_still_show(db):
    s = await seed_sales()
    await seed_week(s)
    got = (await ok(s.people["colleague"], REP))["dashboard"]["rep"]["activityTargets"]
    assert got["calls"] == {"done": 1, "target": None, "pace": None, "behind": False}
    assert got["meetings"]["done"] == 0


async def test_head_sees_each_member_against_their_target(db):
    s = await seed_sales()
    start = await seed_week(s)
    p = s.people
    await ok(p["head"], SET, input={"userId": str(p["colleague"].id), "period": "MONTH",
                                    "startsOn": month_start(s.today).isoformat(), "amount": 1,
                                    "callsPerWeek": 700, "meetingsPerWeek": 0})
    got = (await ok(p["head"], TEAM))["dashboard"]
    now = datetime.now(UTC)
    rows = {r["user"]["id"]: r["activityTargets"] for r in got["team"]["reps"]}
    assert set(rows) == {str(p[w].id) for w in ("head", "rep", "colleague")}  # not rep2, of the other team
    assert rows[str(p["rep"].id)]["calls"]["done"] == (2 if start + timedelta(minutes=1) <= now else 1)
    colleague = rows[str(p["colleague"].id)]
    assert datetime.fromisoformat(colleague["weekStartsAt"]) == monday("UTC", now)
    assert colleague["calls"] == {"done": 1, "target": 700, "pace": pace(700, "UTC", now), "behind": True}
    assert colleague["meetings"] == {"done": 0, "target": 0, "pace": 0, "behind": False}
    assert got["rep"]["activityTargets"]["calls"]["done"] == 0  # the head's own desk: the head's own week
    # An admin sees every salesperson, rep2's calls too.
    reps = (await ok(p["admin"], TEAM))["dashboard"]["team"]["reps"]
    assert {r["user"]["id"]: r["activityTargets"]["calls"]["done"] for r in reps}[str(p["rep2"].id)] == 2


async def test_the_targets_cost_the_same_statements_whatever_the_team(db):
    s = await seed_sales()
    p = s.people

    async def statements() -> int:
        with count_statements() as sent:
            await ok(p["head"], TEAM)
        return len(sent)

    await ok(p["head"], SET, input={"userId": str(p["rep"].id), "period": "MONTH",
                                    "startsOn": month_start(s.today).isoformat(), "amount": 1, "callsPerWeek": 5})
    few = await statements()
    await seed_week(s)  # more activities, and members in two more time zones
    await User.filter(id=p["colleague"].id).update(time_zone="America/New_York")
    await ok(p["head"], SET, input={"userId": str(p["colleague"].id), "period": "QUARTER",
                                    "startsOn": quarter_start(s.today).isoformat(), "amount": 1, "meetingsPerWeek": 2})
    assert await statements() == few
