"""Marketing mail: share a campaign, schedule and cancel greetings, mark consent, and the live sends."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import cast

import strawberry

from backend import permissions
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import CampaignSendsChanged
from backend.models import Customer
from backend.reads.context import Info
from backend.resolvers.segment_members import members_of
from backend.resolvers.streams import listen, subscriber
from backend.schema.contacts import ContactType
from backend.schema.mailing import (
    CampaignSendsChange,
    CancelGreetingInput,
    GreetingType,
    ScheduleGreetingInput,
    SetMailConsentInput,
    ShareCampaignInput,
    ShareCampaignResult,
)
from backend.services import campaign_mail, campaigns, consent, segments


@strawberry.type
class MailingMutation:
    @strawberry.mutation(description="Mail a public, active campaign to picked contacts, customers' contacts or a "
                         "segment now: one mail per subscribed address, each recorded as a send; the owner is notified")
    async def share_campaign(self, info: Info, input: ShareCampaignInput) -> ShareCampaignResult:
        actor = info.context.actor
        members: list[int] = []
        if input.segment_id is not None:
            permissions.require(actor, permissions.Action.SHARE_CAMPAIGN)
            segment = await segments.customer_segment(actor, input.segment_id)
            query = await members_of(Customer.filter(permissions.customer_rule(actor), archived_at=None), segment)
            members = cast(list[int], await query.limit(campaign_mail.MAX_RECIPIENTS + 1).values_list("id", flat=True))
            if len(members) > campaign_mail.MAX_RECIPIENTS:
                raise BadUserInput("segmentId", f"the segment has more than {campaign_mail.MAX_RECIPIENTS} customers")
        summary = await campaign_mail.share_campaign(actor, input.campaign_id, input.contact_ids, input.customer_ids,
                                                     members, input.note)
        return ShareCampaignResult(campaign_id=strawberry.ID(str(summary.campaign_id)), queued=summary.queued,
                                   unsubscribed=summary.unsubscribed, no_consent=summary.no_consent)

    @strawberry.mutation(description="Schedule a greetings campaign's mail to contacts, customers or a segment for "
                         "a time; it goes out once, then")
    async def schedule_greeting(self, info: Info, input: ScheduleGreetingInput) -> GreetingType:
        return GreetingType.of(await campaign_mail.schedule_greeting(
            info.context.actor, input.campaign_id, input.send_at, input.contact_ids, input.customer_ids,
            input.segment_id, input.note))

    @strawberry.mutation(description="Cancel a scheduled greeting (BAD_USER_INPUT once it has gone out)")
    async def cancel_greeting(self, info: Info, input: CancelGreetingInput) -> GreetingType:
        return GreetingType.of(await campaign_mail.cancel_greeting(info.context.actor, input.id))

    @strawberry.mutation(description="Record that a contact agreed to marketing email, or asked to get none")
    async def set_mail_consent(self, info: Info, input: SetMailConsentInput) -> ContactType:
        return ContactType.of(await consent.set_for_contact(info.context.actor, input.contact_id, input.subscribed,
                                                            input.note))


@strawberry.type
class MailingSubscription:
    @strawberry.subscription(description="A campaign's sends changed (queued, sent, failed, unsubscribed): refetch them")
    async def campaign_sends_changed(self, info: Info, campaign_id: strawberry.ID) -> AsyncGenerator[CampaignSendsChange, None]:
        context = info.context
        subscriber(context)
        campaign = await campaigns.visible(context.actor, campaign_id, "campaignId")
        async with listen(context, topics.campaign_sends(campaign.id)) as events:
            async for event in events:
                if isinstance(event.data, CampaignSendsChanged):
                    yield CampaignSendsChange(campaign_id=strawberry.ID(str(campaign.id)))
