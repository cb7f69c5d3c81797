"""Duplicates and merges as the API shows them: groups of likely duplicates, the merge input and its result."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from backend.schema.contacts import ContactType
from backend.schema.customers import CustomerType


@strawberry.enum(description="Which records to look for duplicates among")
class DuplicateEntity(Enum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"


@strawberry.type(description="Why records look alike")
class DuplicateReason:
    signal: str = strawberry.field(description="email, phone, domain or name")
    value: str = strawberry.field(description="What they share: the normalised email, phone digits, domain, or the names compared")
    score: float = strawberry.field(description="1 for an exact key; the fuzzy ratio (0.88–1) for names")


@strawberry.type(description="Records that are probably one, most confident groups first")
class DuplicateGroup:
    confidence: float = strawberry.field(description="0–1: how sure the match is")
    reasons: list[DuplicateReason] = strawberry.field(description="The signals shared")
    customers: list[CustomerType] = strawberry.field(description="The customers (entity CUSTOMERS)")
    contacts: list[ContactType] = strawberry.field(description="The contacts (entity CONTACTS)")
    cursor: str = strawberry.field(default="", description="Pass as `after` for the groups ranked after this one")


@strawberry.type(description="A customer that one being created would likely duplicate, and why")
class SameCustomer:
    customer: CustomerType = strawberry.field(description="The customer already in the CRM")
    confidence: float = strawberry.field(description="0–1: how sure the match is")
    reasons: list[DuplicateReason] = strawberry.field(description="The signals shared")


@strawberry.input(description="One record of a merge, with the version you read")
class MergeRecordInput:
    id: strawberry.ID = strawberry.field(description="Record id")
    version: int = strawberry.field(description="The version you read (stale → CONFLICT)")


@strawberry.input(description="Which record a field's value is taken from")
class MergeFieldInput:
    field: str = strawberry.field(description="Field name as in the API, e.g. email, legalForm, jobTitle")
    from_id: strawberry.ID = strawberry.field(description="Id of the record whose value is kept")


@strawberry.input(description="Merge two or more records into one")
class MergeInput:
    keep_id: strawberry.ID = strawberry.field(description="The record that stays (its id, history and links)")
    records: list[MergeRecordInput] = strawberry.field(description="Every record of the merge, the kept one included")
    fields: list[MergeFieldInput] = strawberry.field(
        default_factory=list,
        description="Values taken from another record; a field not named keeps the kept record's value "
        "(or, where that is empty, the first non-empty one)",
    )


@strawberry.type(description="Rows of one table that move to the kept record")
class MovedRows:
    table: str = strawberry.field(description="contact, deal, lead, activity, note, customer_status_change, customer_phase_change")
    count: int = strawberry.field(description="How many rows")


@strawberry.type(description="A field's value after the merge")
class MergedValue:
    field: str = strawberry.field(description="Field name as in the API")
    value: str = strawberry.field(description="The value kept")


@strawberry.type(description="What a merge does (preview) or did")
class MergeOutcome:
    kept_id: strawberry.ID = strawberry.field(description="The record that stays")
    merged_ids: list[strawberry.ID] = strawberry.field(description="The records archived into it")
    values: list[MergedValue] = strawberry.field(description="The kept record's chosen fields")
    moved: list[MovedRows] = strawberry.field(description="Related rows moved, per table")
    customer: CustomerType | None = strawberry.field(description="The kept customer (mergeCustomers)")
    contact: ContactType | None = strawberry.field(description="The kept contact (mergeContacts)")


@strawberry.input(description="Archive or restore a record")
class ArchiveInput:
    id: strawberry.ID = strawberry.field(description="Record id")
    version: int = strawberry.field(description="The version you read")


@strawberry.input(description="Delete a note")
class DeleteNoteInput:
    id: strawberry.ID = strawberry.field(description="Note id")
    version: int = strawberry.field(description="The version you read")


EntityArg = Annotated[DuplicateEntity, strawberry.argument(description="customers or contacts")]
