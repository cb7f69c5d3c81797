"""Live subscriptions of leads and contacts: leadChanged, and contactChanged (all, or one contact's page).

As for deals (live.py): every event is read back after its commit through the same row rules as queries,
once per event and audience; an audience that saw the row before the change and no longer sees it is told
it was removed (services/removals.py), so a list never keeps what its reader may no longer see.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

import strawberry
from tortoise.expressions import Q

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import NotFound
from backend.live import topics
from backend.live.events import RecordChange, RecordsRemoved
from backend.models import Contact, Lead
from backend.reads.context import Info
from backend.reads.loaders import Loaders
from backend.resolvers.streams import FanOut, listen, subscriber
from backend.schema.contacts import ContactType, LeadType
from backend.schema.record_changes import ContactChangeEvent, LeadChangeEvent, RecordChangeKind
from backend.services import contacts as contact_service
from backend.services.removals import saw

record_fan_out = FanOut()


@dataclass(frozen=True)
class SeenRecord:
    """A change as one audience sees it (row None: deleted, or out of its sight now); shared by its subscribers."""

    kind: RecordChangeKind
    id: int
    actor_id: int | None
    loaders: Loaders
    row: Lead | Contact | None = None


async def _as_seen_by(actor: Actor, model: type[Lead] | type[Contact], rule: Callable[[Actor], Q],
                      change: RecordChange | RecordsRemoved) -> list[SeenRecord]:
    loaders = Loaders(actor)
    if isinstance(change, RecordsRemoved):
        gone = RecordChangeKind.REMOVED
        return [SeenRecord(gone, id, change.actor_id, loaders) for id in change.ids] if saw(actor, change) else []
    row = None if change.kind == "deleted" else await model.filter(rule(actor), id=change.id).first()
    if row is None:
        if not saw(actor, change):
            return []  # never in this audience's sight
        kind = RecordChangeKind.DELETED if change.kind == "deleted" else RecordChangeKind.REMOVED
        return [SeenRecord(kind, change.id, change.actor_id, loaders)]
    return [SeenRecord(RecordChangeKind(change.kind), row.id, change.actor_id, loaders, row)]


async def _follow(info: Info, topic: str, model: type[Lead] | type[Contact],
                  rule: Callable[[Actor], Q]) -> AsyncIterator[SeenRecord]:
    context = info.context
    async with listen(context, topic) as events:
        actor = context.actor
        audience = permissions.audience(actor)
        async for event in events:
            if not isinstance(change := event.data, RecordChange | RecordsRemoved):
                continue
            for seen in await record_fan_out.once((event.id, audience), partial(_as_seen_by, actor, model, rule, change)):
                context.loaders = seen.loaders
                yield seen


def _id(value: int | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type
class RecordSubscription:
    @strawberry.subscription(
        description="Leads created, updated or converted, as committed; only leads you may see, and REMOVED for "
        "one that left your view (drop it)"
    )
    async def lead_changed(self, info: Info) -> AsyncGenerator[LeadChangeEvent, None]:
        async for seen in _follow(info, topics.leads(), Lead, permissions.lead_rule):
            lead = seen.row if isinstance(seen.row, Lead) else None
            yield LeadChangeEvent(kind=seen.kind, lead_id=strawberry.ID(str(seen.id)), lead=LeadType.of_maybe(lead),
                                  actor_id=_id(seen.actor_id))

    @strawberry.subscription(
        description="Contacts created, updated, converted or deleted, as committed; only contacts you may see, and "
        "REMOVED for one that left your view. With contactId: that contact's changes only"
    )
    async def contact_changed(
        self, info: Info, contact_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ContactChangeEvent, None]:
        only = None
        if contact_id is not None:
            only = (await contact_service.visible(subscriber(info.context), contact_id, "contactId")).id
        async for seen in _follow(info, topics.contacts(), Contact, permissions.contact_rule):
            if only is not None and seen.id != only:
                continue
            contact = seen.row if isinstance(seen.row, Contact) else None
            yield ContactChangeEvent(kind=seen.kind, contact_id=strawberry.ID(str(seen.id)),
                                     contact=ContactType.of_maybe(contact), actor_id=_id(seen.actor_id))
            if only is not None and contact is None:
                raise NotFound("Contact", contact_id, field="contactId")  # deleted, or out of sight now
