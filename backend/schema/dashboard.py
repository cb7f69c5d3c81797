"""The contract's `dashboard`: the landing page's figures for the caller's role. Each role's section is its own
type (backend.schema.dashboard_sales, dashboard_desks); only the caller's are filled in, and each field runs
only when asked, so a client pays for the figures it shows."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from backend.models import Role
from backend.schema.dashboard_desks import AdminDashboard, MarketingDashboard, SupportDashboard
from backend.schema.dashboard_sales import RepDashboard, TeamDashboard
from backend.schema.figures import Scope
from backend.schema.quotas import QuotaPeriod
from backend.schema.users import Role as RoleEnum
from backend.services.periods import period_end


@strawberry.type(description="Your dashboard: the sections your role works with, figures in the base currency")
class Dashboard:
    scope: strawberry.Private[Scope]
    members: strawberry.Private[list[int] | None]
    currency: str = strawberry.field(description="The base currency of every amount")
    rates_as_of: datetime | None = strawberry.field(description="When the newest exchange rate was set")

    @strawberry.field(description="Your role, which decides the sections filled in")
    def role(self) -> RoleEnum | None:
        return self.scope.actor.role

    @strawberry.field(description="The period of the \"this period\" figures (quotas, revenue, lost, activity)")
    def period(self) -> QuotaPeriod:
        return self.scope.period

    @strawberry.field(description="Its first day (UTC)")
    def starts_on(self) -> date:
        return self.scope.start

    @strawberry.field(description="Its last day (UTC)")
    def ends_on(self) -> date:
        return date.fromordinal(period_end(self.scope.period, self.scope.start).toordinal() - 1)

    @strawberry.field(description="Days without activity after which an open deal counts as stalled")
    def quiet_days(self) -> int:
        return self.scope.quiet_days

    @strawberry.field(description="Sales reps and heads: your own desk")
    def rep(self) -> RepDashboard | None:
        if self.scope.actor.role not in (Role.SALES_REP, Role.SALES_HEAD):
            return None
        # A head's own open deals are read from the team's grouping (one statement for both sections).
        return RepDashboard(scope=self.scope, owners=self.members or [self.scope.actor.user_id or 0])

    @strawberry.field(description="Sales heads: your team; admins: every salesperson")
    def team(self) -> TeamDashboard | None:
        if self.scope.actor.role not in (Role.SALES_HEAD, Role.ADMIN):
            return None
        return TeamDashboard(scope=self.scope, members=self.members)

    @strawberry.field(description="Support (and admins): contacts, calls and meetings, conversions")
    def support(self) -> SupportDashboard | None:
        return SupportDashboard(scope=self.scope) if self.scope.actor.role in (Role.SUPPORT, Role.ADMIN) else None

    @strawberry.field(description="Marketing (and admins): campaigns and enrolments")
    def marketing(self) -> MarketingDashboard | None:
        return MarketingDashboard(scope=self.scope) if self.scope.actor.role in (Role.MARKETING, Role.ADMIN) else None

    @strawberry.field(description="Admins: users, tokens, jobs, mail and the database")
    def admin(self) -> AdminDashboard | None:
        return AdminDashboard(scope=self.scope) if self.scope.actor.role is Role.ADMIN else None
