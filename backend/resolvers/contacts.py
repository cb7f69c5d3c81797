"""Contact queries and mutations: thin reads, and calls into services.contacts."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Contact, CustomEntity, SegmentEntity
from backend.reads.columns import selected_columns
from backend.reads.context import Info
from backend.reads.custom_order import paginate_ordered
from backend.reads.paging import FIRST_DESCRIPTION, Connection
from backend.schema.common import Deleted, provided
from backend.schema.contacts import (
    ContactFilter,
    ContactOrder,
    ContactOrderField,
    ContactType,
    ConvertContactInput,
    ConvertContactResult,
    CreateContactInput,
    DeleteContactInput,
    SetPrimaryContactInput,
    UpdateContactInput,
)
from backend.schema.customers import CustomerType
from backend.services import contacts as service
from backend.services import custom_fields
from backend.services import validate as v
from backend.services.search import indexed_search_q


def filter_query(query: QuerySet, where: ContactFilter | None) -> QuerySet:
    # Archived records leave the lists unless asked for (archive.py): the filter shows them instead.
    query = query.filter(archived_at__isnull=not (where is not None and where.archived))
    if where is None:
        return query
    if where.status:
        query = query.filter(status__in=list(where.status))
    if where.customer_id:
        query = query.filter(customer_id__in=[v.parse_id("filter.customerId", i) for i in where.customer_id])
    if where.owner_id:
        query = query.filter(owner_id__in=[v.parse_id("filter.ownerId", i) for i in where.owner_id])
    if where.has_customer is not None:
        query = query.filter(customer_id__isnull=not where.has_customer)
    if where.is_primary is not None:
        query = query.filter(is_primary=where.is_primary)
    if where.created and where.created.start:
        query = query.filter(created_at__gte=v.aware("filter.created.start", where.created.start))
    if where.created and where.created.end:
        query = query.filter(created_at__lte=v.aware("filter.created.end", where.created.end))
    return query


async def narrowed(query: QuerySet, where: ContactFilter | None, within: str = "filter") -> QuerySet:
    """`query` under filter_query's conditions and the custom-field ones (those read their fields' definitions);
    `within` names the filter's input in errors (a segment's `contactFilter`)."""
    return await custom_fields.filtered(filter_query(query, where), CustomEntity.CONTACT, where.custom if where else None,
                                        within)


async def contacts_matching(actor: Actor, where: ContactFilter | None) -> QuerySet:
    """The contacts `actor` may see that meet `where`: the list's query, and export's. A saved segment
    (segmentId) is read first; `narrowed` holds every other condition."""
    from backend.resolvers.segment_members import within_segment  # it reads filter_query from here

    return await within_segment(actor, await narrowed(Contact.filter(permissions.contact_rule(actor)), where), where,
                                SegmentEntity.CONTACT)


@strawberry.type
class ContactQuery:
    @strawberry.field(description="One contact by id (NOT_FOUND when it does not exist or is not visible)")
    async def contact(self, info: Info, id: strawberry.ID) -> ContactType:
        return ContactType.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Contacts you may see, filtered, searched, sorted and paged")
    async def contacts(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: ContactFilter | None = None,
        order_by: ContactOrder | None = None,
        search: Annotated[str | None, strawberry.argument(description="Name, email or phone fragment")] = None,
    ) -> Connection[ContactType]:
        query = await contacts_matching(info.context.actor, filter)
        if search and search.strip():
            query = query.filter(indexed_search_q("contact", search))
        order = order_by or ContactOrder(field=ContactOrderField.NAME)
        return await paginate_ordered(
            query, CustomEntity.CONTACT, order, first=first, after=after,
            columns=selected_columns(info, ContactType, Contact, ("edges", "node")),
        )


@strawberry.type
class ContactMutation:
    @strawberry.mutation(description="Create a contact, at a customer or not yet")
    async def create_contact(self, info: Info, input: CreateContactInput) -> ContactType:
        return ContactType.of(await service.create_contact(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a contact's fields, status, owner, customer or primary flag")
    async def update_contact(self, info: Info, input: UpdateContactInput) -> ContactType:
        data = provided(input)
        return ContactType.of(await service.update_contact(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Make a contact its customer's primary contact (the previous one is unmarked)")
    async def set_primary_contact(self, info: Info, input: SetPrimaryContactInput) -> ContactType:
        return ContactType.of(await service.update_contact(info.context.actor, input.id, input.version, {"is_primary": True}))

    @strawberry.mutation(description="Convert a contact to a customer (new or existing); converted is final")
    async def convert_contact(self, info: Info, input: ConvertContactInput) -> ConvertContactResult:
        data = provided(input)
        done = await service.convert_contact(info.context.actor, data.pop("id"), data.pop("version"), data)
        return ConvertContactResult(
            contact=ContactType.of(done.contact),
            customer=CustomerType.of(done.customer),
            customer_created=done.customer_created,
        )

    @strawberry.mutation(description="Delete a contact without history (refused for one with activities, deals or leads)")
    async def delete_contact(self, info: Info, input: DeleteContactInput) -> Deleted:
        deleted = await service.delete_contact(info.context.actor, input.id, input.version)
        return Deleted(id=strawberry.ID(str(deleted)))
