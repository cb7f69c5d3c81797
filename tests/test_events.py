"""The event registry (backend/events.py): every kind declared there is published by a service and handled
by a stream, travels through JSON unchanged, and nothing undeclared or misshapen gets through."""

from __future__ import annotations

import ast
import typing
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend.live import events, topics
from backend.live.events import REGISTRY, Event, NotificationKind, Payload, UnknownEvent
from backend.models import EngagementKind

ROOT = Path(__file__).resolve().parent.parent / "backend"
# A stream that reads the rows an event points at, not its payload, handles every kind of its family.
READS_ROWS = {topics.notifications.pattern: "the notifications subscription re-reads the user's new rows"}


def names_used(*globs: str) -> set[str]:
    found: set[str] = set()
    for pattern in globs:
        for path in ROOT.glob(pattern):
            tree = ast.parse(path.read_text())
            found |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            found |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    return found


def declared() -> list[type[Payload]]:
    return list(REGISTRY.values())


def sample(cls: type[Payload]) -> Payload:
    """An instance with a value of the right type in every field."""
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        hint = typing.get_type_hints(cls)[item.name]
        if type(None) in typing.get_args(hint):  # optional: the other type
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        values[item.name] = {
            int: 7, str: "text", datetime: datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC),
        }.get(hint) or {list[int]: [1, 2], list[str]: ["text"], dict[str, int]: {"views": 3}}.get(hint) or [["team", 1, None]]
    return cls(**values)


def test_every_declared_kind_is_published_by_a_service() -> None:
    published = names_used("services/*.py")
    assert [cls.__name__ for cls in declared() if cls.__name__ not in published] == []


def test_every_declared_kind_is_handled_by_a_stream() -> None:
    handled = names_used("resolvers/*.py")
    unhandled = [
        cls.__name__ for cls in declared()
        if cls.family.pattern not in READS_ROWS
        and not {c.__name__ for c in cls.__mro__ if c not in (Payload, object)} & handled
    ]
    assert unhandled == []
    assert {name for name in topics.__dict__ if isinstance(topics.__dict__[name], topics.Family)} <= handled | {
        "access_revoked"  # streams.listen subscribes every stream to it
    }


def test_every_topic_family_carries_declared_kinds() -> None:
    assert {family.pattern for family in topics.FAMILIES} == {pattern for pattern, _ in REGISTRY}


@pytest.mark.parametrize("cls", declared(), ids=lambda cls: cls.__name__)
def test_each_kind_survives_the_wire(cls: type[Payload]) -> None:
    data = sample(cls)
    topic = cls.family(*[7] * cls.family.pattern.count("{}"))
    sent = Event.of(topic, data)
    received = Event.decode(topic, sent.encode())
    assert (received.kind, received.id, received.data) == (cls.kind, sent.id, data)
    assert all(key == key.lower() for key in received.payload)  # one key style: snake_case


def test_kinds_agree_with_the_models_that_store_them() -> None:
    notes = {kind for pattern, kind in REGISTRY if pattern == topics.notifications.pattern}
    # Besides one kind per notification row, the topic carries that some were read (on another device).
    assert notes - {events.NotificationsRead.kind} == {kind.value for kind in NotificationKind}
    engaged = {kind for pattern, kind in REGISTRY if pattern == topics.campaign_engagement.pattern}
    assert engaged == {kind.value for kind in EngagementKind}


def test_an_event_on_the_wrong_topic_is_refused_when_published() -> None:
    with pytest.raises(UnknownEvent, match="ActivityAdded is not an event of topic 'crm.deals'"):
        Event.of(topics.deals(), events.ActivityAdded(id=1, customer_id=2))
    with pytest.raises(UnknownEvent, match="DealFacts"):  # a shared shape, not a kind
        Event.of(topics.deals(), events.DealFacts(id=1, customer_id=2, owner_id=None, stage_id=3, actor_id=None))


@pytest.mark.parametrize(
    ("topic", "kind", "payload", "problem"),
    [
        (topics.deals(), "archived", {"id": 1}, "no event kind 'archived' on topic 'crm.deals'"),
        ("crm.elsewhere", "created", {}, "no event kind 'created' on topic 'crm.elsewhere'"),
        (topics.customer_changes(3), "added", {"id": 1, "customer_id": 3}, "no event kind 'added'"),
        (topics.customer_changes(3), "updated", {}, r"CustomerUpdated payload has keys \[\], wants \['custom_fields', 'id'\]"),
        (topics.customer_changes(3), "updated", {"id": 3, "customerId": 3}, "payload has keys"),
        (topics.customer_changes(3), "updated", {"id": "3"}, "CustomerUpdated.id: '3' is not"),
        (topics.customer_changes(3), "updated", {"id": True}, "CustomerUpdated.id: True is not"),
        (topics.access_revoked(), "user.access_changed", {"user_id": None}, "UserAccessChanged.user_id: None"),
        (topics.deals(), "removed", {"customer_id": 1, "deal_ids": ["x"], "audiences": [], "actor_id": None},
         r"DealsRemoved.deal_ids: \['x'\] is not list\[int\]"),
        (topics.campaign_engagement(4), "like", {"campaign_id": 4, "totals": {}, "occurred_at": "yesterday"},
         "CampaignLiked.occurred_at: 'yesterday'"),
    ],
)
def test_an_undeclared_kind_or_misshapen_payload_is_refused_when_read(
    topic: str, kind: str, payload: dict[str, Any], problem: str
) -> None:
    with pytest.raises(UnknownEvent, match=problem):
        _ = Event(topic, kind, payload).data
