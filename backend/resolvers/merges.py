"""Duplicates, merges and archiving: thin reads, and calls into services.merges and services.archive."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.models import Contact, Customer
from backend.reads.context import Info
from backend.reads.duplicates import cursor_of, duplicate_groups
from backend.reads.paging import FIRST_DESCRIPTION, page_size
from backend.schema.common import Deleted
from backend.schema.contacts import ContactType
from backend.schema.customers import CustomerType
from backend.schema.merges import (
    ArchiveInput,
    DeleteNoteInput,
    DuplicateEntity,
    DuplicateGroup,
    DuplicateReason,
    EntityArg,
    MergedValue,
    MergeInput,
    MergeOutcome,
    MovedRows,
)
from backend.services import archive, merges
from backend.services import customers as customer_service
from backend.services.merges import CONTACT_FIELDS, CUSTOMER_FIELDS, MergePlan, MergeRequest


def _request(input: MergeInput) -> MergeRequest:
    return MergeRequest(
        keep_id=input.keep_id,
        records=[(record.id, record.version) for record in input.records],
        choices={choice.field: choice.from_id for choice in input.fields},
    )


def _outcome(plan: MergePlan, names: dict[str, str], *, kept: bool) -> MergeOutcome:
    customer = CustomerType.of(plan.kept) if kept and isinstance(plan.kept, Customer) else None
    contact = ContactType.of(plan.kept) if kept and isinstance(plan.kept, Contact) else None
    return MergeOutcome(
        kept_id=strawberry.ID(str(plan.kept.id)),
        merged_ids=[strawberry.ID(str(row.id)) for row in plan.merged],
        values=[MergedValue(field=api, value=str(plan.values[column] or "")) for api, column in names.items()],
        moved=[MovedRows(table=table, count=count) for table, count in plan.moved.items()],
        customer=customer,
        contact=contact,
    )


@strawberry.type
class MergeQuery:
    @strawberry.field(description="Likely duplicates among the customers or contacts you may see (archived ones "
                      "left out), grouped, most confident first: the same signals as the import")
    async def duplicates(
        self,
        info: Info,
        entity: EntityArg,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="cursor of the last group of the previous "
                                                                        "page")] = None,
    ) -> list[DuplicateGroup]:
        actor = info.context.actor
        groups = await duplicate_groups(actor, entity.value, page_size(first), after)
        ids = [i for group in groups for i in group.ids]
        customers = {c.id: c for c in await Customer.filter(id__in=ids)} if entity is DuplicateEntity.CUSTOMERS else {}
        contacts = {c.id: c for c in await Contact.filter(id__in=ids)} if entity is DuplicateEntity.CONTACTS else {}
        return [
            DuplicateGroup(
                confidence=group.confidence,
                reasons=[DuplicateReason(signal=r.signal.value, value=r.value, score=r.score) for r in group.reasons],
                customers=CustomerType.of_all([customers[i] for i in group.ids if i in customers]),
                contacts=ContactType.of_all([contacts[i] for i in group.ids if i in contacts]),
                cursor=cursor_of(group),
            )
            for group in groups
        ]

    @strawberry.field(description="What mergeCustomers or mergeContacts would do with this input, without doing it")
    async def merge_preview(self, info: Info, entity: EntityArg, input: MergeInput) -> MergeOutcome:
        actor = info.context.actor
        if entity is DuplicateEntity.CUSTOMERS:
            return _outcome(await merges.plan_customers(actor, _request(input)), CUSTOMER_FIELDS, kept=False)
        return _outcome(await merges.plan_contacts(actor, _request(input)), CONTACT_FIELDS, kept=False)


@strawberry.type
class MergeMutation:
    @strawberry.mutation(description="Merge customers into one: chosen fields, every related row moved to the kept "
                         "customer, the others archived; stale versions are refused (CONFLICT)")
    async def merge_customers(self, info: Info, input: MergeInput) -> MergeOutcome:
        plan = await merges.merge_customers(info.context.actor, _request(input))
        return _outcome(plan, CUSTOMER_FIELDS, kept=True)

    @strawberry.mutation(description="Merge contacts into one: chosen fields, their activities, deals and leads "
                         "moved to the kept contact, the others archived; stale versions are refused (CONFLICT)")
    async def merge_contacts(self, info: Info, input: MergeInput) -> MergeOutcome:
        plan = await merges.merge_contacts(info.context.actor, _request(input))
        return _outcome(plan, CONTACT_FIELDS, kept=True)

    @strawberry.mutation(description="Archive a customer: it leaves the lists (filter archived: true shows it) and keeps its history")
    async def archive_customer(self, info: Info, input: ArchiveInput) -> CustomerType:
        return CustomerType.of(await archive.set_customer_archived(info.context.actor, input.id, input.version, True))

    @strawberry.mutation(description="Bring an archived customer back into the lists")
    async def restore_customer(self, info: Info, input: ArchiveInput) -> CustomerType:
        return CustomerType.of(await archive.set_customer_archived(info.context.actor, input.id, input.version, False))

    @strawberry.mutation(description="Archive a contact: it leaves the lists (filter archived: true shows it) and keeps its history")
    async def archive_contact(self, info: Info, input: ArchiveInput) -> ContactType:
        return ContactType.of(await archive.set_contact_archived(info.context.actor, input.id, input.version, True))

    @strawberry.mutation(description="Bring an archived contact back into the lists")
    async def restore_contact(self, info: Info, input: ArchiveInput) -> ContactType:
        return ContactType.of(await archive.set_contact_archived(info.context.actor, input.id, input.version, False))

    @strawberry.mutation(description="Delete a note: its author, or a sales head or admin")
    async def delete_note(self, info: Info, input: DeleteNoteInput) -> Deleted:
        deleted = await customer_service.delete_note(info.context.actor, input.id, input.version)
        return Deleted(id=strawberry.ID(str(deleted)))
