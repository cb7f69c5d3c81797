"""Benchmark data: N customers, each with 3 contacts, 2 deals and 5 activities, inserted in bulk.

Fast: one transaction per batch of customers with multi-row inserts, not one service call per row
(a million rows through the services would take hours); each batch writes one audit entry.
Resumable: customers are numbered ("Bench Customer 000123") and a batch commits as a whole, so a run
that stops half-way keeps its finished batches and the next run continues after the highest number.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import cast

from backend import db
from backend.auth.actor import Actor
from backend.models import (
    Activity,
    ActivityKind,
    Contact,
    ContactStatus,
    Customer,
    CustomerStatus,
    Deal,
    Pipeline,
    Role,
    Stage,
    StageKind,
    TaskStatus,
    User,
)
from backend.services.customers import search_text, tag_index
from backend.services.unit import write

PREFIX = "Bench Customer "
BATCH = 1000
COUNTRIES = ("DE", "FR", "GB", "NL", "ES", "IT", "SE", "PL", "US", "CH")
INDUSTRIES = ("Rail", "Food & Beverage", "General Industry", "Technology", "Logistics", "Energy")
SEGMENTS = ("Enterprise", "Mid-market", "SMB")
STATUSES = (CustomerStatus.ACTIVE, CustomerStatus.ACTIVE, CustomerStatus.PROSPECT, CustomerStatus.INACTIVE)
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "GBP", "CHF", "SEK")
KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE, ActivityKind.TASK)

Progress = Callable[[int, int], None]


def bench_name(number: int) -> str:
    return f"{PREFIX}{number:06d}"


async def _next_number() -> tuple[int, int]:
    """How many benchmark customers exist, and the number the next one gets."""
    query = Customer.filter(name__startswith=PREFIX)
    present = await query.count()
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    last = cast(list[str], await query.order_by("-name").limit(1).values_list("name", flat=True))
    return present, int(last[0][len(PREFIX):]) + 1 if last else 1


async def seed_customers(actor: Actor, total: int, progress: Progress | None = None, batch: int = BATCH) -> int:
    """Add benchmark customers until there are `total`; returns how many were added."""
    present, number = await _next_number()
    managers = cast(
        list[int | None], await User.filter(role__in=[Role.SALES_REP, Role.SALES_HEAD], active=True).values_list("id", flat=True)
    )
    pipeline = await Pipeline.get(is_default=True)
    stages = await Stage.filter(pipeline=pipeline).order_by("position")
    added = 0
    while present + added < total:
        size = min(batch, total - present - added)
        await _insert_batch(actor, range(number, number + size), list(managers) or [None], pipeline.id, stages)
        number += size
        added += size
        if progress:
            progress(present + added, total)
    if added:
        await db.analyze()
    return added


async def _insert_batch(actor: Actor, numbers: range, managers: list[int | None], pipeline_id: int, stages: list[Stage]) -> None:
    rng = random.Random(numbers.start)  # deterministic per batch, whatever was seeded before
    now = datetime.now(UTC)
    async with write(actor) as unit:
        rows = [_customer(rng, n, managers) for n in numbers]
        await Customer.bulk_create(rows, batch_size=500)
        ids = dict(await Customer.filter(name__in=[r.name for r in rows]).values_list("name", "id"))
        contacts, deals, acts = [], [], []
        for row in rows:
            customer_id = ids[row.name]
            slug = row.name[len(PREFIX):]
            for i in range(3):
                contacts.append(Contact(
                    name=f"Contact {slug}-{i + 1}", email=f"contact{i + 1}.{slug}@bench.example", customer_id=customer_id,
                    owner_id=row.account_manager_id, is_primary=i == 0, status=ContactStatus.NEW,
                ))
            for i in range(2):
                stage = rng.choice(stages)
                closed = stage.kind is not StageKind.OPEN
                deals.append(Deal(
                    title=f"Deal {slug}-{i + 1}", customer_id=customer_id, owner_id=row.account_manager_id,
                    pipeline_id=pipeline_id, stage_id=stage.id, probability=stage.probability,
                    amount=rng.randrange(1_000, 500_000) * 100, currency=rng.choice(CURRENCIES),
                    expected_close_date=date.today() + timedelta(days=rng.randint(-90, 180)),
                    closed_at=now if closed else None, lost_reason="Price" if stage.kind is StageKind.LOST else "",
                ))
            for i in range(5):
                kind = KINDS[i]
                task = kind is ActivityKind.TASK
                acts.append(Activity(
                    kind=kind, title=f"{kind.value.title()} {slug}", customer_id=customer_id,
                    author_id=row.account_manager_id, occurred_at=now - timedelta(days=rng.uniform(0, 365)),
                    assignee_id=row.account_manager_id if task else None,
                    due_at=now + timedelta(days=rng.uniform(-10, 30)) if task else None,
                    task_status=TaskStatus.SCHEDULED if task else None,
                ))
        await Contact.bulk_create(contacts, batch_size=500)
        await Deal.bulk_create(deals, batch_size=500)
        await Activity.bulk_create(acts, batch_size=500)
        await unit.audit("seed.customers", "customer", f"{numbers.start}-{numbers.stop - 1}",
                         {"customers": [None, len(rows)], "contacts": [None, len(contacts)],
                          "deals": [None, len(deals)], "activities": [None, len(acts)]})


def _customer(rng: random.Random, number: int, managers: list[int | None]) -> Customer:
    name = bench_name(number)
    contact_names = [f"Contact {number:06d}-{i + 1}" for i in range(3)]
    customer = Customer(
        name=name, email=f"info{number:06d}@bench.example", phone=f"+49 30 {number:07d}",
        country=rng.choice(COUNTRIES), industry=rng.choice(INDUSTRIES), segment=rng.choice(SEGMENTS),
        status=rng.choice(STATUSES), account_manager_id=managers[number % len(managers)], tags=[], tag_index=tag_index([]),
        city="Benchtown",
    )
    customer.search_text = search_text(customer, contact_names)
    return customer
