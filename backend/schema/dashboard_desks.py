"""The dashboards of the roles that do not sell: support (the contact pipeline, calls and meetings planned,
conversions, tickets), marketing (campaigns side by side, enrolments by month) and admins (users, tokens, jobs, mail,
the database's size)."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from backend.models import ContactStatus, QuotaPeriod
from backend.reads import dashboard as reads
from backend.reads.ticket_figures import ticket_figures
from backend.schema.campaigns import CampaignNode
from backend.schema.common import BigInt
from backend.schema.figures import KindCount, MonthCount, Scope
from backend.schema.tickets import TicketSummary
from backend.services.periods import period_start, utc_bounds

RECENT_DAYS = 30  # "recently" for sign-ins, token use and mail sent
CAMPAIGNS_SHOWN = 8
ENROLMENT_MONTHS = 6


@strawberry.type(description="Support's desk: the contact pipeline, calls and meetings planned, conversions, tickets")
class SupportDashboard:
    scope: strawberry.Private[Scope]

    @strawberry.field(description="Contacts per status (kind: new, hot, cold, not_interested, converted)")
    async def contacts_by_status(self) -> list[KindCount]:
        found = await reads.contacts_by_status(self.scope.actor)
        return [KindCount(kind=s.value, count=found.get(s.value, 0)) for s in ContactStatus]

    @strawberry.field(description="Calls and meetings planned from now to the end of the period, per kind")
    async def scheduled(self) -> list[KindCount]:
        s = self.scope
        found = await reads.scheduled(s.actor, s.now, utc_bounds(s.end, s.end)[0])
        return [KindCount(kind=kind, count=found.get(kind, 0)) for kind in ("call", "meeting")]

    @strawberry.field(description="Contacts converted in the period")
    async def conversions(self) -> int:
        s = self.scope
        return await reads.conversions(s.actor, s.start, s.end)

    @strawberry.field(description="Tickets: open, unassigned, breaching soon, breaches, response and resolution "
                      "times and satisfaction (as the ticketSummary query)")
    async def tickets(self) -> TicketSummary:
        return TicketSummary.of(await ticket_figures(self.scope.actor, self.scope.now))


@strawberry.type(description="One campaign's engagement")
class CampaignFigure:
    campaign: CampaignNode = strawberry.field(description="The campaign")
    views: int = strawberry.field(description="Views of its public page")
    likes: int = strawberry.field(description="Likes")
    enrolments: int = strawberry.field(description="Enrolments")
    enrolment_rate: float | None = strawberry.field(description="Enrolments ÷ views (null: no views)")


@strawberry.type(description="Marketing's desk: campaigns side by side and enrolments over time")
class MarketingDashboard:
    scope: strawberry.Private[Scope]

    @strawberry.field(description="The campaigns most enrolled in, side by side")
    async def campaigns(self) -> list[CampaignFigure]:
        rows = await reads.campaign_rows(self.scope.actor, CAMPAIGNS_SHOWN)
        return [CampaignFigure(campaign=CampaignNode.of(c), views=c.views, likes=c.likes, enrolments=c.enrolments,
                               enrolment_rate=c.enrolments / c.views if c.views else None) for c in rows]

    @strawberry.field(description=f"Enrolments per month over the last {ENROLMENT_MONTHS} months (UTC)")
    async def enrolments_by_month(self) -> list[MonthCount]:
        month = period_start(QuotaPeriod.MONTH, self.scope.today)
        months = [month]
        for _ in range(ENROLMENT_MONTHS - 1):
            months.insert(0, period_start(QuotaPeriod.MONTH, months[0] - timedelta(days=1)))
        found = await reads.enrolments_by_month(self.scope.actor, months[0])
        return [MonthCount(month=m, count=found.get(m, 0)) for m in months]


@strawberry.type(description="Counts that tell whether the CRM is healthy")
class AdminHealth:
    users_active: int = strawberry.field(description="Active users with a role")
    users_signed_in: int = strawberry.field(description="Active users who signed in recently")
    tokens_active: int = strawberry.field(description="API tokens not revoked")
    tokens_used: int = strawberry.field(description="Of them, used recently")
    jobs: list[KindCount] = strawberry.field(description="Background jobs per status (pending, running, done, failed)")
    mail_waiting: int = strawberry.field(description="Mail not sent yet")
    mail_sent: int = strawberry.field(description="Mail sent recently")
    mail_suppressed: int = strawberry.field(description="Marketing mail dropped recently (the person unsubscribed)")
    database_bytes: BigInt | None = strawberry.field(description="Size of the database in bytes")


@strawberry.type(description="The administrator's view of the CRM's health")
class AdminDashboard:
    scope: strawberry.Private[Scope]

    async def _health(self) -> reads.Health:
        return await reads.health(self.scope.now, RECENT_DAYS)

    @strawberry.field(description=f"Users, tokens, jobs and mail: counts over the last {RECENT_DAYS} days where "
                      "it says recent")
    async def health(self) -> AdminHealth:
        h = await self._health()
        return AdminHealth(
            users_active=h.users_active, users_signed_in=h.users_signed_in, tokens_active=h.tokens_active,
            tokens_used=h.tokens_used, jobs=[KindCount(kind=k, count=n) for k, n in sorted(h.jobs.items())],
            mail_waiting=h.mail_waiting, mail_sent=h.mail_sent, mail_suppressed=h.mail_suppressed,
            database_bytes=BigInt(h.database_bytes) if h.database_bytes is not None else None,
        )
