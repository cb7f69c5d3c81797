"""The one GraphQL schema: every domain's queries, mutations and subscriptions merged."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from backend.graphql.compiled import CompiledReads
from backend.graphql.documents import document_caches
from backend.graphql.errors import MaskUnexpectedErrors
from backend.graphql.introspection import SignedInIntrospection, drop_suggestions
from backend.graphql.limits import limit_extensions
from backend.graphql.shared_events import SharedEventExecutor
from backend.resolvers.activities import ActivityMutation, ActivityQuery
from backend.resolvers.ask import AskQuery
from backend.resolvers.attachments import AttachmentMutation, AttachmentSubscription
from backend.resolvers.audit import AuditQuery
from backend.resolvers.automations import AutomationMutation, AutomationQuery
from backend.resolvers.booking import BookingMutation, BookingQuery
from backend.resolvers.campaigns import CampaignMutation, CampaignQuery, CampaignSubscription
from backend.resolvers.changes import ChangeQuery, ChangeSubscription
from backend.resolvers.contacts import ContactMutation, ContactQuery
from backend.resolvers.currency import CurrencyMutation, CurrencyQuery
from backend.resolvers.custom_fields import CustomFieldMutation, CustomFieldQuery, CustomFieldSubscription
from backend.resolvers.customer_changes import CustomerSubscription
from backend.resolvers.customers import CustomerMutation, CustomerQuery
from backend.resolvers.dashboard import DashboardQuery
from backend.resolvers.deals import DealMutation, DealQuery
from backend.resolvers.exports import ExportMutation, ExportQuery
from backend.resolvers.imports import ImportMutation, ImportQuery, ImportSubscription
from backend.resolvers.jobs import JobMutation, JobQuery
from backend.resolvers.leads import LeadMutation, LeadQuery
from backend.resolvers.live import LiveSubscription
from backend.resolvers.lost_reasons import LostReasonMutation, LostReasonQuery
from backend.resolvers.mailing import MailingMutation, MailingSubscription
from backend.resolvers.merges import MergeMutation, MergeQuery
from backend.resolvers.notifications import NotificationMutation, NotificationQuery
from backend.resolvers.phases import PhaseMutation, PhaseQuery
from backend.resolvers.pick_lists import PickListMutation, PickListQuery, PickListSubscription
from backend.resolvers.pipelines import PipelineMutation, PipelineSubscription
from backend.resolvers.privacy import PrivacyMutation, PrivacyQuery
from backend.resolvers.quotas import QuotaMutation, QuotaQuery, QuotaSubscription
from backend.resolvers.record_changes import RecordSubscription
from backend.resolvers.referrals import ReferralMutation
from backend.resolvers.reports import ReportQuery
from backend.resolvers.saved_reports import SavedReportMutation, SavedReportQuery
from backend.resolvers.segments import SegmentMutation, SegmentQuery, SegmentSubscription
from backend.resolvers.support import SupportMutation, SupportQuery
from backend.resolvers.tickets import TicketMutation, TicketQuery, TicketSubscription
from backend.resolvers.users import UserMutation, UserQuery
from backend.resolvers.webhooks import WebhookMutation, WebhookQuery
from backend.resolvers.workflows import WorkflowMutation, WorkflowQuery, WorkflowSubscription
from backend.schema.common import SCALARS
from backend.settings import get_settings

log = logging.getLogger("crm.graphql")

QUERIES: tuple[type, ...] = (
    CustomerQuery, ContactQuery, ActivityQuery, UserQuery, AuditQuery, CampaignQuery, DealQuery, LeadQuery, CurrencyQuery,
    LostReasonQuery, NotificationQuery, MergeQuery, ImportQuery, SegmentQuery, JobQuery, BookingQuery, AutomationQuery,
    ExportQuery, ReportQuery, CustomFieldQuery, PhaseQuery, PickListQuery, WorkflowQuery, TicketQuery, SupportQuery,
    SavedReportQuery,
    QuotaQuery, DashboardQuery, PrivacyQuery,
    ChangeQuery, AskQuery, WebhookQuery,
)
MUTATIONS: tuple[type, ...] = (
    CustomerMutation, ContactMutation, ActivityMutation, UserMutation,
    CampaignMutation, DealMutation, LeadMutation, CurrencyMutation, LostReasonMutation, NotificationMutation,
    PipelineMutation, MergeMutation, ImportMutation, ExportMutation, SegmentMutation, JobMutation, ReferralMutation,
    BookingMutation, MailingMutation, AutomationMutation,
    CustomFieldMutation,
    PhaseMutation, PickListMutation, WorkflowMutation,
    TicketMutation, SupportMutation,
    AttachmentMutation,
    SavedReportMutation,
    QuotaMutation, PrivacyMutation, WebhookMutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (
    CampaignSubscription, LiveSubscription, CustomerSubscription, PipelineSubscription, ImportSubscription,
    SegmentSubscription, RecordSubscription, MailingSubscription,
    CustomFieldSubscription, PickListSubscription, WorkflowSubscription,
    TicketSubscription,
    AttachmentSubscription,
    ChangeSubscription,
    QuotaSubscription,
)


class CrmSchema(strawberry.Schema):
    """Expected errors (the contract's codes, invalid documents) are answers, not incidents: they are not
    logged as errors. Unexpected ones are logged once, with their request id, where they are masked."""

    hide_suggestions = False  # with introspection off, no "did you mean" hint names the schema's parts

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        if self.hide_suggestions:
            drop_suggestions(errors)
        for error in errors:
            log.debug("GraphQL error: %s", error.message)


def build_schema(introspection: bool | None = None) -> strawberry.Schema:
    """The schema; CRM_INTROSPECTION=0 switches introspection off (GraphiQL then cannot list types) and
    with it every "did you mean" hint. Signed-in callers only may introspect in any case."""
    allow = get_settings().introspection if introspection is None else introspection
    built = CrmSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None,
        extensions=[*limit_extensions(), MaskUnexpectedErrors, SignedInIntrospection,
                    *([] if allow else [DisableIntrospection]), *document_caches(), CompiledReads],
        config=StrawberryConfig(disable_field_suggestions=True, scalar_map=SCALARS),
        execution_context_class=SharedEventExecutor,
    )
    built.hide_suggestions = not allow
    return built


schema = build_schema()
