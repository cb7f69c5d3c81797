"""Reports over deals: the contract's `report(input)`, narrowed exactly as the `deals` list narrows."""

from __future__ import annotations

import strawberry

from backend import permissions
from backend.permissions import Action
from backend.reads.context import Info
from backend.resolvers.deals import listed_deals
from backend.schema.reports import DealReport, DealReportInput, deal_report


@strawberry.type
class ReportQuery:
    @strawberry.field(description="Deals you may see, grouped by one or two dimensions and measured in the "
                      "database: count, sums in the base currency, average, win rate, cycle time (admins, sales heads and reps)")
    async def report(self, info: Info, input: DealReportInput) -> DealReport:
        permissions.require(info.context.actor, Action.READ_REPORTS)
        return await deal_report(info, await listed_deals(info, input.filter, input.search, input.archived), input)
