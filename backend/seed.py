"""Demo data: the contract's demo users and teams, and a realistic, deterministic data set made through
the service layer (so it obeys every rule a user would meet, and each change has its audit entry).

The whole demo is written in one transaction: it is there completely or not at all, and team North
existing means it is there (running the seed again adds nothing). Each change is made as the demo user
who would make it, so authors, owners and task assignments are real and every permission rule holds;
the audit log records the seed's own actor (the CLI's), which is who really made them.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from backend.auth.actor import Actor
from backend.devidp import DEMO_USERS
from backend.models import (
    ActivityKind,
    CampaignStatus,
    ContactStatus,
    CustomerStatus,
    Deal,
    DealStageChange,
    EngagementEvent,
    QuotaPeriod,
    Role,
    Stage,
    StageKind,
    Team,
    Ticket,
    TicketMessage,
    TicketPriority,
    TicketStatus,
    User,
    Visibility,
)
from backend.seed_bench import seed_customers
from backend.seed_words import (
    ACTIVITY_TITLES,
    BRIEFS,
    CAMPAIGNS,
    COUNTRIES,
    CUSTOMER_STATUSES,
    EUR_RATES,
    FIRST_NAMES,
    INDUSTRIES,
    JOB_TITLES,
    LAST_NAMES,
    LEAD_SOURCES,
    LOST_REASONS,
    PREFIXES,
    PRODUCTS,
    SEGMENTS,
    TAGS,
    TASK_TITLES,
    TICKETS,
)
from backend.services import activities, campaigns, contacts, currency, customers, engagement, quotas, sla
from backend.services import deals as deal_service
from backend.services import leads as lead_service
from backend.services import tickets as ticket_service
from backend.services.business_time import add_business_minutes
from backend.services.periods import period_start
from backend.services.unit import diff, write
from backend.settings import get_settings

__all__ = ["seed_customers", "seed_demo", "seed_users"]


# CONTRACT.md, Roles and visibility: the dev identity provider's users (emails, names, roles), in these
# teams; `subject` (the OIDC sub) is the email.
TEAMS = {"head@example.com": "North", "rep@example.com": "North", "rep2@example.com": "South"}
MARKER_TEAM = "North"

DEMO_CUSTOMERS = 300


def _weighted(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class Demo:
    """One demo run: the random source, the clock and the demo users' actors."""

    def __init__(self, users: dict[str, User]) -> None:
        self.rng = random.Random(42)
        self.now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.users = users
        self.actors = {email: Actor.for_user(user, via="seed") for email, user in users.items()}
        self.customers: list[tuple[Any, str, str, int]] = []  # (customer, manager email, currency, primary contact)
        self.loose: list[tuple[int, str]] = []  # (contact without customer, owner email)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    async def run(self) -> None:
        await self.exchange_rates()
        await self.customers_and_contacts()
        await self.loose_contacts()
        await self.deals()
        await self.leads()
        await self.activities_and_tasks()
        await self.campaigns()
        await self.tickets()
        await self.quotas()

    async def exchange_rates(self) -> None:
        base = get_settings().base_currency
        system = Actor.system(via="seed")
        for code, eur in EUR_RATES.items():
            if code != base and base in EUR_RATES:
                await currency.set_exchange_rate(system, code, (eur / EUR_RATES[base]).quantize(Decimal("0.00000001")))

    def _manager(self) -> str:
        # North (head, rep) and South (rep2) manage different customers; deals owned across teams make a few visible to both.
        return _weighted(self.rng, (("rep@example.com", 4), ("head@example.com", 2), ("rep2@example.com", 4)))

    def _company(self, taken: set[str]) -> tuple[str, str, str]:
        while True:
            industry = self.rng.choice(list(INDUSTRIES))
            country = self.rng.choice(list(COUNTRIES))
            name = f"{self.rng.choice(PREFIXES)} {self.rng.choice(INDUSTRIES[industry])}"
            if name not in taken:
                taken.add(name)
                return name, industry, country

    async def customers_and_contacts(self) -> None:
        taken: set[str] = set()
        for _ in range(DEMO_CUSTOMERS):
            name, industry, country = self._company(taken)
            legal_form, phone_prefix, cities, money = COUNTRIES[country]
            domain = f"{_slug(name)}.example"
            manager = self._manager()
            actor = self.actors[manager]
            status = _weighted(self.rng, CUSTOMER_STATUSES)
            start = status if status in (CustomerStatus.DRAFT, CustomerStatus.PROSPECT) else CustomerStatus.ACTIVE
            customer = await customers.create_customer(actor, {
                "name": name,
                "legal_form": legal_form,
                "email": f"info@{domain}",
                "phone": f"{phone_prefix} {self.rng.randint(100, 999)} {self.rng.randint(100000, 999999)}",
                "website": f"https://www.{domain}",
                "street": f"{self.rng.choice(('Market', 'Station', 'Harbour', 'Mill', 'Park'))} Street {self.rng.randint(1, 120)}",
                "city": self.rng.choice(cities),
                "postcode": str(self.rng.randint(10000, 99999)),
                "country": country,
                "industry": industry,
                "segment": _weighted(self.rng, SEGMENTS),
                "tags": self.rng.sample(TAGS, self.rng.choice((0, 0, 1, 1, 2))),
                "description": f"{industry} company in {country}; {self.rng.choice(BRIEFS)}",
                "status": start,
                "account_manager_id": self.users[manager].id,
            })
            if status is not start:
                reason = "Unpaid invoices since last year" if status is CustomerStatus.BLOCKED else None
                customer = await customers.change_status(actor, customer.id, customer.version, status, reason)
            people = [await self._contact(actor, customer.id, domain, primary=index == 0)
                      for index in range(self.rng.choice((1, 2, 2, 3, 3, 4)))]
            self.customers.append((customer, manager, money, people[0].id))

    async def _contact(self, actor: Actor, customer_id: int | None, domain: str, primary: bool) -> Any:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        title, department = self.rng.choice(JOB_TITLES)
        status = self.rng.choice((ContactStatus.NEW, ContactStatus.HOT, ContactStatus.HOT, ContactStatus.COLD,
                                  ContactStatus.NOT_INTERESTED))
        return await contacts.create_contact(actor, {
            "name": f"{first} {last}",
            "email": f"{_slug(first)}.{_slug(last)}{self.rng.randint(1, 99)}@{domain}",
            "phone": f"+{self.rng.randint(30, 49)} {self.rng.randint(100, 999)} {self.rng.randint(10000, 99999)}",
            "job_title": title,
            "department": department,
            "is_primary": primary,
            "customer_id": customer_id,
            "status": status,
        })

    async def loose_contacts(self) -> None:
        """People met at fairs or writing to support, not yet at any customer: candidates for conversion."""
        for index in range(24):
            who = ("rep@example.com", "rep2@example.com", "support@example.com")[index % 3]
            contact = await self._contact(self.actors[who], None, f"{_slug(self.rng.choice(PREFIXES))}-prospect.example", False)
            self.loose.append((contact.id, who))

    async def leads(self) -> None:
        """Leads in every status: upsell leads at customers, and new companies met at fairs (some with
        the person the rep met); a few converted into deals, one of them creating its customer."""
        taken = {c.name for c, _, _, _ in self.customers}
        reps = ("rep@example.com", "head@example.com", "rep2@example.com")
        for index in range(60):
            at_customer = index % 3 != 0
            if at_customer:
                customer, owner, _, contact_id = self.rng.choice(
                    [c for c in self.customers if c[0].status in (CustomerStatus.ACTIVE, CustomerStatus.PROSPECT)])
                data: dict[str, Any] = {"customer_id": customer.id, "contact_id": contact_id}
                title = f"{self.rng.choice(PRODUCTS)} – {customer.name}"
            else:
                owner = reps[index % len(reps)]
                company, industry, country = self._company(taken)
                met = [c for c, who in self.loose if who == owner]
                data = {"company_name": company, "contact_id": self.rng.choice(met) if met else None}
                profile = {"name": company, "email": f"info@{_slug(company)}.example", "country": country,
                           "industry": industry, "segment": _weighted(self.rng, SEGMENTS)}
                title = f"{self.rng.choice(PRODUCTS)} – {company}"
            actor = self.actors[owner]
            lead = await lead_service.create_lead(actor, {
                **data, "title": title, "source": self.rng.choice(LEAD_SOURCES),
                "scope_of_work": self.rng.choice(("", "Two plants, about 40 machines.", "Pilot first, then roll-out.")),
            })
            fate = self.rng.choice(("new", "contacted", "qualified", "qualified", "lost", "converted"))
            if fate in ("contacted", "qualified", "lost"):
                reason = self.rng.choice(LOST_REASONS) if fate == "lost" else None
                lead = await lead_service.update_lead(actor, lead.id, lead.version, {"status": fate, "lost_reason": reason})
            elif fate == "converted":
                await lead_service.convert_lead(actor, lead.id, lead.version, {
                    "new_customer": None if at_customer else profile, "amount": self.rng.randint(10, 200) * 100_000, "currency": "EUR",
                })

    async def deals(self) -> None:
        """Deals in every stage of the default pipeline, in the customers' currencies, each moved stage by
        stage to where it is now (so the pipeline has a history and the timelines show the moves)."""
        stages = await Stage.filter(pipeline=await deal_service.pipeline_or_default(None)).order_by("position")
        open_stages = [s for s in stages if s.kind is StageKind.OPEN]
        closing = {kind: next(s for s in stages if s.kind is kind) for kind in (StageKind.WON, StageKind.LOST)}
        today = self.now.date()
        for customer, manager, money, contact_id in self.customers:
            if customer.status in (CustomerStatus.BLOCKED, CustomerStatus.DRAFT):
                continue
            live = customer.status in (CustomerStatus.ACTIVE, CustomerStatus.PROSPECT)
            for _ in range(self.rng.choice((0, 1, 1, 2)) if live else self.rng.choice((0, 1))):
                target = self.rng.choice((*open_stages, closing[StageKind.WON], closing[StageKind.WON],
                                          closing[StageKind.LOST])) if live else closing[StageKind.WON]
                await self._deal(self.actors[manager], customer, money, contact_id, open_stages, target, today)
        # A few deals owned across teams: South then sees those North customers too, as the contract says.
        admin = self.actors["admin@example.com"]
        north = [c for c in self.customers if _same_team(c[1], "rep@example.com") and c[0].status is CustomerStatus.ACTIVE]
        for customer, _, money, contact_id in north[:3]:
            await self._deal(admin, customer, money, contact_id, open_stages, open_stages[1], today,
                             owner=self.users["rep2@example.com"].id)
        await self.head_moves(open_stages)

    async def head_moves(self, open_stages: list[Stage]) -> None:
        """After a call with the customer, the head moves two of rep's open deals a stage on: moved by
        someone else, they land in rep's notifications."""
        head, rep = self.actors["head@example.com"], self.users["rep@example.com"]
        onward = {here.id: there for here, there in zip(open_stages, open_stages[1:], strict=False)}
        waiting = await Deal.filter(owner_id=rep.id, stage_id__in=list(onward)).order_by("id").limit(2)
        for deal in waiting:
            await deal_service.move_deal(head, deal.id, deal.version, onward[deal.stage_id].id, None)

    async def _deal(self, actor: Actor, customer: Any, money: str, contact_id: int, path: list[Stage], target: Stage,
                    today: date, owner: int | None = None) -> None:
        closed = target.kind is not StageKind.OPEN
        deal = await deal_service.create_deal(actor, {
            "title": f"{self.rng.choice(PRODUCTS)} – {customer.name}",
            "customer_id": customer.id,
            "contact_id": contact_id,
            "owner_id": owner,
            "amount": self.rng.choice((5, 8, 12, 20, 35, 50, 80, 120, 250)) * self.rng.randint(900, 1100) * 100,
            "currency": money if self.rng.random() < 0.7 else "EUR",
            "expected_close_date": today + timedelta(days=self.rng.randint(-90, -5) if closed else self.rng.randint(10, 150)),
            "stage_id": path[0].id,
        })
        steps = [s for s in path[1:] if s.position < target.position] + ([target] if target is not path[0] else [])
        if target.kind is StageKind.LOST:
            steps = steps[: self.rng.randint(0, len(steps) - 1)] + [target]
        for stage in steps:
            reason = self.rng.choice(LOST_REASONS) if stage.kind is StageKind.LOST else None
            deal = await deal_service.move_deal(actor, deal.id, deal.version, stage.id, reason)
        await self._backdate(deal.id, closed, deal.expected_close_date)

    async def _backdate(self, deal_id: int, closed: bool, expected: date | None) -> None:
        """A deal as if it had lived its life: opened weeks or months ago and, when closed, closed on its expected
        date, its stage moves spread in between, so cycle times and months of close read like a real team's.
        The services stamp everything "now"; only the dates are set afterwards. Its own random source (by deal),
        so the demo's other draws stay as they were."""
        dates = random.Random(deal_id)
        if closed and expected is not None:
            closed_at = datetime.combine(expected, time(9 + dates.randint(0, 8)), UTC)
            created_at = closed_at - timedelta(days=dates.randint(8, 110), hours=dates.randint(0, 8))
        else:
            created_at, closed_at = self.ago(dates.randint(3, 150) + dates.random()), None
        end = closed_at or self.now
        moves = await DealStageChange.filter(deal_id=deal_id).order_by("id")
        for i, move in enumerate(moves):
            # The first is the deal's opening; the others spread over its life, the last on the close date.
            at = created_at + (end - created_at) * (i / max(1, len(moves) - 1) if closed_at else i / len(moves))
            await DealStageChange.filter(id=move.id).update(changed_at=at)
        await Deal.filter(id=deal_id).update(created_at=created_at, **({"closed_at": closed_at} if closed_at else {}))

    async def activities_and_tasks(self) -> None:
        interactions = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE)
        for customer, manager, _, contact_id in self.customers:
            for _ in range(self.rng.randint(0, 5)):
                kind = self.rng.choice(interactions)
                values: dict[str, Any] = {
                    "kind": kind,
                    "title": self.rng.choice(ACTIVITY_TITLES[kind]),
                    "description": self.rng.choice(("", "Follow-up agreed.", "Sent the price list afterwards.")),
                    "duration_minutes": self.rng.choice((15, 30, 45, 60)) if kind is not ActivityKind.NOTE else None,
                    "outcome_name": self.rng.choice(("Positive", "Neutral", "Negative")) if kind is not ActivityKind.NOTE else None,
                    "occurred_at": self.ago(self.rng.uniform(1, 180)),
                    "customer_id": customer.id,
                }
                # Talks are with the primary contact, so contact pages have a timeline; a meeting ends when its
                # duration is over. No further random draws: the rest of the demo data stays as it was.
                if kind is not ActivityKind.NOTE:
                    values["contact_id"] = contact_id
                if kind is ActivityKind.MEETING:
                    values["ends_at"] = values["occurred_at"] + timedelta(minutes=values.pop("duration_minutes"))
                await activities.log_activity(self.actors[manager], values)
        await self.tasks()

    async def tasks(self) -> None:
        """Open tasks (a third of them overdue) and done ones, for every demo user who works on customers."""
        assignees = ("rep@example.com", "head@example.com", "rep2@example.com", "support@example.com")
        for index in range(90):
            assignee = assignees[index % len(assignees)]
            pool = [c for c, m, _, _ in self.customers if assignee == "support@example.com" or _same_team(m, assignee)]
            customer = self.rng.choice(pool)
            author = _task_author(assignee, index // len(assignees))
            due = self.now + timedelta(days=self.rng.uniform(-12, 21))
            task = await activities.log_activity(self.actors[author], {
                "kind": ActivityKind.TASK,
                "title": self.rng.choice(TASK_TITLES),
                "due_at": due,
                "priority": self.rng.choice(("low", "normal", "normal", "high")),
                "customer_id": customer.id,
                "assignee_id": self.users[assignee].id,
                "occurred_at": self.ago(self.rng.uniform(1, 20)),
            })
            if index % 5 == 0:
                await activities.complete_task(self.actors[assignee], task.id, task.version)

    async def campaigns(self) -> None:
        marketing = self.actors["marketing@example.com"]
        today = self.now.date()
        for spec in CAMPAIGNS:
            campaign = await campaigns.create_campaign(marketing, {
                "title": spec.title, "code": spec.code, "description": spec.description, "type": spec.type,
                "visibility": spec.visibility,
                "starts_on": today + timedelta(days=spec.starts), "ends_on": today + timedelta(days=max(spec.ends, 0)),
            })
            for status in spec.path:
                campaign = await campaigns.change_status(marketing, campaign.id, campaign.version, status)
                if status is CampaignStatus.ACTIVE and spec.visibility is Visibility.PUBLIC:
                    await self.engagement(campaign, since=-spec.starts, until=max(0, -spec.ends))
            if spec.ends < 0:  # a finished campaign ran until recently: its visits were taken while it was open
                campaign = await campaigns.update_campaign(
                    marketing, campaign.id, campaign.version, {"ends_on": today + timedelta(days=spec.ends)}
                )

    async def engagement(self, campaign: Any, since: int, until: int) -> None:
        """Visitors view, like and enrol through the public actions' own service calls."""
        visitor = Actor.anonymous()
        for n in range(self.rng.randint(80, 220)):
            seen = engagement.visitor_hash(f"demo-{campaign.code}-{n}")
            await engagement.record_view(visitor, campaign, seen)
            if self.rng.random() < 0.3:
                await engagement.like(visitor, campaign, seen)
            if self.rng.random() < 0.12:
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                values = engagement.clean_enrolment(f"{first} {last}", f"{_slug(first)}.{_slug(last)}{n}@mail.example",
                                                    True, None)
                await engagement.enrol(visitor, campaign, seen, values, source=self.rng.choice(("page", "embed")))
        # Those visits happened "now"; spread them over the days the campaign has run, so its
        # engagement chart has a history. Only the timestamps change, and only of demo rows.
        events = await EngagementEvent.filter(campaign_id=campaign.id)
        for event in events:
            event.occurred_at = self.ago(self.rng.uniform(until, since))
        await EngagementEvent.bulk_update(events, fields=["occurred_at"], batch_size=500)

    async def tickets(self) -> None:
        """The support queue (seed_words.TICKETS): tickets of active customers in every status and priority,
        worked through the ticket service as support would; the resolved and closed ones backdated so response
        and resolution times read like a real desk's, and one urgent ticket about to breach its first-response
        target. Its own random source, so the demo's other draws stay as they were."""
        rng = random.Random(20)
        active = [c for c in self.customers if c[0].status is CustomerStatus.ACTIVE]
        for spec in TICKETS:
            customer, _, _, contact_id = rng.choice(active)
            creator = self.actors["support@example.com"]
            ticket = await ticket_service.create_ticket(creator, {
                "subject": spec.subject, "description": spec.description, "customer_id": customer.id,
                "contact_id": contact_id, "priority": spec.priority, "channel": spec.channel,
                "category": spec.category, "assignee_id": self.users[spec.assignee].id if spec.assignee else None,
            })
            if spec.fate == "breaching":
                await self._about_to_breach(ticket)
            if spec.reply:  # a first public reply opens a new ticket
                await ticket_service.reply(creator, ticket.id, spec.reply)
            moves = {"open": (TicketStatus.OPEN,) if not spec.reply else (),
                     "pending": (TicketStatus.PENDING_CUSTOMER,), "resolved": (TicketStatus.RESOLVED,),
                     "closed": (TicketStatus.RESOLVED, TicketStatus.CLOSED)}
            for status in moves.get(spec.fate, ()):
                ticket = await ticket_service.change_status(creator, ticket.id, None, status)
            if spec.fate in ("resolved", "closed"):
                await self._backdate_ticket(ticket.id, spec.days_ago, rng)
                if spec.satisfaction is not None:
                    await ticket_service.rate(await Ticket.get(id=ticket.id), spec.satisfaction)

    async def _about_to_breach(self, ticket: Ticket) -> None:
        """Came in a while ago, so that its first-response target falls due within the next 40 minutes of the
        support calendar; at night or on a weekend (no business time ahead that soon) the one that fell due last.
        Either way it tops the queue's "breaching soon"; its clock is computed and armed as the service does."""
        cal, goal = await sla.calendar(), await sla.targets(TicketPriority(ticket.priority))
        now = datetime.now(UTC).replace(microsecond=0)
        start = now - timedelta(hours=2)
        for step in range(1, 6 * 24 * 6):  # back ten minutes at a time, up to six days (a long weekend)
            start = now - timedelta(minutes=10 * step)
            if add_business_minutes(start, goal.first_response, cal) <= now + timedelta(minutes=40):
                break
        await Ticket.filter(id=ticket.id).update(created_at=start)
        ticket.created_at = start
        values = sla.clock(ticket, ticket.status, now, cal, goal)
        await Ticket.filter(id=ticket.id).update(**values)
        for key, value in values.items():
            setattr(ticket, key, value)
        await sla.arm(ticket, cal, goal)

    async def _backdate_ticket(self, ticket_id: int, days_ago: float, rng: random.Random) -> None:
        """A finished ticket as if worked over its days: in `days_ago` days ago, answered within hours, resolved
        within days (and closed a day later); its messages at the reply's time."""
        created = self.ago(days_ago)
        answered = created + timedelta(minutes=rng.randint(20, 240))
        resolved = answered + timedelta(hours=rng.randint(2, 40))
        ticket = await Ticket.get(id=ticket_id)
        await Ticket.filter(id=ticket_id).update(
            created_at=created, first_responded_at=answered, resolved_at=resolved, paused_at=resolved,
            **({"closed_at": resolved + timedelta(days=1)} if ticket.closed_at else {}))
        await TicketMessage.filter(ticket_id=ticket_id).update(created_at=answered)

    async def quotas(self) -> None:
        """The quotas the head set for this quarter and this month: team North's, and each salesperson's share of
        it (the dashboard opens on the month, so its attainment bars show from the first visit)."""
        head = self.actors["head@example.com"]
        north = await Team.get(name="North")
        rep, own = self.users["rep@example.com"].id, self.users["head@example.com"].id
        for period, team, reps, heads in ((QuotaPeriod.QUARTER, 60_000_000, 35_000_000, None),
                                          (QuotaPeriod.MONTH, 25_000_000, 15_000_000, 10_000_000)):
            starts_on = period_start(period, self.now.date())
            await quotas.set_quota(head, team_id=north.id, period=period, starts_on=starts_on, amount=team,
                                   calls_per_week=40, meetings_per_week=10)
            await quotas.set_quota(head, user_id=rep, period=period, starts_on=starts_on, amount=reps,
                                   calls_per_week=25, meetings_per_week=6)
            if heads:
                await quotas.set_quota(head, user_id=own, period=period, starts_on=starts_on, amount=heads)


def _task_author(assignee: str, round_: int) -> str:
    """Who gives the task of this round to `assignee`: mostly they note their own to-dos, but the head hands
    rep every third one and rep asks the head for help with every fourth; tasks from someone else notify."""
    if assignee == "rep@example.com" and round_ % 3 == 1:
        return "head@example.com"
    if assignee == "head@example.com" and round_ % 4 == 2:
        return "rep@example.com"
    return assignee


def _same_team(manager: str, user: str) -> bool:
    north = ("rep@example.com", "head@example.com")
    return (manager in north) == (user in north)


async def seed_users() -> dict[str, User]:
    """The demo users and teams; a user who exists already keeps what was set, gaps are filled."""
    system = Actor.system(via="seed")
    found: dict[str, User] = {}
    async with write(system) as unit:
        teams = {}
        for name in sorted(set(TEAMS.values())):
            teams[name], created = await Team.get_or_create(name=name)
            if created:
                await unit.audit("team.create", "team", teams[name].id, {"name": [None, name]})
        for email, name, role in DEMO_USERS:
            team_id = teams[TEAMS[email]].id if email in TEAMS else None
            user = await User.get_or_none(email=email)
            if user is None:
                values: dict[str, Any] = {"email": email, "name": name, "subject": email, "role": Role(role), "team_id": team_id}
                user = await User.create(**values)
                await unit.audit("user.create", "user", user.id, diff({}, values))
            else:  # signed in before the seed ran: fill in what nobody set yet, change nothing set
                wanted = {"role": Role(role), "team_id": team_id}
                values = {key: value for key, value in wanted.items() if getattr(user, key) is None and value is not None}
                if values:
                    before = {key: getattr(user, key) for key in values}
                    await User.filter(id=user.id).update(**values)
                    await unit.audit("user.update", "user", user.id, diff(before, values))
                    user = await User.get(id=user.id)
            found[email] = user
    return found


async def seed_demo(actor: Actor | None = None) -> bool:
    """Create the demo data once; returns False (and changes nothing) when it is already there."""
    async with write(actor or Actor.system(via="seed")):
        if await Team.filter(name=MARKER_TEAM).exists():
            return False
        await Demo(await seed_users()).run()
    return True
