"""Contacts and leads as the API shows them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import Contact, CustomEntity, Lead, TransitionEntity
from backend.models import ContactStatus as ContactStatusModel
from backend.models import LeadStatus as LeadStatusModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.reads.nested import newest_activities
from backend.schema.attachments import AttachmentRecord, AttachmentType, attachments_of
from backend.schema.common import DateTimeRange, SortDirection
from backend.schema.custom_fields import CustomFieldFilter, CustomFieldValue, CustomFieldValueInput, record_values
from backend.schema.customers import ActivityKindEnum
from backend.schema.lost_reasons import LostReasonType, picked_reason
from backend.schema.mailing import MailConsentType
from backend.schema.profiles import SocialLink, SocialLinkInput, image, links_of
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import contacts as contact_service
from backend.services.leads import allowed_next

if TYPE_CHECKING:
    from backend.schema.activities import ActivityType
    from backend.schema.customers import CustomerType
    from backend.schema.deals import DealType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
ActivityRef = Annotated["ActivityType", strawberry.lazy("backend.schema.activities")]

# The API's enums are the models' own Enum classes, registered with strawberry.enum (which returns the class
# it registers); the names are aliases, so the type checker sees the Enum.
ContactStatus = ContactStatusModel
strawberry.enum(ContactStatus, name="ContactStatus", description="new, hot, cold, not interested, or converted (final)"
)
LeadStatus = LeadStatusModel
strawberry.enum(LeadStatus, name="LeadStatus", description="new → contacted → qualified → converted, or lost")


async def _customer(info: Info, customer_id: int | None) -> CustomerType | None:
    from backend.schema.customers import CustomerType

    return CustomerType.of_maybe(await info.context.loaders.customer.load(customer_id)) if customer_id else None


async def _user(info: Info, user_id: int | None) -> UserType | None:
    return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None


@strawberry.type(name="Contact", description="A person, at a customer or not (yet)")
class ContactType(Shows[Contact]):
    id: strawberry.ID = strawberry.field(description="Contact id")
    name: str = strawberry.field(description="Full name")
    email: str = strawberry.field(description="Email")
    phone: str = strawberry.field(description="Direct phone")
    job_title: str = strawberry.field(description="Job title")
    department: str = strawberry.field(description="Team or department")
    role_at_customer: str = strawberry.field(description="Role in the relationship, e.g. decision maker")
    is_primary: bool = strawberry.field(description="The customer's main contact (at most one per customer)")
    status: ContactStatus = strawberry.field(description="Contact status")
    version: int = strawberry.field(description="Send it back with updateContact")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")
    archived_at: datetime | None = strawberry.field(description="When it was archived (or merged away); null when in use")

    @strawberry.field(description="Links to their profiles on the web (LinkedIn, X, …)", metadata=reads("social_links"))
    @staticmethod
    def social_links(contact: strawberry.Parent[Contact]) -> list[SocialLink]:
        return links_of(contact.social_links)

    @strawberry.field(description="Their picture: one of their image attachments", metadata=reads("picture_id"))
    @staticmethod
    async def picture(contact: strawberry.Parent[Contact], info: Info) -> AttachmentType | None:
        return await image(info, contact.picture_id)

    @strawberry.field(description="Files attached to it, newest first", metadata=reads())
    @staticmethod
    async def attachments(contact: strawberry.Parent[Contact], info: Info) -> list[AttachmentType]:
        return await attachments_of(info, AttachmentRecord.CONTACT, contact.id)

    @strawberry.field(description="Custom fields in use on contacts, with this one's values", metadata=reads())
    @staticmethod
    async def custom_fields(contact: strawberry.Parent[Contact], info: Info) -> list[CustomFieldValue]:
        return await record_values(info, CustomEntity.CONTACT, contact.id)

    @strawberry.field(description="Whether its address receives marketing email, with the history (null without email)",
                      metadata=reads("email"))
    @staticmethod
    async def mail_consent(row: strawberry.Parent[Contact], info: Info) -> MailConsentType | None:
        if not row.email:
            return None
        email = row.email.strip().lower()
        return MailConsentType(email=email, state=await info.context.loaders.mail_consent.load(email))

    @strawberry.field(description="The record it was merged into, when it was", metadata=reads("merged_into_id"))
    @staticmethod
    def merged_into_id(row: strawberry.Parent[Contact]) -> strawberry.ID | None:
        return strawberry.ID(str(row.merged_into_id)) if row.merged_into_id else None

    @strawberry.field(description="The customer this person works for", metadata=reads("customer_id"))
    @staticmethod
    async def customer(contact: strawberry.Parent[Contact], info: Info) -> CustomerRef | None:
        return await _customer(info, contact.customer_id)

    @strawberry.field(description="The salesperson who owns this contact", metadata=reads("owner_id"))
    @staticmethod
    async def owner(contact: strawberry.Parent[Contact], info: Info) -> UserType | None:
        return await _user(info, contact.owner_id)

    @strawberry.field(
        description="Statuses this contact may move to next (converted only through convertContact)",
        metadata=reads("status")
    )
    @staticmethod
    async def allowed_statuses(contact: strawberry.Parent[Contact], info: Info) -> list[ContactStatus]:
        return contact_service.allowed_next(contact, await info.context.loaders.workflow.load(TransitionEntity.CONTACT))

    @strawberry.field(
        description="What you may do with this contact (updateContact, convertContact, deleteContact): your "
        "role's actions narrowed by who runs its customer",
        metadata=reads("customer_id", "owner_id", "status", "merged_into_id"),
    )
    @staticmethod
    async def allowed_actions(contact: strawberry.Parent[Contact], info: Info) -> list[str]:
        may_change = await info.context.loaders.contacts_changeable.load((contact.customer_id, contact.owner_id))
        steps = await info.context.loaders.workflow.load(TransitionEntity.CONTACT)
        return contact_service.row_actions(info.context.actor, contact, may_change, steps)

    @strawberry.field(description="The newest activities with this person, newest first", metadata=reads())
    @staticmethod
    async def activities(
        contact: strawberry.Parent[Contact],
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 10,
        kind: Annotated[ActivityKindEnum | None, strawberry.argument(description="Only this kind")] = None,
    ) -> list[ActivityRef]:
        from backend.schema.activities import ActivityType

        return ActivityType.of_all(await newest_activities(info, ActivityType, "contact", contact.id, first, kind))


@strawberry.input(description="Which contacts to list; all conditions must hold")
class ContactFilter:
    status: list[ContactStatus] | None = strawberry.field(default=None, description="Any of these statuses")
    customer_id: list[strawberry.ID] | None = strawberry.field(default=None, description="At any of these customers")
    owner_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Owned by any of these users")
    has_customer: bool | None = strawberry.field(default=None, description="Linked to a customer (true) or not (false)")
    is_primary: bool | None = strawberry.field(default=None, description="Primary contacts only (true) or others")
    created: DateTimeRange | None = strawberry.field(default=None, description="Created within")
    archived: bool = strawberry.field(default=False, description="Archived (and merged) contacts instead of those in use")
    custom: list[CustomFieldFilter] | None = strawberry.field(default=None, description="Custom-field conditions")
    segment_id: strawberry.ID | None = strawberry.field(
        default=None, description="Members of this saved contact segment (see `segments`) that you may see"
    )


@strawberry.enum(description="What to sort contacts by")
class ContactOrderField(Enum):
    NAME = "name"
    EMAIL = "email"
    STATUS = "status"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="Sort order of contacts")
class ContactOrder:
    field: ContactOrderField = strawberry.field(default=ContactOrderField.NAME, description="Sort key")
    custom_field: str | None = strawberry.field(
        default=None, description="Sort by this custom field's key instead of `field` (empty values last)"
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="A new contact")
class CreateContactInput:
    name: str = strawberry.field(description="Full name (required)")
    email: str = strawberry.field(description="Email (required)")
    phone: str | None = strawberry.field(default=UNSET, description="Direct phone")
    job_title: str | None = strawberry.field(default=UNSET, description="Job title")
    department: str | None = strawberry.field(default=UNSET, description="Team or department")
    role_at_customer: str | None = strawberry.field(default=UNSET, description="Role in the relationship")
    customer_id: strawberry.ID | None = strawberry.field(default=UNSET, description="The customer they work for")
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owning salesperson (default: you, when you are in sales)"
    )
    status: ContactStatus | None = strawberry.field(default=UNSET, description="new (default), hot, cold or not interested")
    is_primary: bool | None = strawberry.field(
        default=UNSET, description="Make this the customer's primary contact (unmarks the previous one)"
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values; fields not sent get their default"
    )
    social_links: list[SocialLinkInput] | None = strawberry.field(
        default=UNSET, description="Links on the web (replaces the list)")


@strawberry.input(description="Changes to a contact; fields left out stay as they are")
class UpdateContactInput:
    id: strawberry.ID = strawberry.field(description="Contact id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    name: str | None = strawberry.field(default=UNSET, description="Full name")
    email: str | None = strawberry.field(default=UNSET, description="Email")
    phone: str | None = strawberry.field(default=UNSET, description="Direct phone")
    job_title: str | None = strawberry.field(default=UNSET, description="Job title")
    department: str | None = strawberry.field(default=UNSET, description="Team or department")
    role_at_customer: str | None = strawberry.field(default=UNSET, description="Role in the relationship")
    customer_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Move to this customer (null: none)")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Owning salesperson (null: none)")
    status: ContactStatus | None = strawberry.field(default=UNSET, description="Next status (see allowedStatuses)")
    is_primary: bool | None = strawberry.field(
        default=UNSET, description="true: become the customer's primary contact (unmarks the previous one)"
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )
    social_links: list[SocialLinkInput] | None = strawberry.field(
        default=UNSET, description="Links on the web (replaces the list)")
    picture_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Picture: one of their image attachments (null: none)")


@strawberry.input(description="Make a contact its customer's primary contact")
class SetPrimaryContactInput:
    id: strawberry.ID = strawberry.field(description="Contact id")
    version: int = strawberry.field(description="The version you read")


@strawberry.input(
    description="Convert a contact: link an existing customer (customerId), create one (companyName and the "
    "customer's fields), or keep the customer it already has"
)
class ConvertContactInput:
    id: strawberry.ID = strawberry.field(description="Contact id")
    version: int = strawberry.field(description="The version you read")
    customer_id: strawberry.ID | None = strawberry.field(default=UNSET, description="An existing customer")
    company_name: str | None = strawberry.field(default=UNSET, description="New customer: company name")
    email: str | None = strawberry.field(default=UNSET, description="New customer: main email (default: the contact's)")
    legal_form: str | None = strawberry.field(default=UNSET, description="New customer: legal form")
    phone: str | None = strawberry.field(default=UNSET, description="New customer: phone")
    website: str | None = strawberry.field(default=UNSET, description="New customer: web site")
    street: str | None = strawberry.field(default=UNSET, description="New customer: street")
    city: str | None = strawberry.field(default=UNSET, description="New customer: city")
    postcode: str | None = strawberry.field(default=UNSET, description="New customer: postcode")
    country: str | None = strawberry.field(default=UNSET, description="New customer: ISO country code")
    industry: str | None = strawberry.field(default=UNSET, description="New customer: industry")
    segment: str | None = strawberry.field(default=UNSET, description="New customer: segment")
    description: str | None = strawberry.field(default=UNSET, description="New customer: brief")


@strawberry.input(
    description="Delete a contact entered by mistake. One with history (activities, deals or leads naming them) "
    "is refused: mark it not interested instead"
)
class DeleteContactInput:
    id: strawberry.ID = strawberry.field(description="Contact id")
    version: int = strawberry.field(description="The version you read")


@strawberry.type(description="What a conversion did")
class ConvertContactResult:
    contact: ContactType = strawberry.field(description="The contact, now converted")
    customer: CustomerRef = strawberry.field(description="Its customer")
    customer_created: bool = strawberry.field(description="The conversion created this customer")


@strawberry.type(name="Lead", description="A potential deal, not yet qualified")
class LeadType(Shows[Lead]):
    id: strawberry.ID = strawberry.field(description="Lead id")
    title: str = strawberry.field(description="What it is about")
    source: str = strawberry.field(description="Where it came from: web form, referral, fair, import...")
    scope_of_work: str = strawberry.field(description="Services the prospect is interested in")
    company_name: str = strawberry.field(description="Company, when no customer is linked yet")
    status: LeadStatus = strawberry.field(description="Lead status")
    lost_reason: str = strawberry.field(description="Why it was lost")
    version: int = strawberry.field(description="Send it back with updates")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="Custom fields in use on leads, with this one's values", metadata=reads())
    @staticmethod
    async def custom_fields(lead: strawberry.Parent[Lead], info: Info) -> list[CustomFieldValue]:
        return await record_values(info, CustomEntity.LEAD, lead.id)

    @strawberry.field(description="The customer, when linked")
    @staticmethod
    async def customer(lead: strawberry.Parent[Lead], info: Info) -> CustomerRef | None:
        return await _customer(info, lead.customer_id)

    @strawberry.field(description="The contact person, when known")
    @staticmethod
    async def contact(lead: strawberry.Parent[Lead], info: Info) -> ContactType | None:
        contact_id = lead.contact_id
        return ContactType.of_maybe(await info.context.loaders.contact.load(contact_id)) if contact_id else None

    @strawberry.field(description="The salesperson who owns this lead")
    @staticmethod
    async def owner(lead: strawberry.Parent[Lead], info: Info) -> UserType | None:
        return await _user(info, lead.owner_id)

    @strawberry.field(description="The deal it was converted into")
    @staticmethod
    async def deal(lead: strawberry.Parent[Lead], info: Info) -> Annotated[DealType, strawberry.lazy("backend.schema.deals")] | None:
        from backend.schema.deals import DealType

        deal_id = lead.deal_id
        return DealType.of_maybe(await info.context.loaders.deal.load(deal_id)) if deal_id else None

    @strawberry.field(description="The listed reason picked when it was lost (null: free text only, or not lost)",
                      metadata=reads("lost_reason_choice_id"))
    @staticmethod
    async def lost_reason_choice(lead: strawberry.Parent[Lead], info: Info) -> LostReasonType | None:
        return await picked_reason(lead.lost_reason_choice_id, info)

    @strawberry.field(description="Statuses this lead may move to with updateLead")
    @staticmethod
    async def allowed_statuses(lead: strawberry.Parent[Lead], info: Info) -> list[LeadStatus]:
        return allowed_next(lead, await info.context.loaders.workflow.load(TransitionEntity.LEAD))
