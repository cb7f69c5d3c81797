"""Lead inputs, filters and the conversion result (the Lead type itself lives with contacts)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.schema.common import BigInt, DateTimeRange, SortDirection
from backend.schema.contacts import LeadStatus, LeadType
from backend.schema.custom_fields import CustomFieldFilter, CustomFieldValueInput

if TYPE_CHECKING:
    from backend.schema.customers import CustomerType
    from backend.schema.deals import DealType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
DealRef = Annotated["DealType", strawberry.lazy("backend.schema.deals")]


@strawberry.input(description="Which leads to list; all conditions given must hold")
class LeadFilter:
    status: list[LeadStatus] | None = strawberry.field(default=None, description="Any of these statuses")
    owner_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Owned by any of")
    customer_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Linked to any of")
    source: list[str] | None = strawberry.field(default=None, description="From any of these sources")
    created_at: DateTimeRange | None = strawberry.field(default=None, description="Created within")
    custom: list[CustomFieldFilter] | None = strawberry.field(default=None, description="Custom-field conditions")


@strawberry.enum(description="What to sort leads by")
class LeadOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TITLE = "title"
    STATUS = "status"


@strawberry.input(description="Sort order of leads")
class LeadOrder:
    field: LeadOrderField = strawberry.field(default=LeadOrderField.CREATED_AT, description="Sort key")
    custom_field: str | None = strawberry.field(
        default=None, description="Sort by this custom field's key instead of `field` (empty values last)"
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="A new lead (it starts as new)")
class CreateLeadInput:
    title: str = strawberry.field(description="What it is about (required)")
    source: str | None = strawberry.field(default=UNSET, description="Web form, referral, fair, import...")
    scope_of_work: str | None = strawberry.field(default=UNSET, description="Services of interest")
    company_name: str | None = strawberry.field(default=UNSET, description="Company, while no customer is linked")
    customer_id: strawberry.ID | None = strawberry.field(default=UNSET, description="An existing customer")
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The contact person")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Owner (default: you)")
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values; fields not sent get their default"
    )


@strawberry.input(description="Changes to a lead; fields left out stay as they are")
class UpdateLeadInput:
    id: strawberry.ID = strawberry.field(description="Lead id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    title: str | None = strawberry.field(default=UNSET, description="Title")
    source: str | None = strawberry.field(default=UNSET, description="Source")
    scope_of_work: str | None = strawberry.field(default=UNSET, description="Services of interest")
    company_name: str | None = strawberry.field(default=UNSET, description="Company name")
    customer_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Customer, or null")
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Contact, or null")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="New owner")
    status: LeadStatus | None = strawberry.field(
        default=UNSET, description="new → contacted → qualified; lost (with lostReason) from any open status"
    )
    lost_reason: str | None = strawberry.field(
        default=UNSET, description="Why it was lost: free text, or details of lostReasonId (one of them for lost)"
    )
    lost_reason_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A reason from lostReasons (the admins' list, as deals use) when marking it lost"
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )


@strawberry.input(description="The customer a conversion creates")
class NewCustomerInput:
    name: str = strawberry.field(description="Company name (required)")
    email: str = strawberry.field(description="Main email (required)")
    phone: str | None = strawberry.field(default=UNSET, description="Phone")
    website: str | None = strawberry.field(default=UNSET, description="Web site")
    city: str | None = strawberry.field(default=UNSET, description="City")
    country: str | None = strawberry.field(default=UNSET, description="ISO country code")
    industry: str | None = strawberry.field(default=UNSET, description="Industry")
    segment: str | None = strawberry.field(default=UNSET, description="Segment")


@strawberry.input(description="Turn a lead into a deal: link a customer (or create one) and open the deal")
class ConvertLeadInput:
    id: strawberry.ID = strawberry.field(description="Lead id")
    version: int = strawberry.field(description="The version you read")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Link this customer (default: the lead's own customer)"
    )
    new_customer: NewCustomerInput | None = strawberry.field(default=None, description="Or create this customer")
    pipeline_id: strawberry.ID | None = strawberry.field(default=None, description="Pipeline (default: the default)")
    deal_title: str | None = strawberry.field(default=None, description="Deal title (default: the lead's title)")
    amount: BigInt | None = strawberry.field(default=None, description="Deal value in minor units (default 0)")
    currency: str | None = strawberry.field(default=None, description="ISO code (default: the base currency)")


@strawberry.type(description="What a lead conversion did")
class ConvertLeadResult:
    lead: LeadType = strawberry.field(description="The lead, now converted")
    deal: DealRef = strawberry.field(description="The deal opened in the pipeline's first stage")
    customer: CustomerRef = strawberry.field(description="The customer linked or created")
