"""All models of the CRM's one Tortoise app, `models`.

A foreign key is declared with its relation type and, below it, the bare annotation of the `<name>_id` attribute
Tortoise sets on every row: the annotation creates no field, it tells the type checker the key's type, which the
services and the API types read without loading the related row."""

from backend.models.activities import Activity, ActivityKind, Outcome, Priority, TaskStatus
from backend.models.audit import AuditEntry
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
from backend.models.contacts import Contact, ContactStatus, Lead, LeadStatus
from backend.models.currency import ExchangeRate
from backend.models.customers import Customer, CustomerStatus, CustomerStatusChange, Note
from backend.models.deals import Deal, DealStageChange, Pipeline, Stage, StageKind
from backend.models.users import ApiToken, Notification, Role, Session, Team, User

__all__ = [
    "Activity", "ActivityKind", "ApiToken", "AuditEntry", "Campaign", "CampaignLike", "CampaignStatus",
    "CampaignType", "Contact", "ContactStatus", "Customer", "CustomerStatus", "CustomerStatusChange", "Deal",
    "DealStageChange", "EngagementEvent", "EngagementKind", "Enrolment", "ExchangeRate", "Lead", "LeadStatus",
    "Note", "Notification", "Outcome", "Pipeline", "Priority", "Role", "Session", "Stage", "StageKind",
    "TaskStatus", "Team", "User", "Visibility",
]
