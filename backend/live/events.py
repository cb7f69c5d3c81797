"""Events: what a committed write tells subscribers, published only after the transaction commits.

This module is the registry: every event kind, the topic family it travels on and its payload's shape
are declared here once, as one frozen dataclass per kind (snake_case fields). Services publish
`unit.publish(topic, DealMoved(...))`; consumers read `event.data`, the typed payload, and match on its
class. An event is carried as `Event` (topic, kind, the payload's JSON form, id): the hub moves it
without looking inside, and `event.data` rebuilds the payload, refusing a kind the registry does not
know on that topic or a payload of the wrong shape (both ends of Redis run the same version).
"""

from __future__ import annotations

import json
import types
import uuid
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from enum import Enum, StrEnum
from functools import cached_property
from typing import Any, ClassVar, Protocol, TypeVar, Union, get_args, get_origin, get_type_hints

from backend.live import topics
from backend.live.topics import Family

Audiences = list[list[object]]  # permissions.audience() tuples, as JSON carries them (sorted lists)


class NotificationKind(StrEnum):
    """What a notification is about: the `kind` column of notifications and of their events."""

    DEAL_MOVED = "deal_moved"
    DEAL_REASSIGNED = "deal_reassigned"
    CAMPAIGN_STATUS = "campaign_status"
    TASK_ASSIGNED = "task_assigned"
    TASK_REMINDER = "task_reminder"
    CAMPAIGN_SUMMARY = "campaign_summary"
    MEETING_BOOKED = "meeting_booked"
    CAMPAIGN_SHARED = "campaign_shared"
    TICKET_ASSIGNED = "ticket_assigned"
    TICKET_SLA = "ticket_sla"
    WEBHOOK_DISABLED = "webhook_disabled"


class UnknownEvent(ValueError):
    """An event the registry does not declare (kind or topic), or whose payload has the wrong shape."""


class Payload:
    """Base of every event payload. Each subclass is a frozen dataclass registered with `@registered`."""

    family: ClassVar[Family]
    kind: ClassVar[str]


P = TypeVar("P", bound=type[Payload])
REGISTRY: dict[tuple[str, str], type[Payload]] = {}  # (family pattern, kind) → payload class


def registered(family: Family, kind: str) -> Any:
    """Declare `kind` on `family` with the decorated dataclass as its payload."""

    def register(cls: P) -> P:
        key = (family.pattern, str(kind))  # a NotificationKind as its plain text: it is the wire's
        if key in REGISTRY:
            raise TypeError(f"event kind {kind!r} declared twice on {family.pattern}")
        cls.family, cls.kind = family, key[1]
        REGISTRY[key] = cls
        return cls

    return register


class ShownTo(Protocol):
    """A payload naming the audiences that saw rows before they were deleted or left their view."""

    @property
    def audiences(self) -> Audiences: ...


# --- Deals: topics.deals() --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DealFacts(Payload):
    id: int
    customer_id: int
    owner_id: int | None
    stage_id: int
    actor_id: int | None


@registered(topics.deals, "created")
@dataclass(frozen=True, kw_only=True)
class DealCreated(DealFacts):
    pass


@registered(topics.deals, "updated")
@dataclass(frozen=True, kw_only=True)
class DealUpdated(DealFacts):
    custom_fields: list[str] = field(default_factory=list)  # keys of the custom fields this change set


@registered(topics.deals, "moved")
@dataclass(frozen=True, kw_only=True)
class DealMoved(DealFacts):
    from_stage_id: int


@registered(topics.deals, "deleted")
@dataclass(frozen=True, kw_only=True)
class DealDeleted(DealFacts):
    audiences: Audiences


@registered(topics.deals, "removed")
@dataclass(frozen=True, kw_only=True)
class DealsRemoved(Payload):
    """A change hid a customer, and so its deals, from some audiences."""

    customer_id: int
    deal_ids: list[int]
    audiences: Audiences
    actor_id: int | None


# --- Leads and contacts: topics.leads(), topics.contacts() -----------------------------------------------
# Subscribers read the row back through their row rules. `audiences` are those that saw it before the change:
# one of them that no longer sees it is told it was removed.


@dataclass(frozen=True, kw_only=True)
class RecordChange(Payload):
    id: int
    audiences: Audiences
    actor_id: int | None
    custom_fields: list[str] = field(default_factory=list)  # keys of the custom fields this change set


@dataclass(frozen=True, kw_only=True)
class RecordsRemoved(Payload):
    """A change hid a customer, and so its leads or contacts, from some audiences."""

    customer_id: int
    ids: list[int]
    audiences: Audiences
    actor_id: int | None


@registered(topics.leads, "created")
@dataclass(frozen=True, kw_only=True)
class LeadCreated(RecordChange):
    pass


@registered(topics.leads, "updated")
@dataclass(frozen=True, kw_only=True)
class LeadUpdated(RecordChange):
    pass


@registered(topics.leads, "removed")
@dataclass(frozen=True, kw_only=True)
class LeadsRemoved(RecordsRemoved):
    pass


@registered(topics.contacts, "created")
@dataclass(frozen=True, kw_only=True)
class ContactCreated(RecordChange):
    pass


@registered(topics.contacts, "updated")
@dataclass(frozen=True, kw_only=True)
class ContactUpdated(RecordChange):
    pass


@registered(topics.contacts, "deleted")
@dataclass(frozen=True, kw_only=True)
class ContactDeleted(RecordChange):
    pass


@registered(topics.contacts, "removed")
@dataclass(frozen=True, kw_only=True)
class ContactsRemoved(RecordsRemoved):
    pass


# --- A customer's timeline: topics.customer_activities(customer_id) ----------------------------------


@registered(topics.customer_activities, "added")
@dataclass(frozen=True, kw_only=True)
class ActivityAdded(Payload):
    id: int
    customer_id: int


@registered(topics.customer_activities, "updated")
@dataclass(frozen=True, kw_only=True)
class ActivityUpdated(Payload):
    """A logged activity was corrected (its notes, outcome, time, links or custom fields): open timelines
    read it again."""

    id: int
    customer_id: int


@registered(topics.customer_activities, "deleted")
@dataclass(frozen=True, kw_only=True)
class ActivitiesDeleted(Payload):
    """The customer was deleted: its timeline's streams end."""

    customer_id: int


@registered(topics.customer_activities, "removed")
@dataclass(frozen=True, kw_only=True)
class ActivitiesRemoved(Payload):
    customer_id: int
    audiences: Audiences


# --- A customer's record: topics.customer_changes(customer_id) ---------------------------------------


@registered(topics.customer_changes, "updated")
@dataclass(frozen=True, kw_only=True)
class CustomerUpdated(Payload):
    id: int
    custom_fields: list[str] = field(default_factory=list)  # keys of the custom fields this change set


@registered(topics.customer_changes, "deleted")
@dataclass(frozen=True, kw_only=True)
class CustomerDeleted(Payload):
    id: int


@registered(topics.customer_changes, "removed")
@dataclass(frozen=True, kw_only=True)
class CustomerRemoved(Payload):
    id: int
    audiences: Audiences


# --- Customers touched: topics.customers_touched() ----------------------------------------------------


@registered(topics.customers_touched, "touched")
@dataclass(frozen=True, kw_only=True)
class CustomersTouched(Payload):
    """Customers a committed write created or changed (or whose deals or activities it changed)."""

    ids: list[int]


@registered(topics.changes, "committed")
@dataclass(frozen=True, kw_only=True)
class ChangesCommitted(Payload):
    """A write committed change-feed rows up to `last_id`: subscribers read what they have not yet served."""

    last_id: int


def touched_customers(events: list[Event]) -> list[int]:
    """The customers a write's events are about, each once, in order: what a CustomersTouched event names."""
    ids: dict[int, None] = {}
    for event in events:
        match event.data:
            case CustomersTouched(ids=touched):
                ids.update(dict.fromkeys(touched))
            case CustomerUpdated(id=id) | CustomerDeleted(id=id) | CustomerRemoved(id=id):
                ids[id] = None
            case DealFacts(customer_id=id) | DealsRemoved(customer_id=id) | ActivityAdded(customer_id=id):
                ids[id] = None
            case ActivityUpdated(customer_id=id):
                ids[id] = None
    return list(ids)


# --- Attachments: topics.attachments() -----------------------------------------------------------------


@registered(topics.attachments, "changed")
@dataclass(frozen=True, kw_only=True)
class AttachmentsChanged(Payload):
    """A file was attached to (added) or removed from (deleted) one record; subscribers re-read its list."""

    record: str  # an AttachmentRecord value: customer, contact, deal, activity
    record_id: int
    id: str
    change: str  # added | deleted


# --- A saved segment: topics.segment(segment_id) -------------------------------------------------------


@registered(topics.segment, "updated")
@dataclass(frozen=True, kw_only=True)
class SegmentUpdated(Payload):
    """Its name, sharing or conditions changed: streams re-read the whole membership."""

    id: int


@registered(topics.segment, "members")
@dataclass(frozen=True, kw_only=True)
class SegmentMembersChanged(Payload):
    """Rows (the segment's customers or contacts) hand-picked into or out of a static segment."""

    id: int
    ids: list[int]


@registered(topics.segment, "deleted")
@dataclass(frozen=True, kw_only=True)
class SegmentDeleted(Payload):
    id: int


# --- A campaign's engagement: topics.campaign_engagement(campaign_id) --------------------------------


@dataclass(frozen=True, kw_only=True)
class Engaged(Payload):
    """A view, like or enrolment was counted; `totals` are the campaign's counters after it."""

    campaign_id: int
    totals: dict[str, int]
    occurred_at: datetime
    name: str | None = None  # enrolments: the enrolee's name


@registered(topics.campaign_engagement, "view")
@dataclass(frozen=True, kw_only=True)
class CampaignViewed(Engaged):
    pass


@registered(topics.campaign_engagement, "like")
@dataclass(frozen=True, kw_only=True)
class CampaignLiked(Engaged):
    pass


@registered(topics.campaign_engagement, "enrolment")
@dataclass(frozen=True, kw_only=True)
class CampaignEnrolment(Engaged):
    pass


# --- A user's notifications: topics.notifications(user_id) -------------------------------------------
# Subscribers read the notification rows themselves; the event only says that there are new ones.


@registered(topics.notifications, NotificationKind.DEAL_MOVED)
@dataclass(frozen=True, kw_only=True)
class DealMovedNote(Payload):
    id: int
    deal_id: int
    message: str


@registered(topics.notifications, NotificationKind.DEAL_REASSIGNED)
@dataclass(frozen=True, kw_only=True)
class DealReassignedNote(Payload):
    """A deal was given to its new owner, or taken from its old one (one notification each)."""

    id: int
    deal_id: int
    message: str


@registered(topics.notifications, NotificationKind.CAMPAIGN_STATUS)
@dataclass(frozen=True, kw_only=True)
class CampaignStatusNote(Payload):
    id: int
    message: str
    entity: str
    entity_id: int
    status: str


@registered(topics.notifications, NotificationKind.CAMPAIGN_SUMMARY)
@dataclass(frozen=True, kw_only=True)
class CampaignSummaryNote(Payload):
    """The owner's morning summary of yesterday's engagement arrived."""

    id: int
    message: str


@registered(topics.notifications, NotificationKind.TASK_ASSIGNED)
@dataclass(frozen=True, kw_only=True)
class TaskAssignedNote(Payload):
    activity_id: int
    title: str


@registered(topics.notifications, NotificationKind.TASK_REMINDER)
@dataclass(frozen=True, kw_only=True)
class TaskReminderNote(Payload):
    activity_id: int
    title: str


@registered(topics.notifications, "notifications.read")
@dataclass(frozen=True, kw_only=True)
class NotificationsRead(Payload):
    """The user read these notifications (on any of their devices; at most the newest 100 named): every
    open bell of theirs updates its unread count."""

    ids: list[int]


@registered(topics.notifications, NotificationKind.MEETING_BOOKED)
@dataclass(frozen=True, kw_only=True)
class MeetingBookedNote(Payload):
    """A contact booked a meeting through the user's booking link (services/booking.py)."""

    activity_id: int
    title: str


@registered(topics.notifications, NotificationKind.TICKET_ASSIGNED)
@dataclass(frozen=True, kw_only=True)
class TicketAssignedNote(Payload):
    """A ticket was given to the user (services/tickets.py)."""

    ticket_id: int
    message: str


@registered(topics.notifications, NotificationKind.TICKET_SLA)
@dataclass(frozen=True, kw_only=True)
class TicketSlaNote(Payload):
    """A ticket the user works on or leads nears (80 %) or breaks its SLA target (services/sla.py)."""

    ticket_id: int
    message: str


@registered(topics.notifications, NotificationKind.CAMPAIGN_SHARED)
@dataclass(frozen=True, kw_only=True)
class CampaignSharedNote(Payload):
    """A share or greeting of the owner's campaign was queued: how many go out, how many were left out."""

    id: int
    campaign_id: int
    message: str


@registered(topics.notifications, NotificationKind.WEBHOOK_DISABLED)
@dataclass(frozen=True, kw_only=True)
class WebhookDisabledNote(Payload):
    """A webhook kept failing for a day and was switched off (services/webhook_delivery.py): told to admins."""

    webhook_id: int
    message: str


# --- A campaign's sends: topics.campaign_sends(campaign_id) -----------------------------------------


@registered(topics.campaign_sends, "sends.changed")
@dataclass(frozen=True, kw_only=True)
class CampaignSendsChanged(Payload):
    campaign_id: int


# --- Access that ended: topics.access_revoked() ------------------------------------------------------


@registered(topics.access_revoked, "user.access_changed")
@dataclass(frozen=True, kw_only=True)
class UserAccessChanged(Payload):
    """Deactivated, or role or team changed: every stream of the user ends."""

    user_id: int


@registered(topics.access_revoked, "session.ended")
@dataclass(frozen=True, kw_only=True)
class SessionEnded(Payload):
    session_id: str


@registered(topics.access_revoked, "token.revoked")
@dataclass(frozen=True, kw_only=True)
class TokenRevoked(Payload):
    token_id: int


# --- Pipelines and stages: topics.pipelines() ---------------------------------------------------------
# Boards read the pipeline back; the event only says which one (and which stage) changed.


@dataclass(frozen=True, kw_only=True)
class PipelineFacts(Payload):
    pipeline_id: int
    stage_id: int | None = None


@registered(topics.pipelines, "pipeline_created")
@dataclass(frozen=True, kw_only=True)
class PipelineCreated(PipelineFacts):
    pass


@registered(topics.pipelines, "pipeline_updated")
@dataclass(frozen=True, kw_only=True)
class PipelineUpdated(PipelineFacts):
    pass


@registered(topics.pipelines, "stage_created")
@dataclass(frozen=True, kw_only=True)
class StageCreated(PipelineFacts):
    pass


@registered(topics.pipelines, "stage_updated")
@dataclass(frozen=True, kw_only=True)
class StageUpdated(PipelineFacts):
    pass


# --- Custom-field definitions: topics.custom_fields() (issue 18) ---------------------------------------
# Forms, columns and filters read the definitions back; the event says which field of which entity changed.


@registered(topics.custom_fields, "changed")
@dataclass(frozen=True, kw_only=True)
class CustomFieldChanged(Payload):
    id: int
    entity: str


# --- The admins' configuration: topics.configuration() (issue 18) -------------------------------------
# Forms and admin screens read the configuration back; the event says which part changed.


@registered(topics.configuration, "pick_list_changed")
@dataclass(frozen=True, kw_only=True)
class PickListChanged(Payload):
    list: str  # models.PickList's value
    item_id: int


@registered(topics.configuration, "transitions_changed")
@dataclass(frozen=True, kw_only=True)
class TransitionsChanged(Payload):
    entity: str  # models.TransitionEntity's value


# --- The envelope -------------------------------------------------------------------------------------


# --- Imports: topics.import_progress(job_id) ----------------------------------------------------------


@registered(topics.import_progress, "progressed")
@dataclass(frozen=True, kw_only=True)
class ImportProgressed(Payload):
    """The job's state after a committed batch, or its end (status done, cancelled or failed)."""

    job_id: int
    status: str
    rows_done: int
    rows_total: int | None
    created: int
    updated: int
    skipped: int
    invalid: int


@dataclass(frozen=True)
class Event:
    """One published event as the hub carries it; `payload` is the JSON form of `data`."""

    topic: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    # Unique per published event, the same in every process: subscribers of one event share work by it.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, topic: str, data: Payload) -> Event:
        """The event publishing `data` on `topic`, which must be of the family its kind is declared on."""
        family, kind = getattr(data, "family", None), getattr(data, "kind", None)
        if family is None or REGISTRY.get((family.pattern, kind or "")) is not type(data) or not family.holds(topic):
            raise UnknownEvent(f"{type(data).__name__} is not an event of topic {topic!r}")
        return cls(topic=topic, kind=data.kind, payload=_encode(data))

    @cached_property
    def data(self) -> Payload:
        """The typed payload; UnknownEvent for a kind not declared on this topic or a payload not of its shape."""
        family = topics.family_of(self.topic)
        cls = REGISTRY.get((family.pattern, self.kind)) if family is not None else None
        if cls is None:
            raise UnknownEvent(f"no event kind {self.kind!r} on topic {self.topic!r}")
        return _decode(cls, self.payload)

    def encode(self) -> str:
        return json.dumps({"id": self.id, "kind": self.kind, "payload": self.payload})

    @classmethod
    def decode(cls, topic: str, message: str) -> Event:
        data = json.loads(message)
        return cls(topic=topic, kind=data["kind"], payload=data["payload"], id=data.get("id") or uuid.uuid4().hex)


_HINTS: dict[type[Payload], dict[str, Any]] = {}


def _hints(cls: type[Payload]) -> dict[str, Any]:
    """Each field's type, worked out once per class (annotations are strings until resolved)."""
    if cls not in _HINTS:
        # ignore: fields() wants a dataclass type; every registered subclass is one, the Payload base is not
        _HINTS[cls] = {f.name: get_type_hints(cls)[f.name] for f in fields(cls)}  # type: ignore[arg-type]
    return _HINTS[cls]


def _encode(data: Payload) -> dict[str, Any]:
    return {name: _plain(getattr(data, name)) for name in _hints(type(data))}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _decode(cls: type[Payload], payload: dict[str, Any]) -> Payload:
    hints = _hints(cls)
    # ignore: as in _hints, a registered Payload subclass is a dataclass
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}  # type: ignore[arg-type]
    if not required <= payload.keys() <= hints.keys():
        raise UnknownEvent(f"{cls.__name__} payload has keys {sorted(payload)}, wants {sorted(hints)}")
    return cls(**{name: _typed(cls, name, hints[name], value) for name, value in payload.items()})


def _typed(cls: type, name: str, hint: Any, value: Any) -> Any:
    """`value` as the field's type (datetimes arrive as ISO text); UnknownEvent when it is not one."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(hint):
            return None
        (hint,) = [arg for arg in get_args(hint) if arg is not type(None)]
        origin = get_origin(hint)
    if hint is datetime and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, origin or hint) and not (hint is int and isinstance(value, bool)):
        if origin is list and get_args(hint)[0] in (int, str):
            if all(isinstance(item, get_args(hint)[0]) for item in value):
                return value
        else:
            return value
    raise UnknownEvent(f"{cls.__name__}.{name}: {value!r} is not {hint}")


# --- Tickets: topics.tickets() -----------------------------------------------------------------------
# Subscribers read the ticket back through their row rules (it is seen exactly when its customer is).


@registered(topics.tickets, "changed")
@dataclass(frozen=True, kw_only=True)
class TicketChanged(Payload):
    id: int
    customer_id: int
    what: str  # created, updated, status, reply, note, sla
    actor_id: int | None


# --- Quotas: topics.quotas() (issue 19) ----------------------------------------------------------------
# Subscribers read the quota back through their row rules (permissions.quota_rule).


@registered(topics.quotas, "set")
@dataclass(frozen=True, kw_only=True)
class QuotaSet(Payload):
    id: int
    user_id: int | None
    team_id: int | None
    actor_id: int | None
