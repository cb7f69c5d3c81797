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
    CAMPAIGN_STATUS = "campaign_status"
    TASK_ASSIGNED = "task_assigned"


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
    pass


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


# --- A customer's timeline: topics.customer_activities(customer_id) ----------------------------------


@registered(topics.customer_activities, "added")
@dataclass(frozen=True, kw_only=True)
class ActivityAdded(Payload):
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


@registered(topics.customer_changes, "deleted")
@dataclass(frozen=True, kw_only=True)
class CustomerDeleted(Payload):
    id: int


@registered(topics.customer_changes, "removed")
@dataclass(frozen=True, kw_only=True)
class CustomerRemoved(Payload):
    id: int
    audiences: Audiences


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


@registered(topics.notifications, NotificationKind.CAMPAIGN_STATUS)
@dataclass(frozen=True, kw_only=True)
class CampaignStatusNote(Payload):
    id: int
    message: str
    entity: str
    entity_id: int
    status: str


@registered(topics.notifications, NotificationKind.TASK_ASSIGNED)
@dataclass(frozen=True, kw_only=True)
class TaskAssignedNote(Payload):
    activity_id: int
    title: str


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


# --- The envelope -------------------------------------------------------------------------------------


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
