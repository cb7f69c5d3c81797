"""The contract's `dashboard` root field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from backend import permissions
from backend.models import QuotaPeriod, Role
from backend.reads import dashboard as reads
from backend.reads.context import Info
from backend.schema.dashboard import Dashboard
from backend.schema.figures import Scope
from backend.services import validate as v
from backend.services.currency import dated_rates
from backend.settings import get_settings

MAX_QUIET_DAYS = 365


@strawberry.type
class DashboardQuery:
    @strawberry.field(description="Your role's dashboard: a rep's own desk, a head's team, support's contacts, "
                      "marketing's campaigns, an admin's health; row rules decide which rows count")
    async def dashboard(
        self,
        info: Info,
        period: Annotated[QuotaPeriod, strawberry.argument(
            description="The period holding today that period figures cover")] = QuotaPeriod.MONTH,
        quiet_days: Annotated[int, strawberry.argument(
            description="Days without activity after which an open deal counts as stalled")] = 14,
    ) -> Dashboard:
        actor = info.context.actor
        permissions.require_role(actor)
        days = v.integer("quietDays", quiet_days, minimum=1, maximum=MAX_QUIET_DAYS) or 14
        table, set_at = await dated_rates()
        members = await reads.team_members(actor) if actor.role is Role.SALES_HEAD else None
        return Dashboard(
            scope=Scope(actor=actor, now=datetime.now(UTC), period=period, quiet_days=days, table=table),
            members=members, currency=get_settings().base_currency,
            rates_as_of=max(set_at.values(), default=None),
        )
