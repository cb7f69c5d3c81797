"""Seeded sales data for the quota and dashboard tests: two teams, deals in EUR, USD (rated 0.9) and JPY (no
rate) on both sides of this month's edges, and the figures those tests expect, computed here in plain Python
from the rows (not through the code under test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from backend.models import Customer, Deal, ExchangeRate, LostReason, Role, Stage, StageKind, User
from backend.services.currency import set_exchange_rate
from tests.factories import actor, make_team, make_user

USD_RATE = Decimal("0.9")


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def to_eur(amount: int, currency: str) -> int:
    rate = {"EUR": Decimal(1), "USD": USD_RATE}.get(currency)
    return 0 if rate is None else int((Decimal(amount) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class Seeded:
    people: dict[str, User]
    deals: list[Deal]
    today: date

    def won_between(self, owners: set[str], start: date, end: date) -> int:
        """Won amount in EUR of deals owned by `owners`, closed in [start, end)."""
        ids = {self.people[o].id for o in owners}
        return sum(to_eur(d.amount, d.currency) for d in self.deals
                   if d.owner_id in ids and d._kind is StageKind.WON  # type: ignore[attr-defined]
                   and midnight(start) <= d.closed_at < midnight(end))


async def seed_sales() -> Seeded:
    """North: head, rep, colleague; South: rep2; an admin. Deals of this month, its edges, and older."""
    north, south = await make_team("North"), await make_team("South")
    people = {
        "head": await make_user(Role.SALES_HEAD, north), "rep": await make_user(Role.SALES_REP, north),
        "colleague": await make_user(Role.SALES_REP, north), "rep2": await make_user(Role.SALES_REP, south),
        "admin": await make_user(Role.ADMIN), "support": await make_user(Role.SUPPORT),
        "marketing": await make_user(Role.MARKETING),
    }
    await set_exchange_rate(actor(people["admin"]), "USD", USD_RATE)
    assert await ExchangeRate.filter(currency="USD").exists()
    stages = list(await Stage.filter(pipeline__is_default=True).order_by("position"))
    won = next(s for s in stages if s.kind is StageKind.WON)
    lost = next(s for s in stages if s.kind is StageKind.LOST)
    opens = [s for s in stages if s.kind is StageKind.OPEN]
    price = await LostReason.create(name="Price")
    today = datetime.now(UTC).date()
    start, end = month_start(today), next_month(today)
    just_before, last_second = midnight(start) - timedelta(seconds=1), midnight(end) - timedelta(seconds=1)

    async def customer(manager: str) -> Customer:
        return await Customer.create(name=f"Customer of {manager}", account_manager_id=people[manager].id)

    c = {name: await customer(name) for name in ("rep", "colleague", "rep2")}
    long_ago = midnight(today) - timedelta(days=90)
    specs: list[tuple[str, str, Stage, str, int, int, datetime | None, date | None, Any]] = [
        # owner, customer, stage, currency, amount, probability, closed, expected close, lost reason
        ("rep", "rep", won, "EUR", 30_000, 100, midnight(start), None, None),  # first instant of the month
        ("rep", "rep", won, "USD", 10_001, 100, last_second, None, None),  # last second: 9 000.9 → 9 001
        ("rep", "rep", won, "EUR", 50_000, 100, just_before, None, None),  # last month
        ("rep", "rep", won, "JPY", 900_000, 100, midnight(start) + timedelta(days=1), None, None),  # no rate: 0
        ("rep", "rep", lost, "EUR", 70_000, 0, midnight(start) + timedelta(hours=5), None, price),
        ("rep", "rep", opens[0], "EUR", 40_000, 25, None, today, None),
        ("rep", "rep", opens[1], "USD", 20_000, 50, None, next_month(end), None),
        ("colleague", "colleague", won, "EUR", 20_000, 100, midnight(start) + timedelta(hours=1), None, None),
        ("colleague", "colleague", lost, "USD", 5_000, 0, midnight(start) + timedelta(hours=2), None, None),
        ("colleague", "colleague", opens[0], "EUR", 11_000, 10, None, None, None),
        ("rep2", "rep2", won, "EUR", 99_000, 100, midnight(start) + timedelta(hours=3), None, None),
        ("rep2", "rep2", opens[0], "EUR", 12_345, 50, None, today, None),
    ]
    deals = []
    for owner, cust, stage, currency, amount, probability, closed, expected, reason in specs:
        deal = await Deal.create(
            title=f"{owner} {amount} {currency}", customer_id=c[cust].id, owner_id=people[owner].id,
            pipeline_id=stage.pipeline_id, stage_id=stage.id, amount=amount, currency=currency,
            probability=probability, closed_at=closed, expected_close_date=expected,
            lost_reason_choice_id=reason.id if reason else None,
        )
        await Deal.filter(id=deal.id).update(created_at=long_ago)
        deal.created_at = long_ago
        deal._kind = stage.kind  # type: ignore[attr-defined]
        deals.append(deal)
    return Seeded(people=people, deals=deals, today=today)
