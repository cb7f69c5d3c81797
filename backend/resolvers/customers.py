"""Customer queries and mutations: thin reads, and calls into services.customers."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend import permissions
from backend.models import Customer
from backend.reads.columns import selected_columns
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.common import Deleted, SortDirection, provided
from backend.schema.customers import (
    ChangeCustomerStatusInput,
    CreateCustomerInput,
    CreateNoteInput,
    CustomerFilter,
    CustomerOrder,
    CustomerOrderField,
    CustomerType,
    DeleteCustomerInput,
    NoteType,
    UpdateCustomerInput,
    UpdateNoteInput,
)
from backend.services import customers as service
from backend.services import validate as v
from backend.services.search import customer_search_q

SAME_CUSTOMERS = 5


def filter_query(query: QuerySet, where: CustomerFilter | None) -> QuerySet:
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
    return query


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
        query = filter_query(visible_customers(info), filter)
        if search and search.strip():
            query = query.filter(customer_search_q(search))
        order = order_by or CustomerOrder(field=CustomerOrderField.NAME)
        return await paginate(
            query, field=order.field.value, descending=order.direction is SortDirection.DESC, first=first, after=after,
            columns=selected_columns(info, CustomerType, Customer, ("edges", "node")),
        )

    @strawberry.field(
        description="Customers you may see with exactly this name or email (ignoring case and surrounding spaces), "
        f"at most {SAME_CUSTOMERS}: to warn before creating a duplicate"
    )
    async def same_customers(
        self,
        info: Info,
        name: Annotated[str | None, strawberry.argument(description="Company name")] = None,
        email: Annotated[str | None, strawberry.argument(description="Email")] = None,
    ) -> list[CustomerType]:
        wanted = Q()
        if cleaned_name := v.text("name", name, max_length=200):
            wanted |= Q(name__iexact=cleaned_name)
        if cleaned_email := v.text("email", email, max_length=254).lower():
            wanted |= Q(email=cleaned_email)  # stored lower-cased
        if not (cleaned_name or cleaned_email):
            return []
        return await visible_customers(info).filter(wanted).order_by("name", "id").limit(SAME_CUSTOMERS)


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
