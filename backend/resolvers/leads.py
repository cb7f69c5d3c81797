"""Lead queries and mutations: thin reads, and calls into services.leads."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import CustomEntity, Lead, LeadStatus
from backend.reads.context import Info
from backend.reads.custom_order import paginate_ordered
from backend.reads.paging import FIRST_DESCRIPTION, Connection
from backend.schema.common import SortDirection, provided
from backend.schema.contacts import LeadType
from backend.schema.customers import CustomerType
from backend.schema.deals import DealType
from backend.schema.leads import (
    ConvertLeadInput,
    ConvertLeadResult,
    CreateLeadInput,
    LeadFilter,
    LeadOrder,
    LeadOrderField,
    UpdateLeadInput,
)
from backend.services import custom_fields
from backend.services import leads as service
from backend.services import validate as v
from backend.services.search import ARCHIVED_DESCRIPTION, by_archived_links, indexed_search_q


def filter_leads(query: QuerySet, where: LeadFilter | None) -> QuerySet:
    if where is None:
        return query
    if where.status:
        query = query.filter(status__in=[LeadStatus(s) for s in where.status])
    if where.owner_id:
        query = query.filter(owner_id__in=[v.parse_id("filter.ownerId", i) for i in where.owner_id])
    if where.customer_id:
        query = query.filter(customer_id__in=[v.parse_id("filter.customerId", i) for i in where.customer_id])
    if where.source:
        query = query.filter(source__in=[v.column_text("filter.source", Lead, "source", s) for s in where.source])
    if where.created_at and where.created_at.start:
        query = query.filter(created_at__gte=v.aware("filter.createdAt.start", where.created_at.start))
    if where.created_at and where.created_at.end:
        query = query.filter(created_at__lte=v.aware("filter.createdAt.end", where.created_at.end))
    return query


async def leads_matching(actor: Actor, where: LeadFilter | None, search: str | None = None,
                         archived: bool | None = None) -> QuerySet:
    """The leads `actor` may see that meet the list's arguments: the list's query, and export's."""
    query = filter_leads(Lead.filter(permissions.lead_rule(actor)), where)
    query = await custom_fields.filtered(query, CustomEntity.LEAD, where.custom if where else None)
    query = by_archived_links(query, archived)
    if search and search.strip():
        query = query.filter(indexed_search_q("lead", search))
    return query


@strawberry.type
class LeadQuery:
    @strawberry.field(description="One lead by id (NOT_FOUND when it does not exist or is not visible)")
    async def lead(self, info: Info, id: strawberry.ID) -> LeadType:
        return LeadType.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Leads you may see, filtered, searched, sorted and paged")
    async def leads(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: LeadFilter | None = None,
        order_by: Annotated[LeadOrder | None, strawberry.argument(description="Default: newest first")] = None,
        search: Annotated[str | None, strawberry.argument(description="Words of the title or company")] = None,
        archived: Annotated[bool | None, strawberry.argument(description=ARCHIVED_DESCRIPTION)] = None,
    ) -> Connection[LeadType]:
        query = await leads_matching(info.context.actor, filter, search, archived)
        order = order_by or LeadOrder(field=LeadOrderField.CREATED_AT, direction=SortDirection.DESC)
        return await paginate_ordered(query, CustomEntity.LEAD, order, first=first, after=after)


@strawberry.type
class LeadMutation:
    @strawberry.mutation(description="Capture a lead")
    async def create_lead(self, info: Info, input: CreateLeadInput) -> LeadType:
        return LeadType.of(await service.create_lead(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a lead's fields or status (send the version you read)")
    async def update_lead(self, info: Info, input: UpdateLeadInput) -> LeadType:
        data = provided(input)
        return LeadType.of(await service.update_lead(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Convert a lead: link or create its customer and open a deal, all or nothing")
    async def convert_lead(self, info: Info, input: ConvertLeadInput) -> ConvertLeadResult:
        data = provided(input)
        if input.new_customer is not None:
            data["new_customer"] = provided(input.new_customer)
        lead, deal, customer = await service.convert_lead(info.context.actor, data.pop("id"), data.pop("version"), data)
        return ConvertLeadResult(lead=LeadType.of(lead), deal=DealType.of(deal), customer=CustomerType.of(customer))
