"""Deal reports in SQL: one GROUP BY over the deals a caller may see, by up to two dimensions, split by
currency and stage kind so the few group rows can be converted and combined without reading any deal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise import connections
from tortoise.expressions import RawSQL
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from backend.models import Customer, Lead, Stage, StageKind, User
from backend.reads.loaders import DEAL_WEIGHT
from backend.services.currency import to_base


class Dimension(Enum):
    STAGE = "stage"
    OWNER = "owner"
    TEAM = "team"
    CLOSE_MONTH = "close_month"
    INDUSTRY = "industry"
    COUNTRY = "country"
    LOST_REASON = "lost_reason"
    CAMPAIGN = "campaign"


# Correlated subqueries rather than joins: a filter may already join `stage` or `customer` under Tortoise's
# own aliases, and a subquery per key cannot collide with them.
_USER, _CUSTOMER, _LEAD = (f'"{m._meta.db_table}"' for m in (User, Customer, Lead))
_PLAIN = {
    Dimension.STAGE: '"deal"."stage_id"',
    Dimension.OWNER: '"deal"."owner_id"',
    Dimension.TEAM: f'(SELECT "u"."team_id" FROM {_USER} "u" WHERE "u"."id" = "deal"."owner_id")',
    Dimension.INDUSTRY: f'(SELECT "c"."industry" FROM {_CUSTOMER} "c" WHERE "c"."id" = "deal"."customer_id")',
    Dimension.COUNTRY: f'(SELECT "c"."country" FROM {_CUSTOMER} "c" WHERE "c"."id" = "deal"."customer_id")',
    Dimension.LOST_REASON: '"deal"."lost_reason_choice_id"',
    # A deal made of several leads counts for the campaign of its first one.
    Dimension.CAMPAIGN: f'(SELECT "l"."campaign_id" FROM {_LEAD} "l" WHERE "l"."deal_id" = "deal"."id" '
    'AND "l"."campaign_id" IS NOT NULL ORDER BY "l"."id" LIMIT 1)',
}


def _sql(dimension: Dimension, dialect: str) -> str:
    """A dimension's key as SQL. The month of close is the month (UTC) a closed deal closed, and the month an
    open one is expected to close; the two databases truncate dates differently."""
    if dimension is not Dimension.CLOSE_MONTH:
        return _PLAIN[dimension]
    if dialect == "postgres":
        return ('CAST(date_trunc(\'month\', COALESCE("deal"."closed_at" AT TIME ZONE \'UTC\', '
                'CAST("deal"."expected_close_date" AS timestamp))) AS date)')
    return 'strftime(\'%Y-%m-01\', COALESCE("deal"."closed_at", "deal"."expected_close_date"))'


def _cycle_sql(dialect: str) -> str:
    """Days from creation to close of a closed deal (NULL while open)."""
    if dialect == "postgres":
        return 'EXTRACT(EPOCH FROM ("deal"."closed_at" - "deal"."created_at")) / 86400.0'
    return 'julianday("deal"."closed_at") - julianday("deal"."created_at")'


def _key(dimension: Dimension, value: Any) -> Any:
    if value is None:
        return None
    if dimension is Dimension.CLOSE_MONTH:
        return date.fromisoformat(value) if isinstance(value, str) else value
    if dimension in (Dimension.INDUSTRY, Dimension.COUNTRY):
        return value or None  # "" means not given, like NULL
    return int(value)


async def group_rows(deals: QuerySet, dimensions: list[Dimension]) -> list[dict[str, Any]]:
    """Count, amount, amount × probability and total cycle days of `deals` per group, currency and stage kind:
    one statement whatever the number of deals. Each row carries `keys`, a tuple in the order of `dimensions`."""
    dialect = connections.get("default").capabilities.dialect
    names = [f"k{i}" for i in range(len(dimensions))]
    keys = {name: RawSQL(_sql(d, dialect)) for name, d in zip(names, dimensions, strict=True)}
    rows = await (
        deals.annotate(
            **keys,
            n=Count("id"),
            total=Sum("amount"),
            weighted=Sum(DEAL_WEIGHT),  # type: ignore[arg-type]  # Tortoise runs RawSQL in Sum; its annotation omits it
            cycle=Sum(RawSQL(_cycle_sql(dialect))),  # type: ignore[arg-type]  # as above
        )
        # By the stage's id, not its kind: a subquery (or join) per deal for the kind cost most of the statement
        # at 100,000 deals, while the stages are few and their kinds are read once below.
        .group_by(*names, "currency", "stage_id")
        .values(*names, "currency", "stage_id", "n", "total", "weighted", "cycle")
    )
    kinds = await stage_kinds()
    for row in rows:
        row["keys"] = tuple(_key(d, row.pop(name)) for name, d in zip(names, dimensions, strict=True))
        row["stage_kind"] = kinds.get(row.pop("stage_id"))
    return rows


async def stage_places() -> dict[int, tuple[int, int]]:
    """Every stage's (pipeline, position) by id, for rows in the board's order: a few rows, one statement."""
    rows: list[Any] = await Stage.all().values_list("id", "pipeline_id", "position")
    return {id: (pipeline, position) for id, pipeline, position in rows}


async def stage_kinds() -> dict[int, StageKind]:
    """Every stage's kind by id: a few rows, read in one statement."""
    rows: list[Any] = await Stage.all().values_list("id", "kind")
    return {id: StageKind(kind) for id, kind in rows}


@dataclass
class Tally:
    """One group's sums in minor units of the base currency (weighted: amount × probability, so × 100, divided
    once at the end): deals, their amount, won and lost counts and amounts, and the closed ones' cycle days."""

    count: int = 0
    amount: int = 0
    weighted: int = 0
    won: int = 0
    won_amount: int = 0
    lost: int = 0
    lost_amount: int = 0
    cycle_days: float = 0.0

    @property
    def weighted_amount(self) -> int:
        return round(Decimal(self.weighted) / 100)

    def add(self, other: Tally) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def tally(rows: list[dict[str, Any]], table: dict[str, Decimal]) -> dict[tuple[Any, ...], Tally]:
    """group_rows' rows (one per group, currency and stage kind) converted with the rates `table` and added up
    per group."""
    found: dict[tuple[Any, ...], Tally] = defaultdict(Tally)
    for row in rows:
        amount = to_base(int(row["total"] or 0), row["currency"], table)
        part = Tally(count=row["n"], amount=amount, weighted=to_base(int(row["weighted"] or 0), row["currency"], table))
        if row["stage_kind"] == StageKind.WON:
            part.won, part.won_amount = row["n"], amount
        elif row["stage_kind"] == StageKind.LOST:
            part.lost, part.lost_amount = row["n"], amount
        if row["stage_kind"] in (StageKind.WON, StageKind.LOST):
            part.cycle_days = float(row["cycle"] or 0)
        found[row["keys"]].add(part)
    return dict(found)
