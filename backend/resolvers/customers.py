"""Customer queries and mutations: thin reads, and calls into services.customers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, cast

import strawberry
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Activity, CustomEntity, Customer, CustomField, Deal, SegmentEntity
from backend.reads.columns import selected_columns
from backend.reads.context import Info
from backend.reads.custom_order import paginate_ordered
from backend.reads.held_count import HeldCount
from backend.reads.paging import FIRST_DESCRIPTION, Connection
from backend.reads.similar_customers import similar_customers
from backend.schema.common import Deleted, provided
from backend.schema.customers import (
    ActivityAge,
    ChangeCustomerStatusInput,
    CreateCustomerInput,
    CreateNoteInput,
    CustomerDealCondition,
    CustomerFilter,
    CustomerOrder,
    CustomerOrderField,
    CustomerType,
    DeleteCustomerInput,
    NoteType,
    UpdateCustomerInput,
    UpdateNoteInput,
)
from backend.schema.merges import DuplicateReason, SameCustomer
from backend.services import custom_fields
from backend.services import customers as service
from backend.services import validate as v
from backend.services.matching import Record
from backend.services.search import customer_search_q

SAME_CUSTOMERS = 5


def filter_query(query: QuerySet, where: CustomerFilter | None) -> QuerySet:
    # Archived records leave the lists unless asked for (archive.py): the filter shows them instead.
    query = query.filter(archived_at__isnull=not (where is not None and where.archived))
    if where is None:
        return query
    if where.status:
        query = query.filter(status__in=list(where.status))
    if where.industry:
        query = query.filter(industry__in=[v.column_text("filter.industry", Customer, "industry", i) for i in where.industry])
    if where.segment:
        query = query.filter(segment__in=[v.column_text("filter.segment", Customer, "segment", s) for s in where.segment])
    if where.country:
        query = query.filter(country__in=[v.country("filter.country", c) for c in where.country])
    if where.account_manager_id:
        query = query.filter(
            account_manager_id__in=[v.parse_id("filter.accountManagerId", i) for i in where.account_manager_id]
        )
    if where.tag:
        # Tags are a JSON list; match the quoted element so "rail" does not match "railways".
        tag = v.text("filter.tag", where.tag, max_length=40)  # as tags are stored (validate.tags)
        query = query.filter(tag_index__contains=f"|{tag.lower()}|")
    if where.created and where.created.start:
        query = query.filter(created_at__gte=v.aware("filter.created.start", where.created.start))
    if where.created and where.created.end:
        query = query.filter(created_at__lte=v.aware("filter.created.end", where.created.end))
    if where.deal:
        query = query.filter(id__in=Subquery(_deals(where.deal).values("customer_id")))
    if where.last_activity:
        query = _activity_age(query, where.last_activity)
    if where.phase:
        query = query.filter(phase__in=list(where.phase))
    if where.high_level_status:
        query = query.filter(
            high_level_status_id__in=[v.parse_id("filter.highLevelStatus", i) for i in where.high_level_status]
        )
    return query


def _deals(where: CustomerDealCondition) -> QuerySet:
    deals = Deal.all()
    if where.stage_id:
        deals = deals.filter(stage_id__in=[v.parse_id("filter.deal.stageId", i) for i in where.stage_id])
    if where.amount and where.amount.min is not None:
        deals = deals.filter(amount__gte=v.money("filter.deal.amount.min", where.amount.min))
    if where.amount and where.amount.max is not None:
        deals = deals.filter(amount__lte=v.money("filter.deal.amount.max", where.amount.max))
    return deals


def _activity_age(query: QuerySet, age: ActivityAge) -> QuerySet:
    now = datetime.now(UTC)
    within = v.integer("filter.lastActivity.withinDays", age.within_days, minimum=1, maximum=36500)
    over = v.integer("filter.lastActivity.overDays", age.over_days, minimum=1, maximum=36500)
    if within is not None:
        recent = Activity.filter(customer_id__isnull=False, occurred_at__gte=now - timedelta(days=within))
        query = query.filter(id__in=Subquery(recent.values("customer_id")))
    if over is not None:
        # NOT IN over a subquery with no NULLs: a customer without any activity counts as quiet.
        recent = Activity.filter(customer_id__isnull=False, occurred_at__gte=now - timedelta(days=over))
        query = query.exclude(id__in=Subquery(recent.values("customer_id")))
    return query


async def narrowed(query: QuerySet, where: CustomerFilter | None, within: str = "filter", *,
                   probe: bool = False, fields: Mapping[str, CustomField] | None = None) -> QuerySet:
    """`query` under filter_query's conditions and the custom-field ones (those read their fields' definitions,
    unless given as `fields`); `within` names the filter's input in errors (a segment's `contactFilter`);
    `probe`: custom_fields.filtered's."""
    return await custom_fields.filtered(filter_query(query, where), CustomEntity.CUSTOMER, where.custom if where else None,
                                        within, probe=probe, fields=fields)


async def customers_matching(actor: Actor, where: CustomerFilter | None, *, probe: bool = False,
                             fields: Mapping[str, CustomField] | None = None) -> QuerySet:
    """The customers `actor` may see that meet `where`: the list's query, and export's. A saved segment
    (segmentId) is read first; `narrowed` holds every other condition (`probe`: the shape for one page)."""
    from backend.resolvers.segment_members import within_segment  # it reads filter_query from here

    narrow = await narrowed(Customer.filter(permissions.customer_rule(actor)), where, probe=probe, fields=fields)
    return await within_segment(actor, narrow, where, SegmentEntity.CUSTOMER)


async def counted_in_values(actor: Actor, where: CustomerFilter | None,
                            fields: Mapping[str, CustomField] | None = None) -> HeldCount | None:
    """The customers list's count in custom_value's covering indexes (reads.held_count), when that is exact:
    `actor`'s row rule is empty (admins, support, marketing: permissions.customer_rule) and `where` holds
    custom-field conditions that custom_value answers alone (custom_fields.holders) and nothing else, so the
    list is those holders less the archived ones, read through the partial index of archived customers (m0046).
    None otherwise: the list's own query counts (a salesperson's rule reaches through deals and teams)."""
    if where is None or not where.custom or not permissions.sees_everything(actor) or not _custom_alone(where):
        return None
    held = await custom_fields.holders(CustomEntity.CUSTOMER, where.custom, fields=fields)
    return None if held is None else HeldCount(held, Customer.filter(archived_at__isnull=False))


def _custom_alone(where: CustomerFilter) -> bool:
    """Whether every condition of `where` but its custom ones is left at its default (`archived`: false, the
    customers in use), so the list is "customers in use holding these values". Read from the input's fields
    rather than a list of them: a condition added later keeps the generic count until it is thought through."""
    return all(getattr(where, f.name) == f.default for f in dataclasses.fields(where) if f.name != "custom")


def visible_customers(info: Info) -> QuerySet:
    return Customer.filter(permissions.customer_rule(info.context.actor))


@strawberry.type
class CustomerQuery:
    @strawberry.field(description="One customer by id (NOT_FOUND when it does not exist or is not visible)")
    async def customer(self, info: Info, id: strawberry.ID) -> CustomerType:
        return CustomerType.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Customers you may see, filtered, searched, sorted and paged")
    async def customers(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
        search: Annotated[
            str | None, strawberry.argument(description="Name, email, phone or contact name fragment")
        ] = None,
    ) -> Connection[CustomerType]:
        actor, custom = info.context.actor, bool(filter and filter.custom)
        fields = await custom_fields.definitions(CustomEntity.CUSTOMER) if custom else None  # read once, used thrice
        query = await customers_matching(actor, filter, fields=fields)
        # The page in the shape that stops after it (custom_fields.filtered), the count in the one that counts.
        page = await customers_matching(actor, filter, probe=True, fields=fields) if custom else query
        if search and search.strip():
            query, page = query.filter(customer_search_q(search)), page.filter(customer_search_q(search))
            counted = None
        else:
            counted = await counted_in_values(actor, filter, fields)
        order = order_by or CustomerOrder(field=CustomerOrderField.NAME)
        return await paginate_ordered(
            page, CustomEntity.CUSTOMER, order, first=first, after=after,
            columns=selected_columns(info, CustomerType, Customer, ("edges", "node")), count_query=query, counter=counted,
        )

    @strawberry.field(
        description="Customers in use you may see that this one would likely duplicate — the same signals as "
        f"`duplicates` (email, phone, web domain, similar name without legal forms), at most {SAME_CUSTOMERS}, "
        "most likely first: to warn before creating a duplicate. `sameCustomerMatches` adds why."
    )
    async def same_customers(
        self,
        info: Info,
        name: Annotated[str | None, strawberry.argument(description="Company name")] = None,
        email: Annotated[str | None, strawberry.argument(description="Email")] = None,
        phone: Annotated[str | None, strawberry.argument(description="Phone")] = None,
        website: Annotated[str | None, strawberry.argument(description="Website")] = None,
    ) -> list[CustomerType]:
        matches = await _same_customers(info, name, email, phone, website)
        return [m.customer for m in matches]

    @strawberry.field(description=f"As sameCustomers, with each one's confidence and reasons (at most {SAME_CUSTOMERS})")
    async def same_customer_matches(
        self,
        info: Info,
        name: Annotated[str | None, strawberry.argument(description="Company name")] = None,
        email: Annotated[str | None, strawberry.argument(description="Email")] = None,
        phone: Annotated[str | None, strawberry.argument(description="Phone")] = None,
        website: Annotated[str | None, strawberry.argument(description="Website")] = None,
    ) -> list[SameCustomer]:
        return await _same_customers(info, name, email, phone, website)


async def _same_customers(
    info: Info, name: str | None, email: str | None, phone: str | None, website: str | None
) -> list[SameCustomer]:
    record = Record(
        id=None,
        name=v.text("name", name, max_length=200),
        email=v.text("email", email, max_length=254),
        phone=v.text("phone", phone, max_length=40),
        website=v.text("website", website, max_length=300),
    )
    matches = await similar_customers(info.context.actor, record, SAME_CUSTOMERS)
    rows = {c.id: c for c in await Customer.filter(id__in=[m.id for m in matches])}
    return [
        SameCustomer(
            customer=CustomerType.of(rows[cast(int, m.id)]),
            confidence=m.confidence,
            reasons=[DuplicateReason(signal=r.signal.value, value=r.value, score=r.score) for r in m.reasons],
        )
        for m in matches
        if m.id in rows
    ]


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(description="Create a customer")
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CustomerType:
        return CustomerType.of(await service.create_customer(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a customer's fields (send the version you read)")
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerType:
        data = provided(input)
        return CustomerType.of(await service.update_customer(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Move a customer along its status workflow, or block/unblock it")
    async def change_customer_status(self, info: Info, input: ChangeCustomerStatusInput) -> CustomerType:
        return CustomerType.of(await service.change_status(info.context.actor, input.id, input.version, input.status, input.reason))

    @strawberry.mutation(description="Delete a customer without deals")
    async def delete_customer(self, info: Info, input: DeleteCustomerInput) -> Deleted:
        deleted = await service.delete_customer(info.context.actor, input.id, input.version)
        return Deleted(id=strawberry.ID(str(deleted)))

    @strawberry.mutation(description="Add a note to a customer")
    async def create_note(self, info: Info, input: CreateNoteInput) -> NoteType:
        return NoteType.of(await service.create_note(info.context.actor, input.customer_id, input.body, input.pinned))

    @strawberry.mutation(description="Edit, pin or unpin a note")
    async def update_note(self, info: Info, input: UpdateNoteInput) -> NoteType:
        data = provided(input)
        return NoteType.of(await service.update_note(info.context.actor, data.pop("id"), data.pop("version"), data))
