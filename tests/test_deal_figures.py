"""The deal figures (m0041's triggers) agree with the deals after every kind of write: created, moved to won and
lost (with a listed reason), amount, currency, close date and owner changed, deleted; and after many such writes
at once (on PostgreSQL: concurrent transactions through the pool, sharing figure rows). The expected figures are
added up here in Python from the deal rows, not by the database."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from backend.models import Customer, Deal, DealFigure, ExchangeRate, LostReason, Pipeline, Role, Stage, StageKind
from backend.services import deals as deal_service
from tests.factories import actor, make_team, make_user


def _key(d: Deal) -> tuple[Any, ...]:
    when = d.closed_at or d.expected_close_date
    month = f"{when.year:04d}-{when.month:02d}" if when else ""
    return (d.owner_id or 0, d.stage_id, month, d.currency, d.lost_reason_choice_id or 0)


async def expected() -> dict[tuple[Any, ...], tuple[int, int, int, int]]:
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for d in await Deal.all():
        row = sums[_key(d)]
        cycle = round((d.closed_at - d.created_at).total_seconds()) if d.closed_at else 0
        for i, part in enumerate((1, d.amount, d.amount * d.probability, cycle)):
            row[i] += part
    return {key: (n, amount, weighted, cycle) for key, (n, amount, weighted, cycle) in sums.items()}


async def stored() -> dict[tuple[Any, ...], tuple[int, int, int, int]]:
    return {(f.owner_id, f.stage_id, f.month, f.currency, f.reason_id): (f.deals, f.amount, f.weighted, f.cycle_seconds)
            for f in await DealFigure.all()}


async def assert_figures_agree() -> None:
    want, have = await expected(), await stored()
    assert have.keys() == want.keys(), "one figure row per group of deals, no empty rows"
    for key, (n, amount, weighted, cycle) in want.items():
        assert have[key][:3] == (n, amount, weighted), key
        assert abs(have[key][3] - cycle) <= n, key  # SQLite's julianday may round a deal's seconds by one


async def _setting() -> tuple[Any, Any, Customer, dict[StageKind, list[Stage]], LostReason]:
    team = await make_team()
    head = await make_user(Role.SALES_HEAD, team)
    rep = await make_user(Role.SALES_REP, team)
    customer = await Customer.create(name="Figures Ltd", email="figures@example.com", account_manager_id=rep.id)
    pipeline = await Pipeline.get(is_default=True)
    stages: dict[StageKind, list[Stage]] = defaultdict(list)
    for stage in await Stage.filter(pipeline=pipeline).order_by("position"):
        stages[stage.kind].append(stage)
    reason = await LostReason.create(name="Too dear")
    for code, rate in (("EUR", "1"), ("USD", "0.9"), ("GBP", "1.15")):
        await ExchangeRate.update_or_create(currency=code, defaults={"rate": Decimal(rate)})
    return actor(head), actor(rep), customer, stages, reason


async def test_figures_follow_every_kind_of_deal_write(db):
    head, rep, customer, stages, reason = await _setting()
    made = [await deal_service.create_deal(rep, {"title": f"D{i}", "customer_id": customer.id, "amount": 1000 * i,
                                                 "currency": "EUR" if i % 2 else "USD",
                                                 "expected_close_date": date(2026, i % 12 + 1, 15)})
            for i in range(1, 7)]
    await assert_figures_agree()
    assert sum(f.deals for f in await DealFigure.all()) == 6

    d = await Deal.get(id=made[0].id)
    await deal_service.move_deal(rep, d.id, d.version, stages[StageKind.WON][0].id, None)
    d = await Deal.get(id=made[1].id)
    await deal_service.move_deal(rep, d.id, d.version, stages[StageKind.LOST][0].id, "price", reason.id)
    d = await Deal.get(id=made[2].id)
    await deal_service.update_deal(rep, d.id, d.version, {"amount": 777, "currency": "GBP",
                                                          "expected_close_date": None, "probability": 35})
    d = await Deal.get(id=made[3].id)
    await deal_service.update_deal(head, d.id, d.version, {"owner_id": head.user_id})
    await assert_figures_agree()

    d = await Deal.get(id=made[0].id)  # won, then open again: its close date and cycle go
    await deal_service.move_deal(rep, d.id, d.version, stages[StageKind.OPEN][1].id, None)
    await Deal.filter(id=made[4].id).delete()
    await assert_figures_agree()
    await Deal.filter(customer=customer).delete()
    assert await DealFigure.all().count() == 0


async def test_figures_stay_exact_under_concurrent_writes(db):
    """Moves, amount and owner changes and new deals at once, most of them sharing figure rows (one owner, stage,
    month and currency); on PostgreSQL each runs in its own transaction concurrently with the others."""
    head, rep, customer, stages, _ = await _setting()
    deals = [await deal_service.create_deal(rep, {"title": f"C{i}", "customer_id": customer.id, "amount": 100,
                                                  "expected_close_date": date(2026, 6, 10)}) for i in range(24)]
    rng = random.Random(19)
    targets = [s.id for s in stages[StageKind.OPEN][1:] + stages[StageKind.WON]]  # deals start in the first

    async def change(i: int, deal: Deal) -> None:
        if i % 4 == 0:
            await deal_service.move_deal(rep, deal.id, deal.version, rng.choice(targets), None)
        elif i % 4 == 1:
            await deal_service.update_deal(rep, deal.id, deal.version, {"amount": 100 + i})
        elif i % 4 == 2:
            await deal_service.update_deal(head, deal.id, deal.version, {"owner_id": head.user_id})
        else:
            await deal_service.create_deal(rep, {"title": f"N{i}", "customer_id": customer.id, "amount": 5,
                                                 "expected_close_date": date(2026, 6, 20)})

    results = await asyncio.gather(*(change(i, d) for i, d in enumerate(deals)), return_exceptions=True)
    assert [r for r in results if r is not None] == []
    await assert_figures_agree()
    owners = Counter(d.owner_id for d in await Deal.all())
    assert owners == {rep.user_id: 24, head.user_id: 6}
