"""All models of the CRM's one Tortoise app, `models`.

A foreign key is declared with its relation type and, below it, the bare annotation of the `<name>_id` attribute
Tortoise sets on every row: the annotation creates no field, it tells the type checker the key's type, which the
services and the API types read without loading the related row."""

from backend.models.activities import (
    Activity,
    ActivityFigure,
    ActivityKind,
    Outcome,
    Priority,
    RepeatUnit,
    TaskFigure,
    TaskStatus,
)
from backend.models.attachments import Attachment, AttachmentRecord
from backend.models.audit import AuditEntry
from backend.models.automations import AssigneeRule, AutomationRule
from backend.models.booking import BookingLink, WorkingHours
from backend.models.campaigns import (
    Campaign,
    CampaignLike,
    CampaignStatus,
    CampaignType,
    EngagementEvent,
    EngagementKind,
    Enrolment,
    Visibility,
)
from backend.models.changes import Change
from backend.models.contacts import Contact, ContactStatus, Lead, LeadStatus
from backend.models.currency import ExchangeRate
from backend.models.custom_fields import CustomEntity, CustomField, CustomFieldType, CustomValue
from backend.models.customers import (
    Customer,
    CustomerPhase,
    CustomerPhaseChange,
    CustomerStatus,
    CustomerStatusChange,
    Note,
    SocialKind,
)
from backend.models.deals import Deal, DealFigure, DealStageChange, LostReason, Pipeline, Stage, StageKind
from backend.models.imports import (
    ImportEntity,
    ImportJob,
    ImportKey,
    ImportMapping,
    ImportProblem,
    ImportStatus,
    OnDuplicate,
)
from backend.models.jobs import Job, JobStatus, OutboxMessage
from backend.models.mailing import (
    CampaignSend,
    ConsentChange,
    ConsentSource,
    ConsentStatus,
    Greeting,
    GreetingStatus,
    MailConsent,
    SendKind,
    SendStatus,
)
from backend.models.pick_lists import PickList, PickListItem
from backend.models.preferences import DigestItem, NotificationPreference
from backend.models.quotas import Quota, QuotaChange, QuotaPeriod
from backend.models.saved_reports import SavedReport
from backend.models.segments import Segment, SegmentContact, SegmentEntity, SegmentKind, SegmentMember
from backend.models.tickets import (
    SlaEvent,
    SlaLevel,
    SlaPolicy,
    SlaTarget,
    SupportCalendar,
    SupportForm,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from backend.models.users import ALL_SCOPES, ApiToken, Notification, Role, Session, Team, TokenScope, User
from backend.models.webhooks import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from backend.models.workflows import StatusTransition, TransitionEntity

__all__ = [
    "Activity", "ActivityFigure", "ActivityKind", "ApiToken", "AssigneeRule", "AuditEntry", "AutomationRule", "BookingLink",
    "Campaign", "CampaignLike", "CampaignSend", "CampaignStatus", "CampaignType", "ConsentChange", "ConsentSource",
    "ConsentStatus", "Contact", "ContactStatus", "Customer", "CustomerStatus", "CustomerStatusChange", "Deal", "DealFigure",
    "DealStageChange", "DigestItem", "EngagementEvent", "EngagementKind", "Enrolment", "ExchangeRate", "Greeting",
    "GreetingStatus", "ImportEntity", "ImportJob", "ImportKey", "ImportMapping", "ImportProblem", "ImportStatus",
    "Job", "JobStatus", "Lead", "LeadStatus", "LostReason", "MailConsent", "Note", "Notification",
    "NotificationPreference", "OnDuplicate", "OutboxMessage", "Outcome", "Pipeline", "Priority", "RepeatUnit",
    "Role", "SavedReport", "Segment", "SegmentContact", "SegmentEntity", "SegmentKind", "SegmentMember", "SendKind", "SendStatus",
    "Session", "Stage", "StageKind",
    "TaskFigure", "TaskStatus", "Team", "TokenScope", "ALL_SCOPES", "User", "Visibility", "WorkingHours",
    "CustomEntity", "CustomField", "CustomFieldType", "CustomValue",
    "CustomerPhase", "CustomerPhaseChange", "PickList", "PickListItem",
    "StatusTransition", "TransitionEntity",
    "SlaEvent", "SlaLevel", "SlaPolicy", "SlaTarget", "SupportCalendar", "SupportForm", "Ticket", "TicketChannel",
    "TicketMessage", "TicketPriority", "TicketStatus",
    "Attachment", "AttachmentRecord", "SocialKind",
    "Quota", "QuotaChange", "QuotaPeriod",
    "Change",
    "DeliveryStatus", "Webhook", "WebhookAttempt", "WebhookDelivery",
]
