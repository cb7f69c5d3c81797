"""The customerChanged subscription: one customer's record as committed, read back through the row rules
once per event and audience (as the streams in live.py), so a subscriber never sees what they may not."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import partial

import strawberry

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import CustomerDeleted, CustomerRemoved, CustomerUpdated
from backend.models import Customer
from backend.reads.context import Info
from backend.reads.loaders import Loaders
from backend.resolvers.streams import FanOut, listen, subscriber
from backend.schema.customer_changes import CustomerChangeEvent, CustomerChangeKind
from backend.schema.customers import CustomerType
from backend.services import customers as customer_service
from backend.services.removals import saw

customer_fan_out = FanOut()


@dataclass(frozen=True)
class SeenCustomer:
    change: CustomerChangeEvent
    loaders: Loaders


async def _customer_as_seen_by(actor: Actor, heard: CustomerUpdated | CustomerDeleted | CustomerRemoved) -> SeenCustomer:
    customer_id = heard.id
    loaders = Loaders(actor)
    deleted = isinstance(heard, CustomerDeleted)
    customer = None if deleted else await Customer.filter(permissions.customer_rule(actor), id=customer_id).first()
    if customer is not None:
        loaders.customer.prime(customer.id, customer)
        kind = CustomerChangeKind.UPDATED
    else:
        kind = CustomerChangeKind.DELETED if deleted else CustomerChangeKind.HIDDEN
    change = CustomerChangeEvent(
        kind=kind, customer_id=strawberry.ID(str(customer_id)), customer=CustomerType.of_maybe(customer)
    )
    return SeenCustomer(change=change, loaders=loaders)


@strawberry.type
class CustomerSubscription:
    @strawberry.subscription(
        description="Changes of one customer's record (edits, status changes, deletion), as committed. The stream "
        "ends after the customer was deleted or left your view"
    )
    async def customer_changed(self, info: Info, id: strawberry.ID) -> AsyncGenerator[CustomerChangeEvent, None]:
        context = info.context
        subscriber(context)
        customer = await customer_service.visible(context.actor, id, "id")
        async with listen(context, topics.customer_changes(customer.id)) as events:
            actor = context.actor
            audience = permissions.audience(actor)
            async for event in events:
                change = event.data
                if not isinstance(change, CustomerUpdated | CustomerDeleted | CustomerRemoved):
                    continue
                if isinstance(change, CustomerRemoved) and not saw(actor, change):
                    continue  # the change hid the customer from other teams, not from this subscriber
                seen = await customer_fan_out.once((event.id, audience), partial(_customer_as_seen_by, actor, change))
                context.loaders = seen.loaders
                yield seen.change
                if seen.change.customer is None:
                    return
