"""Live subscriptions: dealChanged, activityAdded, activityUpdated and notifications.

Every event is read back from the database after its commit, through the same row rules as queries,
so a subscriber never hears of a row they may not read. The visibility query runs once per event and
audience (permissions.audience) for all subscribers in this process, not once per subscriber.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from functools import partial

import strawberry

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import NotFound
from backend.live import topics
from backend.live.events import (
    ActivitiesDeleted,
    ActivitiesRemoved,
    ActivityAdded,
    ActivityUpdated,
    DealCreated,
    DealDeleted,
    DealFacts,
    DealMoved,
    DealsRemoved,
    DealUpdated,
    Event,
    NotificationsRead,
)
from backend.models import Activity, Deal, Notification
from backend.reads.context import Info
from backend.reads.loaders import Loaders
from backend.resolvers.streams import FanOut, listen, subscriber
from backend.schema.activities import ActivityType
from backend.schema.deals import DealFilter, DealType, conditions, custom_matches, matches, with_custom
from backend.schema.live import DealChangeEvent, DealChangeKind, NotificationType
from backend.services import customers as customer_service
from backend.services.removals import saw

deal_fan_out = FanOut()
activity_fan_out = FanOut()


@dataclass(frozen=True)
class SeenDeal:
    """A deal event as one audience sees it: the change (deal None: deleted, or out of its sight now).
    Every subscriber of the audience yields this same change object, so their executions are shared, and
    resolves nested fields through the same loaders, fresh for the event (a connection's own loaders would
    serve rows cached by earlier events)."""

    change: DealChangeEvent
    loaders: Loaders
    deal: Deal | None = None


DealEvent = DealCreated | DealUpdated | DealMoved | DealDeleted | DealsRemoved


async def _deal_as_seen_by(actor: Actor, change: DealEvent) -> list[SeenDeal]:
    loaders = Loaders(actor)
    if isinstance(change, DealDeleted | DealsRemoved):
        if not saw(actor, change):
            return []
        if isinstance(change, DealDeleted):
            return [SeenDeal(change=_change_event(change, change.id, None), loaders=loaders)]
        return [SeenDeal(change=_change_event(change, id, None), loaders=loaders) for id in change.deal_ids]
    deal = (
        await Deal.filter(permissions.deal_rule(actor), id=change.id)
        .select_related("stage", "customer", "owner")
        .first()
    )
    if deal is None:
        return []  # out of this audience's sight: if it ever saw it, a removed event says so
    # The rows just read, for the nested fields of every subscriber's document.
    loaders.deal.prime(deal.id, deal)
    loaders.customer.prime(deal.customer.id, deal.customer)
    loaders.stage.prime(deal.stage.id, deal.stage)
    if deal.owner is not None:
        loaders.user.prime(deal.owner.id, deal.owner)
    return [SeenDeal(change=_change_event(change, deal.id, deal), loaders=loaders, deal=deal)]


async def _activity_as_seen_by(actor: Actor, added: ActivityAdded | ActivityUpdated) -> tuple[Activity | None, Loaders]:
    """The activity if this audience may see it, and fresh loaders of the audience for its nested fields."""
    activity = await Activity.filter(permissions.activity_rule(actor), id=added.id).first()
    return activity, Loaders(actor)


async def _timeline(info: Info, customer_id: strawberry.ID,
                    kind: type[ActivityAdded | ActivityUpdated]) -> AsyncIterator[ActivityType]:
    """The activities of one customer's timeline that events of `kind` name, as the subscriber may see them;
    ends (NOT_FOUND) when the customer is deleted or leaves the subscriber's sight."""
    context = info.context
    subscriber(context)
    customer = await customer_service.visible(context.actor, customer_id, "customerId")
    async with listen(context, topics.customer_activities(customer.id)) as events:
        actor = context.actor
        audience = permissions.audience(actor)
        async for event in events:
            timeline = event.data
            if isinstance(timeline, ActivitiesDeleted) or (isinstance(timeline, ActivitiesRemoved) and saw(actor, timeline)):
                raise NotFound("Customer", customer_id, field="customerId")  # deleted, or out of sight now
            if not isinstance(timeline, kind):
                continue
            activity, loaders = await activity_fan_out.once(
                (event.id, audience), partial(_activity_as_seen_by, actor, timeline)
            )
            if activity is None:
                continue  # the customer, or this activity, is no longer visible to this audience
            context.loaders = loaders
            yield ActivityType.of(activity)


def _optional_id(value: object) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _change_event(change: DealEvent, deal_id: int, deal: Deal | None) -> DealChangeEvent:
    stage_id = change.stage_id if isinstance(change, DealFacts) else None
    return DealChangeEvent(
        kind=DealChangeKind(change.kind),
        deal_id=strawberry.ID(str(deal_id)),
        deal=DealType.of_maybe(deal),
        from_stage_id=_optional_id(change.from_stage_id) if isinstance(change, DealMoved) else None,
        stage_id=_optional_id(deal.stage_id if deal is not None else stage_id),
        actor_id=_optional_id(change.actor_id),
    )


async def _now_and_on(events: AsyncIterator[Event]) -> AsyncIterator[Event | None]:
    """None at once (catch up), then every event."""
    yield None
    async for event in events:
        yield event


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description="Deals created, updated, moved or deleted, as committed; only deals you may see. With a "
        "filter: changes after which the deal matches it, and every deletion and removal (drop the id if held)"
    )
    async def deal_changed(
        self, info: Info, filter: DealFilter | None = None
    ) -> AsyncGenerator[DealChangeEvent, None]:
        context = info.context
        conditions(filter)  # a malformed filter is refused now, not at the first event
        await with_custom(Deal.all(), filter)
        async with listen(context, topics.deals()) as events:
            actor = context.actor
            audience = permissions.audience(actor)
            async for event in events:
                if not isinstance(change := event.data, DealEvent):
                    continue
                changes = await deal_fan_out.once((event.id, audience), partial(_deal_as_seen_by, actor, change))
                for seen in changes:
                    if seen.deal is not None and not (matches(filter, seen.deal)
                                                      and await custom_matches(filter, seen.deal.id)):
                        continue
                    context.loaders = seen.loaders
                    yield seen.change

    @strawberry.subscription(description="Activities logged on a customer's timeline, as committed")
    async def activity_added(self, info: Info, customer_id: strawberry.ID) -> AsyncGenerator[ActivityType, None]:
        async for activity in _timeline(info, customer_id, ActivityAdded):
            yield activity

    @strawberry.subscription(
        description="Activities on a customer's timeline as corrected (updateActivity), as committed: an open "
        "timeline replaces the one it shows"
    )
    async def activity_updated(self, info: Info, customer_id: strawberry.ID) -> AsyncGenerator[ActivityType, None]:
        async for activity in _timeline(info, customer_id, ActivityUpdated):
            yield activity

    @strawberry.subscription(
        description="Your notifications as they are made, and again once read (readAt set), on whichever of "
        "your devices: a client keeps its unread count by refetching on each"
    )
    async def notifications(self, info: Info) -> AsyncGenerator[NotificationType, None]:
        context = info.context
        user_id = subscriber(context).user_id
        assert user_id is not None
        # Rows are read by id, not from the events: each committed row arrives once, whatever an event
        # carried, including rows committed while the subscription was being registered.
        newest = await Notification.filter(user_id=user_id).order_by("-id").first()
        seen_up_to = newest.id if newest else 0
        async with listen(context, topics.notifications(user_id)) as events:
            async for event in _now_and_on(events):
                if event is not None and isinstance(event.data, NotificationsRead):
                    for row in await Notification.filter(user_id=user_id, id__in=event.data.ids).order_by("id"):
                        yield NotificationType.of(row)
                    continue
                rows = await Notification.filter(user_id=user_id, id__gt=seen_up_to).order_by("id")
                for row in rows:
                    seen_up_to = row.id
                    yield NotificationType.of(row)
