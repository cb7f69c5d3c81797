"""Campaign queries, mutations and the live engagement subscription: thin reads and service calls."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial
from typing import Annotated

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend import permissions
from backend.live import topics
from backend.live.events import Engaged
from backend.models import Campaign
from backend.models import EngagementKind as EngagementKindModel
from backend.ratelimit import limiter
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.reads.visitor import visitor_id
from backend.resolvers.streams import FanOut, listen, subscriber
from backend.schema.campaigns import (
    CampaignEngagementEvent,
    CampaignFilter,
    CampaignNode,
    CampaignOrder,
    CampaignOrderField,
    ChangeCampaignStatusInput,
    CreateCampaignInput,
    EngagementTotals,
    EnrolInCampaignInput,
    EnrolInCampaignResult,
    LikeCampaignInput,
    LikeCampaignResult,
    UpdateCampaignInput,
    totals_of,
)
from backend.schema.common import SortDirection, provided
from backend.services import campaigns as service
from backend.services import engagement
from backend.services import validate as v
from backend.services.search import every_word

engagement_fan_out = FanOut()


def filter_query(query: QuerySet, where: CampaignFilter | None) -> QuerySet:
    if where is None:
        return query
    if where.status:
        query = query.filter(status__in=list(where.status))
    if where.type:
        query = query.filter(type__in=list(where.type))
    if where.visibility:
        query = query.filter(visibility__in=list(where.visibility))
    if where.owner_id:
        query = query.filter(owner_id__in=[v.parse_id("filter.ownerId", i) for i in where.owner_id])
    if where.active_on:
        day = where.active_on
        query = query.filter(Q(starts_on=None) | Q(starts_on__lte=day), Q(ends_on=None) | Q(ends_on__gte=day))
    if where.period and where.period.end:
        query = query.filter(Q(starts_on=None) | Q(starts_on__lte=where.period.end))
    if where.period and where.period.start:
        query = query.filter(Q(ends_on=None) | Q(ends_on__gte=where.period.start))
    return query


@strawberry.type
class CampaignQuery:
    @strawberry.field(description="One campaign by id (NOT_FOUND when it does not exist or is not visible)")
    async def campaign(self, info: Info, id: strawberry.ID) -> CampaignNode:
        return CampaignNode.of(await service.visible(info.context.actor, id))

    @strawberry.field(description="Campaigns you may see, filtered, searched, sorted and paged")
    async def campaigns(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: CampaignFilter | None = None,
        order_by: CampaignOrder | None = None,
        search: Annotated[str | None, strawberry.argument(description="Title, code or description fragment")] = None,
    ) -> Connection[CampaignNode]:
        query = filter_query(Campaign.filter(permissions.campaign_rule(info.context.actor)), filter)
        if search and search.strip():
            query = query.filter(every_word(search, "title", "code", "description"))
        order = order_by or CampaignOrder(field=CampaignOrderField.CREATED_AT, direction=SortDirection.DESC)
        return await paginate(
            query, field=order.field.value, descending=order.direction is SortDirection.DESC, first=first, after=after
        )


@strawberry.type
class CampaignMutation:
    @strawberry.mutation(description="Create a campaign (a draft); a code is generated when none is given")
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> CampaignNode:
        return CampaignNode.of(await service.create_campaign(info.context.actor, provided(input)))

    @strawberry.mutation(description="Change a campaign's fields (send the version you read)")
    async def update_campaign(self, info: Info, input: UpdateCampaignInput) -> CampaignNode:
        data = provided(input)
        return CampaignNode.of(await service.update_campaign(info.context.actor, data.pop("id"), data.pop("version"), data))

    @strawberry.mutation(description="Move a campaign along draft → new → active ↔ inactive, or discard it")
    async def change_campaign_status(self, info: Info, input: ChangeCampaignStatusInput) -> CampaignNode:
        return CampaignNode.of(await service.change_status(info.context.actor, input.id, input.version, input.status))

    @strawberry.mutation(description="Like a public, active campaign; anyone may, once per visitor")
    async def like_campaign(self, info: Info, input: LikeCampaignInput) -> LikeCampaignResult:
        actor, request = info.context.actor, info.context.request
        await limiter.check(request)
        campaign = await engagement.open_campaign(actor, raw_id=input.campaign_id)
        outcome = await engagement.like(actor, campaign, visitor_id(request, actor=actor))
        return LikeCampaignResult(
            campaign_id=strawberry.ID(str(campaign.id)), counted=outcome.counted, totals=totals_of(outcome.totals)
        )

    @strawberry.mutation(description="Sign up for a public, active campaign; anyone may, once per email")
    async def enrol_in_campaign(self, info: Info, input: EnrolInCampaignInput) -> EnrolInCampaignResult:
        actor, request = info.context.actor, info.context.request
        values = engagement.clean_enrolment(input.name, input.email, input.consent, input.referrer_code)
        await limiter.check(request)
        campaign = await engagement.open_campaign(actor, raw_id=input.campaign_id)
        outcome = await engagement.enrol(actor, campaign, visitor_id(request, actor=actor), values, source="api")
        assert outcome.enrolment is not None
        return EnrolInCampaignResult(
            campaign_id=strawberry.ID(str(campaign.id)),
            enrolment_id=strawberry.ID(str(outcome.enrolment.id)),
            created=outcome.counted,
            totals=totals_of(outcome.totals),
        )


@strawberry.type
class CampaignSubscription:
    @strawberry.subscription(description="Views, likes and enrolments of a campaign as they happen, with new totals")
    async def campaign_engagement(
        self, info: Info, campaign_id: strawberry.ID
    ) -> AsyncGenerator[CampaignEngagementEvent, None]:
        context = info.context
        subscriber(context)
        campaign = await service.visible(context.actor, campaign_id, "campaignId")
        async with listen(context, topics.campaign_engagement(campaign.id)) as events:
            async for event in events:
                if not isinstance(engaged := event.data, Engaged):
                    continue
                # One object per event for every dashboard: their executions of it are shared too.
                yield await engagement_fan_out.once(event.id, partial(_engagement_event, campaign.id, engaged))


async def _engagement_event(campaign_id: int, engaged: Engaged) -> CampaignEngagementEvent:
    return CampaignEngagementEvent(
        campaign_id=strawberry.ID(str(campaign_id)),
        kind=EngagementKindModel(engaged.kind),
        totals=EngagementTotals(**engaged.totals),
        occurred_at=engaged.occurred_at,
        enrolee=engaged.name,
    )
