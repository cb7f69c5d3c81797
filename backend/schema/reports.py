"""Deal reports as the API shows them: typed group keys and measures, figures in the base currency with the
rates they used. The grouping runs in SQL (backend.reads.reports); this module only converts and combines the
few group rows it returns (one per group, currency and stage kind)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from backend.errors import BadUserInput
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, page_size
from backend.reads.reports import Dimension, Tally, group_rows, stage_places, tally
from backend.schema.campaigns import CampaignNode
from backend.schema.common import BigInt, Money
from backend.schema.currency import ExchangeRateType
from backend.schema.deals import DealFilter, StageType
from backend.schema.lost_reasons import LostReasonType
from backend.schema.users import TeamType, UserType
from backend.services.currency import dated_rates, plain
from backend.settings import get_settings

MAX_DIMENSIONS = 2

# The API's enum is the reads layer's own class, registered with strawberry.enum (as StageKind in schema.deals).
DealReportDimension = Dimension
strawberry.enum(
    Dimension, name="DealReportDimension",
    description="What deals are grouped by; CLOSE_MONTH is the month (UTC) a closed deal closed, or an open one "
    "is expected to close; CAMPAIGN the campaign of the lead the deal was made from",
)


@strawberry.enum(description="What is measured per group")
class DealReportMeasure(Enum):
    COUNT = "count"
    SUM = "sum"
    WEIGHTED_SUM = "weighted_sum"
    AVERAGE = "average"
    WIN_RATE = "win_rate"
    CYCLE_DAYS = "cycle_days"


@strawberry.input(description="A deal report: up to two dimensions, the measures wanted, and the deals list's filters")
class DealReportInput:
    group_by: list[DealReportDimension] = strawberry.field(description="One or two dimensions, e.g. [OWNER, CLOSE_MONTH]")
    measures: list[DealReportMeasure] = strawberry.field(description="The measures to compute (others stay null)")
    filter: DealFilter | None = strawberry.field(default=None, description="Only deals matching this, as in `deals`")
    search: str | None = strawberry.field(default=None, description="Words of the title, as in `deals`")
    archived: bool | None = strawberry.field(default=None, description="As `archived` in `deals`")


@strawberry.type(description="One group of a deal report: its keys (null when not grouped by them) and measures")
class DealReportRow:
    keys: strawberry.Private[dict[Dimension, Any]]
    tally: strawberry.Private[Tally]
    wanted: strawberry.Private[frozenset[DealReportMeasure]]

    def _id(self, dimension: Dimension) -> int | None:
        return self.keys.get(dimension)

    def _measure(self, measure: DealReportMeasure, value: Any) -> Any:
        return value if measure in self.wanted else None

    @strawberry.field(description="The stage (grouped by STAGE)")
    async def stage(self, info: Info) -> StageType | None:
        key = self._id(Dimension.STAGE)
        return StageType.of_maybe(await info.context.loaders.stage.load(key)) if key else None

    @strawberry.field(description="The owner (grouped by OWNER; null also for deals without one)")
    async def owner(self, info: Info) -> UserType | None:
        key = self._id(Dimension.OWNER)
        return UserType.of_maybe(await info.context.loaders.user.load(key)) if key else None

    @strawberry.field(description="The owner's team (grouped by TEAM; null also for owners in none)")
    async def team(self, info: Info) -> TeamType | None:
        key = self._id(Dimension.TEAM)
        return TeamType.of_maybe(await info.context.loaders.team.load(key)) if key else None

    @strawberry.field(description="First day of the month of close (grouped by CLOSE_MONTH; null: open, no date)")
    def month(self) -> date | None:
        return self.keys.get(Dimension.CLOSE_MONTH)

    @strawberry.field(description="The customer's industry (grouped by INDUSTRY; null: not given)")
    def industry(self) -> str | None:
        return self.keys.get(Dimension.INDUSTRY)

    @strawberry.field(description="The customer's ISO country code (grouped by COUNTRY; null: not given)")
    def country(self) -> str | None:
        return self.keys.get(Dimension.COUNTRY)

    @strawberry.field(description="The listed lost reason (grouped by LOST_REASON; null: none picked)")
    async def lost_reason(self, info: Info) -> LostReasonType | None:
        key = self._id(Dimension.LOST_REASON)
        return LostReasonType.of_maybe(await info.context.loaders.lost_reason.load(key)) if key else None

    @strawberry.field(description="The campaign the deal came from (grouped by CAMPAIGN; null: none, or one "
                      "you may not see)")
    async def campaign(self, info: Info) -> CampaignNode | None:
        key = self._id(Dimension.CAMPAIGN)
        return CampaignNode.of_maybe(await info.context.loaders.campaign.load(key)) if key else None

    @strawberry.field(description="Deals in the group (COUNT)")
    def count(self) -> int | None:
        return self._measure(DealReportMeasure.COUNT, self.tally.count)

    @strawberry.field(description="Their total amount in the base currency (SUM)")
    def sum(self) -> Money | None:
        return self._measure(DealReportMeasure.SUM, _money(self.tally.amount))

    @strawberry.field(description="Their total of amount × probability in the base currency (WEIGHTED_SUM)")
    def weighted_sum(self) -> Money | None:
        return self._measure(DealReportMeasure.WEIGHTED_SUM, _money(round(Decimal(self.tally.weighted) / 100)))

    @strawberry.field(description="Average amount per deal in the base currency (AVERAGE)")
    def average(self) -> Money | None:
        average = round(Decimal(self.tally.amount) / self.tally.count) if self.tally.count else 0
        return self._measure(DealReportMeasure.AVERAGE, _money(average))

    @strawberry.field(description="Won deals as a fraction of closed (won or lost) ones, 0..1; null when none "
                      "closed (WIN_RATE)")
    def win_rate(self) -> float | None:
        closed = self.tally.won + self.tally.lost
        return self._measure(DealReportMeasure.WIN_RATE, self.tally.won / closed if closed else None)

    @strawberry.field(description="Average days from creation to close of its closed deals; null when none "
                      "closed (CYCLE_DAYS)")
    def cycle_days(self) -> float | None:
        closed = self.tally.won + self.tally.lost
        return self._measure(DealReportMeasure.CYCLE_DAYS, self.tally.cycle_days / closed if closed else None)


def _money(minor: int) -> Money:
    return Money(amount=BigInt(minor), currency=get_settings().base_currency)


@strawberry.type(description="Deals you may see, grouped and measured in the database; money in the base currency")
class DealReport:
    groups: strawberry.Private[list[DealReportRow]]
    total: DealReportRow = strawberry.field(description="The measures over all groups together (no keys)")
    group_count: int = strawberry.field(description="How many groups there are (rows returns the first ones)")
    currency: str = strawberry.field(description="The base currency every amount is in")
    rates: list[ExchangeRateType] = strawberry.field(
        description="The exchange rates used, one per other currency among the deals, as set by admins"
    )
    rates_as_of: datetime | None = strawberry.field(
        description="When the newest of those rates was set (null: all deals are in the base currency)"
    )
    missing_rates: list[str] = strawberry.field(
        description="Currencies among the deals that have no rate: counted, but their amounts left out of sums"
    )

    @strawberry.field(description="Groups: by month first when grouped by month, then largest count first. "
                      f"{FIRST_DESCRIPTION}; groupCount tells whether more exist")
    def rows(self, first: int | None = None) -> list[DealReportRow]:
        return self.groups[:page_size(first)]


def _checked(input: DealReportInput) -> tuple[list[Dimension], frozenset[DealReportMeasure]]:
    dimensions = list(input.group_by)
    if not 1 <= len(dimensions) <= MAX_DIMENSIONS or len(set(dimensions)) != len(dimensions):
        raise BadUserInput("groupBy", f"give one or {MAX_DIMENSIONS} different dimensions")
    if not input.measures:
        raise BadUserInput("measures", "give at least one measure")
    return dimensions, frozenset(input.measures)


def _order(row: DealReportRow, dimensions: list[Dimension], places: dict[int, tuple[int, int]]) -> tuple[Any, ...]:
    """Months in time order, stages in their pipeline's order (a funnel reads top down), then most deals first."""
    month = row.keys.get(Dimension.CLOSE_MONTH)
    by_month = (month is None, month or date.min) if Dimension.CLOSE_MONTH in dimensions else ()
    by_stage = (places.get(row.keys[Dimension.STAGE], (0, 0)),) if Dimension.STAGE in dimensions else ()
    return (*by_month, *by_stage, -row.tally.count, tuple(str(row.keys[d]) for d in dimensions))


async def _hide_campaigns(info: Info, rows: list[dict[str, Any]], dimensions: list[Dimension]) -> None:
    """A campaign the caller may not see counts as none, so no group points at it (the campaign loader's rule;
    the rows' `campaign` fields then read the same cached campaigns)."""
    if Dimension.CAMPAIGN not in dimensions:
        return
    at = dimensions.index(Dimension.CAMPAIGN)
    ids = sorted({row["keys"][at] for row in rows} - {None})
    seen = {c.id for c in await info.context.loaders.campaign.load_many(ids) if c}
    for row in rows:
        if row["keys"][at] not in seen:
            row["keys"] = (*row["keys"][:at], None, *row["keys"][at + 1:])


async def deal_report(info: Info, deals: Any, input: DealReportInput) -> DealReport:
    """The report over `deals` (a query already narrowed by the caller's row rules and filters): one GROUP BY
    statement and one read of the rates, then arithmetic over the group rows."""
    dimensions, wanted = _checked(input)
    rows = await group_rows(deals, dimensions)
    await _hide_campaigns(info, rows, dimensions)
    table, set_at = await dated_rates()
    tallies = tally(rows, table)
    groups = [DealReportRow(keys=dict(zip(dimensions, keys, strict=True)), tally=tally, wanted=wanted)
              for keys, tally in tallies.items()]
    places = await stage_places() if Dimension.STAGE in dimensions else {}
    groups.sort(key=lambda group: _order(group, dimensions, places))
    total = Tally()
    for group in groups:
        total.add(group.tally)
    base = get_settings().base_currency
    used = sorted({row["currency"] for row in rows} - {base})
    rates = [ExchangeRateType(currency=c, rate=plain(table[c]), is_base=False, updated_at=set_at[c])
             for c in used if c in set_at]
    return DealReport(
        groups=groups,
        total=DealReportRow(keys={}, tally=total, wanted=wanted),
        group_count=len(groups),
        currency=base,
        rates=rates,
        rates_as_of=max((rate.updated_at for rate in rates if rate.updated_at), default=None),
        missing_rates=[c for c in used if c not in table],
    )
