"""Demo data (contract users, teams, a realistic data set, once) and resumable benchmark data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import connections

from backend import permissions, seed_bench
from backend.auth.actor import Actor
from backend.models import (
    Activity,
    ActivityKind,
    AuditEntry,
    Campaign,
    CampaignStatus,
    CampaignType,
    Contact,
    Customer,
    Deal,
    ExchangeRate,
    Lead,
    LeadStatus,
    Notification,
    Quota,
    QuotaPeriod,
    Stage,
    StageKind,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
    Visibility,
)
from backend.seed import seed_customers, seed_demo, seed_users
from backend.services.periods import period_start

CONTRACT_USERS = {
    "admin@example.com": ("admin", None),
    "head@example.com": ("sales_head", "North"),
    "rep@example.com": ("sales_rep", "North"),
    "rep2@example.com": ("sales_rep", "South"),
    "support@example.com": ("support", None),
    "marketing@example.com": ("marketing", None),
}
README = (Path(__file__).parent.parent / "README.md").read_text()
MODELS = (User, Team, Customer, Contact, Deal, Activity, Campaign, ExchangeRate, AuditEntry)


async def _counts() -> dict[str, int]:
    return {model.__name__: await model.all().count() for model in MODELS}


async def _visible_customers(email: str) -> set[int]:
    user = await User.get(email=email)
    rule = permissions.customer_rule(Actor.for_user(user, via="test"))
    return set(await Customer.filter(rule).values_list("id", flat=True))


async def test_demo_seed_once_with_contract_users_and_realistic_data(db: str) -> None:
    assert await seed_demo(Actor.system(via="cli")) is True
    first = await _counts()
    assert await seed_demo(Actor.system(via="cli")) is False
    assert await _counts() == first, "running the demo seed again adds nothing"

    users = {u.email: u for u in await User.all().prefetch_related("team")}
    assert {email: (u.role.value, u.team.name if u.team else None) for email, u in users.items()} == CONTRACT_USERS
    assert all(u.subject == u.email for u in users.values())
    assert set(await Team.all().values_list("name", flat=True)) == {"North", "South"}

    assert first["Customer"] >= 200
    assert len(set(await Customer.all().values_list("country", flat=True))) >= 8
    assert len(set(await Customer.all().values_list("industry", flat=True))) >= 6
    assert set(await Customer.all().values_list("segment", flat=True)) == {"Enterprise", "Mid-market", "SMB"}
    assert len(set(await Customer.all().values_list("status", flat=True))) == 6
    with_primary = await Contact.filter(is_primary=True).count()
    assert with_primary >= 0.95 * first["Customer"], "demo customers have a primary contact (new ones from leads not yet)"
    assert set(await ExchangeRate.all().values_list("currency", flat=True)) >= {"USD", "GBP", "CHF", "SEK"}

    north, south = await _visible_customers("rep@example.com"), await _visible_customers("rep2@example.com")
    assert north and south and north != south
    assert len(north & south) < min(len(north), len(south)) / 4, "the two teams mostly see different customers"
    stated = re.search(r"holds\s+(\d+) customers", README)
    assert stated and int(stated.group(1)) == first["Customer"], "the README states the demo's customer count"
    rows = {m.group(1): m.group(2) for m in re.finditer(r"`(rep2?)@example\.com` \| sales_rep \| \w+ \| ([^|]+)\|", README)}
    assert re.search(rf"\b{len(north)} customers", rows["rep"]), rows["rep"]
    overlap = rf"\b{len(south)}, of which {len(north & south)} are also on North's list of {len(north)}\b"
    assert re.search(overlap, rows["rep2"]), rows["rep2"]

    kinds = set(await Activity.all().values_list("kind", flat=True))
    assert {ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE, ActivityKind.TASK} <= kinds
    now = datetime.now(UTC)
    for email in ("rep@example.com", "rep2@example.com", "head@example.com", "support@example.com"):
        open_tasks = Activity.filter(kind=ActivityKind.TASK, assignee__email=email, completed_at=None)
        assert await open_tasks.filter(due_at__lt=now).exists(), f"{email} has overdue tasks"
        assert await open_tasks.filter(due_at__gt=now).exists(), f"{email} has upcoming tasks"

    stages = await Stage.filter(pipeline__is_default=True).values_list("id", flat=True)
    assert set(await Deal.all().values_list("stage_id", flat=True)) == set(stages), "deals in every stage"
    assert len(set(await Deal.all().values_list("currency", flat=True))) >= 4
    assert await Deal.filter(owner__email="rep@example.com").exists() and await Deal.filter(owner__email="rep2@example.com").exists()

    # Closed deals lived: opened weeks or months before they closed, closed over the past months (not all at the
    # moment of seeding), so cycle times and months of close read like a team's.
    closed = await Deal.filter(stage__kind__in=[StageKind.WON, StageKind.LOST]).prefetch_related("stage_history")
    assert closed
    cycles = [(d.closed_at - d.created_at).days for d in closed if d.closed_at]
    assert len(cycles) == len(closed) and min(cycles) >= 7 and max(cycles) <= 120 and len(set(cycles)) > 20
    assert all(d.closed_at < now - timedelta(days=1) for d in closed if d.closed_at)
    assert len({(d.closed_at.year, d.closed_at.month) for d in closed if d.closed_at}) >= 3
    for deal in closed:
        moves = sorted(m.changed_at for m in deal.stage_history)
        assert moves[0] >= deal.created_at - timedelta(seconds=1) and moves[-1] <= deal.closed_at + timedelta(seconds=1)
    opened = [d.created_at for d in await Deal.filter(stage__kind=StageKind.OPEN)]
    assert sum(at < now - timedelta(days=2) for at in opened) >= 0.8 * len(opened), "open deals opened days ago"

    assert set(await Lead.all().values_list("status", flat=True)) == set(LeadStatus)
    assert await Lead.filter(customer_id=None).exists(), "leads from companies that are not customers yet"

    assert set(await Campaign.all().values_list("type", flat=True)) == set(CampaignType)
    public_active = await Campaign.filter(visibility=Visibility.PUBLIC, status=CampaignStatus.ACTIVE).values_list("code", flat=True)
    assert "spring-referral" in public_active and len(public_active) >= 2

    for email, kinds in (("rep@example.com", {"task_assigned", "deal_moved"}), ("head@example.com", {"task_assigned"})):
        assert await _unread_notification_kinds(email) == kinds, email

    await _support_queue_and_quotas(now)
    assert await AuditEntry.filter(via="cli").count() == first["AuditEntry"], "every demo change is audited as the CLI"


async def _support_queue_and_quotas(now: datetime) -> None:
    """The support queue has tickets in every status and priority, one about to breach (or just past) its SLA, and
    finished ones with response and resolution times; the head set this quarter's quotas of North and rep,
    and this month's of North, rep and the head."""
    tickets = await Ticket.all()
    assert {t.status for t in tickets} == set(TicketStatus)
    assert {t.priority for t in tickets} == set(TicketPriority)
    running = [t for t in tickets if t.status in (TicketStatus.NEW, TicketStatus.OPEN)]
    assert any(t.queue_at <= now + timedelta(hours=1) for t in running), "one ticket is breaching soon"
    assert any(t.assignee_id is None for t in running), "the queue has unassigned tickets"
    done = [t for t in tickets if t.resolved_at is not None]
    assert done and all(t.first_responded_at and t.created_at < t.first_responded_at < t.resolved_at < now
                        for t in done)
    assert len({(t.resolved_at - t.created_at).total_seconds() for t in done if t.resolved_at}) == len(done)
    assert [t.satisfaction for t in done if t.satisfaction] and all(t.rated_at for t in done if t.satisfaction)
    north, rep = await Team.get(name="North"), await User.get(email="rep@example.com")
    head = await User.get(email="head@example.com")
    for period, holders in ((QuotaPeriod.QUARTER, {f"team:{north.id}", f"user:{rep.id}"}),
                            (QuotaPeriod.MONTH, {f"team:{north.id}", f"user:{rep.id}", f"user:{head.id}"})):
        starts_on = period_start(period, now.date())
        assert set(await Quota.filter(period=period, starts_on=starts_on).values_list("holder", flat=True)) == holders


async def _unread_notification_kinds(email: str) -> set[str]:
    """The kinds of `email`'s unread notifications, each checked to link to a record they can open."""
    user = await User.get(email=email)
    reader = Actor.for_user(user, via="test")
    linked = {"activity": Activity.filter(permissions.activity_rule(reader)),
              "deal": Deal.filter(permissions.deal_rule(reader))}
    kinds = set()
    for note in await Notification.filter(user_id=user.id, read_at=None):
        assert note.entity in linked and await linked[note.entity].filter(id=note.entity_id).exists(), note.message
        kinds.add(note.kind)
    return kinds


async def test_benchmark_customers_resume_without_duplicates(db: str) -> None:
    system = Actor.system(via="cli")
    assert await seed_customers(system, 20, batch=7) == 20
    assert await seed_customers(system, 30, batch=7) == 10
    assert await seed_customers(system, 30) == 0
    names = await Customer.all().values_list("name", flat=True)
    assert len(names) == len(set(names)) == 30
    assert await Contact.all().count() == 90
    assert await Deal.all().count() == 60
    assert await Activity.all().count() == 150
    assert await Contact.filter(is_primary=True).count() == 30


async def test_benchmark_customers_leave_fresh_planner_statistics(db: str) -> None:
    """Queried straight after a bulk load, PostgreSQL would otherwise plan the tables as nearly empty."""
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        pytest.skip("statistics for the planner are PostgreSQL's")
    await seed_customers(Actor.system(via="cli"), 40)
    rows = await connection.execute_query_dict(
        "SELECT relname, reltuples FROM pg_class WHERE relname IN ('customer', 'activity') ORDER BY relname"
    )
    assert [(r["relname"], r["reltuples"]) for r in rows] == [("activity", 200), ("customer", 40)]


async def test_benchmark_seed_interrupted_keeps_finished_batches(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash in the middle of a batch (here: its last insert fails) loses that batch only; the next run
    continues where the committed ones end."""
    system = Actor.system(via="cli")
    real_bulk_create = Activity.bulk_create.__func__  # type: ignore[attr-defined]
    calls = 0

    async def power_cut_in_second_batch(cls: type[Activity], objects: list[Activity], **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("power cut")
        return await real_bulk_create(cls, objects, **kwargs)

    monkeypatch.setattr(Activity, "bulk_create", classmethod(power_cut_in_second_batch))
    with pytest.raises(RuntimeError):
        await seed_customers(system, 25, batch=10)
    assert await Customer.all().count() == 10
    assert await Contact.all().count() == 30
    assert await Deal.all().count() == 20
    assert await Activity.all().count() == 50

    monkeypatch.undo()
    assert await seed_customers(system, 25, batch=10) == 15
    names = sorted(await Customer.all().values_list("name", flat=True))
    assert names == [seed_bench.bench_name(n) for n in range(1, 26)]


async def test_demo_seed_completes_users_who_signed_in_first(db: str) -> None:
    """Someone signed in as head@ before the seed ran: the seed puts them in North, keeps their name."""
    await User.create(email="head@example.com", subject="head@example.com", name="Signed In", role=None)
    await seed_users()
    head = await User.get(email="head@example.com").prefetch_related("team")
    assert (head.name, head.role.value, head.team.name) == ("Signed In", "sales_head", "North")
    assert await User.filter(email="head@example.com").count() == 1
