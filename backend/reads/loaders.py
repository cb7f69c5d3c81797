"""DataLoaders, built per request: every nested list costs one SQL statement, whatever the number of rows.

Nested lists are filtered by the same row rules as root lists (one subquery in the same statement),
so a nested field can never show a row its reader may not see.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise import connections
from tortoise.expressions import RawSQL
from tortoise.functions import Count, Max, Sum
from tortoise.models import Model
from tortoise.queryset import QuerySet, ValuesQuery

from backend import permissions
from backend.auth.actor import Actor
from backend.interop.tortoise import columns_of, converters, from_db_row, parameterized, partial_instances
from backend.models import (
    Activity,
    ActivityKind,
    Attachment,
    AttachmentRecord,
    AuditEntry,
    Campaign,
    CampaignSend,
    ConsentChange,
    Contact,
    Customer,
    CustomerPhaseChange,
    CustomerStatusChange,
    Deal,
    DealStageChange,
    Enrolment,
    Lead,
    LostReason,
    MailConsent,
    Note,
    PickListItem,
    Pipeline,
    QuotaChange,
    Role,
    SlaEvent,
    Stage,
    Team,
    Ticket,
    TicketMessage,
    TransitionEntity,
    User,
)
from backend.reads.columns import Columns, fetch, with_columns
from backend.services import workflows
from backend.services.currency import rates
from backend.services.engagement import series
from backend.services.referrals import Revenue, Standing, leaderboards, revenue

T = TypeVar("T")
M = TypeVar("M", bound=Model)

# Columns are qualified: a filter on the stage joins a table that has its own `probability`.
DEAL_WEIGHT = RawSQL('"deal"."amount" * "deal"."probability"')


def team_heads() -> QuerySet[User]:
    """Who may head a team: its active members with the sales_head role (the first by id, should there be two)."""
    return User.filter(role=Role.SALES_HEAD, active=True)


def deal_counts_of(deals: QuerySet[Deal]) -> ValuesQuery:
    """How many of `deals` are in each stage: one GROUP BY (a stage's dealCount, on both read paths)."""
    return deals.annotate(n=Count("id")).group_by("stage_id").values("stage_id", "n")


def deal_totals_of(deals: QuerySet[Deal]) -> ValuesQuery:
    """The count, amount and amount × probability of `deals` per pipeline, stage and currency: one GROUP BY (the
    pipeline board's figures, on both read paths)."""
    return (deals.annotate(n=Count("id"), total=Sum("amount"), weighted=Sum(DEAL_WEIGHT))  # type: ignore[arg-type]  # Tortoise runs RawSQL in Sum; its annotation omits it
            .group_by("pipeline_id", "stage_id", "currency")
            .values("pipeline_id", "stage_id", "currency", "n", "total", "weighted"))


def by_key(rows: Sequence[Any], keys: Sequence[Hashable], attr: str = "pk") -> list[Any]:
    found = {getattr(row, attr): row for row in rows}
    return [found.get(key) for key in keys]


def grouped(rows: Sequence[Any], keys: Sequence[Hashable], attr: str) -> list[list[Any]]:
    groups: dict[Hashable, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attr)].append(row)
    return [groups.get(key, []) for key in keys]


def rows_by_id(model: type[Model], *related: str) -> Callable[[Sequence[int]], Awaitable[list[Any]]]:
    async def load(keys: Sequence[int]) -> list[Any]:
        query = model.filter(pk__in=list(keys))
        if related:
            query = query.select_related(*related)
        return by_key(await query, keys)

    return load


async def newest_per_parent(
    query: QuerySet[M], parent: str, newest: str, limit: int, columns: Columns = None
) -> list[M]:
    """The newest `limit` rows of `query` for each value of `parent`, in one statement instead of one per
    parent: a window numbers the query's rows (its WHERE comes first, so row rules hold, and the parent's
    index finds them) and the first few of each parent are kept. Each parent's rows come newest first."""
    model = query.model
    numbered = query.annotate(
        rn=RawSQL(f'ROW_NUMBER() OVER (PARTITION BY "{parent}" ORDER BY "{newest}" DESC, "id" DESC)')
    )
    wanted = with_columns(columns, parent)
    inner, params = parameterized(numbered.values(*(wanted or columns_of(model)), "rn"))
    found = await connections.get("default").execute_query_dict(
        f'SELECT * FROM ({inner}) r WHERE r."rn" <= {int(limit)} ORDER BY r."rn"', params
    )
    if wanted is None:
        return [from_db_row(model, row) for row in found]
    convert = converters(model, wanted)
    return partial_instances(model, ({c: to_python(row[c]) for c, to_python in convert} for row in found))


class Loaders:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    @cached_property
    def user(self) -> DataLoader[int, User | None]:
        return DataLoader(rows_by_id(User))

    @cached_property
    def team(self) -> DataLoader[int, Team | None]:
        return DataLoader(rows_by_id(Team))

    @cached_property
    def quota_changes(self) -> DataLoader[int, list[QuotaChange]]:
        """A quota's settings, newest first (its history)."""

        async def load(keys: Sequence[int]) -> list[list[QuotaChange]]:
            rows = await QuotaChange.filter(quota_id__in=list(keys)).order_by("-set_at", "-id")
            return grouped(rows, keys, "quota_id")

        return DataLoader(load)

    @cached_property
    def team_head(self) -> DataLoader[int, User | None]:
        """A team's head: its active member with the sales_head role (the first, should there be two)."""

        async def load(keys: Sequence[int]) -> list[User | None]:
            heads = await team_heads().filter(team_id__in=list(keys)).order_by("-id")
            return by_key(heads, keys, "team_id")

        return DataLoader(load)

    @cached_property
    def members_of_team(self) -> DataLoader[int, list[User]]:
        async def load(keys: Sequence[int]) -> list[list[User]]:
            return grouped(await User.filter(team_id__in=list(keys)).order_by("name", "id"), keys, "team_id")

        return DataLoader(load)

    @cached_property
    def stage(self) -> DataLoader[int, Stage | None]:
        return DataLoader(rows_by_id(Stage, "pipeline"))

    @cached_property
    def pipeline(self) -> DataLoader[int, Pipeline | None]:
        return DataLoader(rows_by_id(Pipeline))

    @cached_property
    def lost_reason(self) -> DataLoader[int, LostReason | None]:
        return DataLoader(rows_by_id(LostReason))

    @cached_property
    def stages_of_pipeline(self) -> DataLoader[int, list[Stage]]:
        async def load(keys: Sequence[int]) -> list[list[Stage]]:
            rows = await Stage.filter(pipeline_id__in=list(keys)).order_by("position", "id")
            return grouped(rows, keys, "pipeline_id")

        return DataLoader(load)

    @cached_property
    def deal_count_of_stage(self) -> DataLoader[int, int]:
        """How many deals the reader may see in each stage: one GROUP BY for every stage asked for."""

        async def load(keys: Sequence[int]) -> list[int]:
            rows = await deal_counts_of(Deal.filter(permissions.deal_rule(self.actor), stage_id__in=list(keys)))
            counts = {row["stage_id"]: row["n"] for row in rows}
            return [counts.get(key, 0) for key in keys]

        return DataLoader(load)

    @cached_property
    def edits_of_deal(self) -> DataLoader[int, list[AuditEntry]]:
        """Each deal's audited edits (deal.update), oldest first: the before and after of the fields changed."""

        async def load(keys: Sequence[int]) -> list[list[AuditEntry]]:
            rows = await AuditEntry.filter(entity="deal", entity_id__in=[str(k) for k in keys],
                                           action="deal.update").order_by("at", "id")
            return grouped(rows, [str(k) for k in keys], "entity_id")

        return DataLoader(load)

    @cached_property
    def stage_history_of_deal(self) -> DataLoader[int, list[DealStageChange]]:
        async def load(keys: Sequence[int]) -> list[list[DealStageChange]]:
            rows = await DealStageChange.filter(deal_id__in=list(keys)).order_by("changed_at", "id")
            return grouped(rows, keys, "deal_id")

        return DataLoader(load)

    def deal_totals(self, key: Hashable, deals: Any) -> DataLoader[int, list[dict[str, Any]]]:
        """Count, amount and amount × probability of the `deals` query per pipeline, by stage and currency:
        one GROUP BY for every pipeline asked for (`key` names the filter that shaped `deals`)."""

        async def load(keys: Sequence[int]) -> list[list[dict[str, Any]]]:
            rows = await deal_totals_of(deals.filter(pipeline_id__in=list(keys)))
            groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                groups[row["pipeline_id"]].append(row)
            return [groups.get(k, []) for k in keys]

        return self._keyed(("deal_totals", key), load)

    @cached_property
    def customer(self) -> DataLoader[int, Customer | None]:
        return DataLoader(self._visible_by_id(Customer, permissions.customer_rule))

    @cached_property
    def contact(self) -> DataLoader[int, Contact | None]:
        return DataLoader(self._visible_by_id(Contact, permissions.contact_rule))

    @cached_property
    def contacts_changeable(self) -> DataLoader[tuple[int | None, int | None], bool]:
        """Whether the actor may change contacts at (customer id, owner id): one batch for a page of contacts."""

        async def load(keys: Sequence[tuple[int | None, int | None]]) -> list[bool]:
            return await permissions.may_change_contacts(self.actor, keys)

        return DataLoader(load)

    @cached_property
    def workflow(self) -> DataLoader[TransitionEntity, dict[str, frozenset[str]]]:
        """The status steps admins allow for an entity (services/workflows.py): read once per request and
        entity, however many rows ask for their allowed statuses."""

        async def load(keys: Sequence[TransitionEntity]) -> list[dict[str, frozenset[str]]]:
            return [await workflows.rules(key) for key in keys]

        return DataLoader(load)

    @cached_property
    def deal(self) -> DataLoader[int, Deal | None]:
        return DataLoader(self._visible_by_id(Deal, permissions.deal_rule, "stage"))

    @cached_property
    def lead(self) -> DataLoader[int, Lead | None]:
        return DataLoader(self._visible_by_id(Lead, permissions.lead_rule))

    @cached_property
    def activity(self) -> DataLoader[int, Activity | None]:
        return DataLoader(self._visible_by_id(Activity, permissions.activity_rule))

    @cached_property
    def campaign(self) -> DataLoader[int, Campaign | None]:
        return DataLoader(self._visible_by_id(Campaign, permissions.campaign_rule))

    def _visible_by_id(self, model: type[Model], rule: Callable[[Actor], Any], *related: str) -> Callable:
        async def load(keys: Sequence[int]) -> list[Any]:
            query = model.filter(rule(self.actor), pk__in=list(keys))
            return by_key(await (query.select_related(*related) if related else query), keys)

        return load

    def contacts_of_customer(self, columns: Columns = None) -> DataLoader[int, list[Contact]]:
        async def load(keys: Sequence[int]) -> list[list[Contact]]:
            # archived people (archive.py) leave the customer's list as they leave the contacts list
            query = Contact.filter(permissions.contact_rule(self.actor), customer_id__in=list(keys), archived_at__isnull=True)
            rows = await fetch(query.order_by("-is_primary", "name", "id"), with_columns(columns, "customer_id"))
            return grouped(rows, keys, "customer_id")

        return self._keyed(("contacts_of_customer", columns), load)

    def deals_of_customer(self, columns: Columns = None) -> DataLoader[int, list[Deal]]:
        async def load(keys: Sequence[int]) -> list[list[Deal]]:
            query = Deal.filter(permissions.deal_rule(self.actor), customer_id__in=list(keys))
            rows = await fetch(query.order_by("-created_at", "-id"), with_columns(columns, "customer_id"), "stage")
            return grouped(rows, keys, "customer_id")

        return self._keyed(("deals_of_customer", columns), load)

    @cached_property
    def attachment(self) -> DataLoader[str, Attachment | None]:
        """By id, for logos and pictures: the record showing it was read through its row rule."""
        async def load(keys: Sequence[str]) -> list[Attachment | None]:
            return by_key(await Attachment.filter(id__in=list(keys)), keys)

        return DataLoader(load)

    def attachments_of(self, record: AttachmentRecord) -> DataLoader[int, list[Attachment]]:
        """A record's files, newest first; the record was read through its row rule, so its files are seen."""
        async def load(keys: Sequence[int]) -> list[list[Attachment]]:
            column = f"{record.value}_id"
            rows = await Attachment.filter(**{f"{column}__in": list(keys)}).order_by("-created_at", "id")
            return grouped(rows, keys, column)

        return self._keyed(("attachments_of", record), load)

    def _keyed(self, key: Hashable, load: Callable[[Sequence[Any]], Awaitable[list[Any]]]) -> DataLoader:
        """One loader per key for the request (a key names what is loaded, and which columns)."""
        return self.once(key, lambda: DataLoader(load))

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value worked out once for the request, as a loader or the columns a field of the document reads."""
        memo = self.__dict__.setdefault("_once", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    @cached_property
    def messages_of_ticket(self) -> DataLoader[int, list[TicketMessage]]:
        """A ticket's conversation; the ticket itself was read through ticket_rule."""

        async def load(keys: Sequence[int]) -> list[list[TicketMessage]]:
            rows = await TicketMessage.filter(ticket_id__in=list(keys)).order_by("created_at", "id")
            return grouped(rows, keys, "ticket_id")

        return DataLoader(load)

    @cached_property
    def sla_events_of_ticket(self) -> DataLoader[int, list[SlaEvent]]:
        async def load(keys: Sequence[int]) -> list[list[SlaEvent]]:
            return grouped(await SlaEvent.filter(ticket_id__in=list(keys)).order_by("at", "id"), keys, "ticket_id")

        return DataLoader(load)

    @cached_property
    def notes_of_customer(self) -> DataLoader[int, list[Note]]:
        async def load(keys: Sequence[int]) -> list[list[Note]]:
            rows = await Note.filter(customer_id__in=list(keys)).order_by("-pinned", "-created_at", "-id")
            return grouped(rows, keys, "customer_id")

        return DataLoader(load)

    @cached_property
    def status_history_of_customer(self) -> DataLoader[int, list[CustomerStatusChange]]:
        async def load(keys: Sequence[int]) -> list[list[CustomerStatusChange]]:
            rows = await CustomerStatusChange.filter(customer_id__in=list(keys)).order_by("changed_at", "id")
            return grouped(rows, keys, "customer_id")

        return DataLoader(load)

    @cached_property
    def phase_history_of_customer(self) -> DataLoader[int, list[CustomerPhaseChange]]:
        async def load(keys: Sequence[int]) -> list[list[CustomerPhaseChange]]:
            rows = await CustomerPhaseChange.filter(customer_id__in=list(keys)).order_by("changed_at", "id")
            return grouped(rows, keys, "customer_id")

        return DataLoader(load)

    @cached_property
    def pick_list_item(self) -> DataLoader[int, PickListItem | None]:
        return DataLoader(rows_by_id(PickListItem))

    @cached_property
    def last_activity_at(self) -> DataLoader[int, datetime | None]:
        async def load(keys: Sequence[int]) -> list[datetime | None]:
            rows = (
                await Activity.filter(customer_id__in=list(keys))
                .annotate(last=Max("occurred_at"))
                .group_by("customer_id")
                .values("customer_id", "last")
            )
            found = {row["customer_id"]: row["last"] for row in rows}
            return [found.get(key) for key in keys]

        return DataLoader(load)

    def exchange_rates(self) -> asyncio.Future[dict[str, Any]]:
        """The rate table, read once per request however many fields ask for it at once."""
        if "_rates" not in self.__dict__:
            self.__dict__["_rates"] = asyncio.ensure_future(rates())
        return self.__dict__["_rates"]

    def recent_activities(
        self, owner: str, limit: int, kind: ActivityKind | None, columns: Columns = None
    ) -> DataLoader[int, list[Activity]]:
        """The newest `limit` activities of each customer, contact or deal (`owner`), in one statement."""
        return self._keyed(
            ("recent_activities", owner, limit, kind, columns),
            lambda keys: self._recent_activities(owner, limit, kind, columns, keys),
        )

    async def _recent_activities(
        self, owner: str, limit: int, kind: ActivityKind | None, columns: Columns, keys: Sequence[int]
    ) -> list[list[Activity]]:
        column = {"customer": "customer_id", "contact": "contact_id", "deal": "deal_id"}[owner]
        visible = Activity.filter(permissions.activity_rule(self.actor), **{f"{column}__in": list(keys)})
        if kind is not None:
            visible = visible.filter(kind=kind)
        rows = await newest_per_parent(visible, column, "occurred_at", limit, columns)
        return grouped(rows, keys, column)

    def recent_tickets(self, moment: str, limit: int) -> DataLoader[int, list[Ticket]]:
        """The `limit` tickets of each customer newest by `moment` (created_at, or resolved_at among the resolved
        ones), visible by ticket_rule: one statement for every customer asked, as their timelines need."""
        async def load(keys: Sequence[int]) -> list[list[Ticket]]:
            visible = Ticket.filter(permissions.ticket_rule(self.actor), customer_id__in=list(keys))
            if moment != "created_at":
                visible = visible.filter(**{f"{moment}__isnull": False})
            return grouped(await newest_per_parent(visible, "customer_id", moment, limit), keys, "customer_id")

        return self._keyed(("recent_tickets", moment, limit), load)

    def latest_enrolments(self, limit: int) -> DataLoader[int, list[Enrolment]]:
        """The newest `limit` enrolments of each campaign (campaigns already visible to the reader)."""
        return self._keyed(("latest_enrolments", limit), lambda keys: self._latest_enrolments(limit, keys))

    async def _latest_enrolments(self, limit: int, keys: Sequence[int]) -> list[list[Enrolment]]:
        rows = await newest_per_parent(Enrolment.filter(campaign_id__in=list(keys)), "campaign_id", "created_at", limit)
        return grouped(rows, keys, "campaign_id")

    def campaign_revenue(self) -> DataLoader[int, Revenue]:
        """Won deals from campaigns' leads: one statement for every campaign on the page."""
        async def load(keys: Sequence[int]) -> list[Revenue]:
            found = await revenue(keys)
            return [found[k] for k in keys]

        return self._keyed(("campaign_revenue",), load)

    def campaign_leaderboard(self, limit: int) -> DataLoader[int, list[Standing]]:
        """Referrers of campaigns (names of CRM users, counts and won revenue): three statements in all."""
        async def load(keys: Sequence[int]) -> list[list[Standing]]:
            found = await leaderboards(keys, limit)
            return [found[k] for k in keys]

        return self._keyed(("campaign_leaderboard", limit), load)

    @cached_property
    def mail_consent(self) -> DataLoader[str, MailConsent | None]:
        """The consent state of addresses (lower case): one statement for a page of contacts."""
        async def load(keys: Sequence[str]) -> list[MailConsent | None]:
            found = {row.email: row for row in await MailConsent.filter(email__in=list(keys))}
            return [found.get(k) for k in keys]

        return DataLoader(load)

    def consent_history(self, limit: int) -> DataLoader[str, list[ConsentChange]]:
        """The newest `limit` consent changes of each address."""
        async def load(keys: Sequence[str]) -> list[list[ConsentChange]]:
            rows = await newest_per_parent(ConsentChange.filter(email__in=list(keys)), "email", "occurred_at", limit)
            return grouped(rows, keys, "email")

        return self._keyed(("consent_history", limit), load)

    @cached_property
    def send_counts(self) -> DataLoader[int, dict[str, int]]:
        """Sends per status of campaigns: one GROUP BY for a page of campaigns."""
        async def load(keys: Sequence[int]) -> list[dict[str, int]]:
            rows = await (CampaignSend.filter(campaign_id__in=list(keys)).annotate(n=Count("id"))
                          .group_by("campaign_id", "status").values("campaign_id", "status", "n"))
            found: dict[int, dict[str, int]] = defaultdict(dict)
            for row in rows:
                status = row["status"].value if hasattr(row["status"], "value") else str(row["status"])
                found[row["campaign_id"]][status] = row["n"]
            return [found.get(k, {}) for k in keys]

        return DataLoader(load)

    def campaign_engagement(self, bucket: Any, start: datetime, end: datetime) -> DataLoader[int, list[Any]]:
        """Engagement time series of campaigns: one GROUP BY statement for every campaign on the page."""
        async def load(keys: Sequence[int]) -> list[list[Any]]:
            found = await series(list(keys), bucket, start, end)
            return [found[k] for k in keys]

        return self._keyed(("campaign_engagement", bucket, start, end), load)
