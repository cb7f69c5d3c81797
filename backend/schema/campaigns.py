"""Campaigns as the API shows them: the campaign, its engagement over time, enrolments and live events."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from backend.errors import Forbidden
from backend.models import Campaign, CampaignSend, Enrolment, Greeting, User
from backend.models import CampaignStatus as CampaignStatusModel
from backend.models import CampaignType as CampaignTypeModel
from backend.models import EngagementKind as EngagementKindModel
from backend.models import Visibility as VisibilityModel
from backend.permissions import campaign_is_public, reads_enrolees
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, nested_size, paginate
from backend.schema.common import DateRange, SortDirection
from backend.schema.mailing import CampaignSendCounts, CampaignSendStatus, CampaignSendType, GreetingType, counts_of
from backend.schema.referrals import CampaignReferrer, CampaignRevenue, revenue_of, standings_of
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import campaigns as service
from backend.services import engagement as engagement_service
from backend.services import referrals
from backend.settings import get_settings

# The API's enums are the models' own Enum classes, registered with strawberry.enum (which returns the class
# it registers); the names are aliases, so the type checker sees the Enum.
CampaignStatus = CampaignStatusModel
strawberry.enum(
    CampaignStatus,
    name="CampaignStatus",
    description="Workflow: draft → new → active ↔ inactive; anything not active may be discarded (final)",
)
CampaignTypeEnum = CampaignTypeModel
strawberry.enum(CampaignTypeEnum, name="CampaignType", description="What the campaign is for")
CampaignVisibility = VisibilityModel
strawberry.enum(
    CampaignVisibility,
    name="CampaignVisibility",
    description="private: owners and admins; internal: every CRM user; public: also a public page while active",
)
EngagementKind = EngagementKindModel
strawberry.enum(EngagementKind, name="EngagementKind", description="A view, like or enrolment")
EngagementBucket = engagement_service.Bucket
strawberry.enum(EngagementBucket, name="EngagementBucket", description="Width of a time bucket (UTC)")


def _origin(info: Info) -> str:
    return origin_of(info.context.request)


def origin_of(request: Any) -> str:
    """The origin visitors reach this server at: the request's own (a Starlette request or socket), else the
    configured one."""
    if request is None:
        return get_settings().own_origin
    url = request.base_url
    scheme = {"ws": "http", "wss": "https"}.get(url.scheme, url.scheme)
    return f"{scheme}://{url.netloc}"


def public_url_of(campaign: Campaign, origin: str) -> str | None:
    """Address of a campaign's public page (public campaigns)."""
    return f"{origin}/c/{campaign.code}" if campaign.visibility is VisibilityModel.PUBLIC else None


def embed_snippet_of(campaign: Campaign, origin: str) -> str | None:
    """The <iframe> another site pastes to show a public campaign's sign-up form."""
    if campaign.visibility is not VisibilityModel.PUBLIC:
        return None
    title = campaign.title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (
        f'<iframe src="{origin}/c/{campaign.code}/embed" title="{title}" width="100%" height="560" '
        'style="border:0;max-width:480px" loading="lazy"></iframe>'
    )


def your_link_of(campaign: Campaign, origin: str, me: User | None) -> str | None:
    """The caller's (`me`) own link to a public campaign's page, carrying their referral code (sellers)."""
    if me is None or me.role not in referrals.SELLERS:
        return None
    return referrals.your_link(public_url_of(campaign, origin), me.referral_code)


def page_is_open(campaign: Campaign, owner_zone: str | None) -> bool:
    """Whether the public page is open, its period read in its owner's time zone (`owner_zone`; none: UTC)."""
    return campaign_is_public(campaign, service.local_today(owner_zone))


def points_of(points: list[engagement_service.Point]) -> list[EngagementPoint]:
    return [EngagementPoint(start=p.start, views=p.views, likes=p.likes, enrolments=p.enrolments) for p in points]


@strawberry.type(name="EngagementTotals", description="A campaign's counters")
class EngagementTotals:
    views: int = strawberry.field(description="Page views")
    likes: int = strawberry.field(description="Likes (one per visitor)")
    enrolments: int = strawberry.field(description="Sign-ups (one per email)")


@strawberry.type(name="EngagementPoint", description="Views, likes and enrolments within one time bucket")
class EngagementPoint:
    start: datetime = strawberry.field(description="Start of the bucket (UTC)")
    views: int = strawberry.field(description="Views in the bucket")
    likes: int = strawberry.field(description="Likes in the bucket")
    enrolments: int = strawberry.field(description="Enrolments in the bucket")


def _enrolee(column: str, description: str) -> Any:
    """A field naming the person who enrolled: campaign owners (marketing) and admins read it; everyone else
    gets null and still sees counts, times and sources (permissions.reads_enrolees)."""

    def resolve(root: Any, info: Info) -> str | None:
        return getattr(root, column) if reads_enrolees(info.context.actor) else None

    return strawberry.field(resolver=resolve, description=f"{description} (null unless you own campaigns or are an admin)")


@strawberry.type(name="Enrolment", description="Someone who signed up for a campaign")
class EnrolmentType(Shows[Enrolment]):
    id: strawberry.ID = strawberry.field(description="Enrolment id")
    name: str | None = _enrolee("name", "Name as given")
    email: str | None = _enrolee("email", "Email as given (lowercase)")
    referrer_code: str | None = _enrolee("referrer_code", "Referral code from the link they came by, if any")
    source: str = strawberry.field(description="page, embed or api")
    created_at: datetime = strawberry.field(description="When they signed up")


@strawberry.type(name="Campaign", description="A marketing campaign with its public page and engagement counters")
class CampaignNode(Shows[Campaign]):
    id: strawberry.ID = strawberry.field(description="Campaign id")
    title: str = strawberry.field(description="Title shown on the public page")
    code: str = strawberry.field(description="Short code in the public address /c/{code}")
    description: str = strawberry.field(description="Text of the public page")
    type: CampaignTypeEnum = strawberry.field(description="referral, promotion or greetings")
    visibility: CampaignVisibility = strawberry.field(description="Who can see it")
    status: CampaignStatus = strawberry.field(description="Workflow status")
    starts_on: date | None = strawberry.field(description="Period: first day")
    ends_on: date | None = strawberry.field(description="Period: last day")
    views: int = strawberry.field(description="Page views so far")
    likes: int = strawberry.field(description="Likes so far (one per visitor)")
    enrolments: int = strawberry.field(description="Enrolments so far (one per email)")
    version: int = strawberry.field(description="Send it back with updates")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="Statuses this campaign may move to next")
    @staticmethod
    def allowed_statuses(campaign: strawberry.Parent[Campaign]) -> list[CampaignStatus]:
        return service.allowed_next(campaign)

    @strawberry.field(description="True while the public page is open: public, active and within its period "
                      "(read in the owner's time zone)")
    @staticmethod
    async def is_open(campaign: strawberry.Parent[Campaign], info: Info) -> bool:
        owner = await info.context.loaders.user.load(campaign.owner_id) if campaign.owner_id else None
        return page_is_open(campaign, owner.time_zone if owner else None)

    @strawberry.field(description="The campaign owner")
    @staticmethod
    async def owner(campaign: strawberry.Parent[Campaign], info: Info) -> UserType | None:
        owner_id = campaign.owner_id
        return UserType.of_maybe(await info.context.loaders.user.load(owner_id)) if owner_id else None

    @strawberry.field(description="Address of the public page (public campaigns; it opens while active)")
    @staticmethod
    def public_url(campaign: strawberry.Parent[Campaign], info: Info) -> str | None:
        return public_url_of(campaign, _origin(info))

    @strawberry.field(description="Your personal link to the public page: it carries your referral code, and "
                      "sign-ups by it become your leads (public campaigns; reps, sales heads and support)")
    @staticmethod
    async def your_link(campaign: strawberry.Parent[Campaign], info: Info) -> str | None:
        me = info.context.actor.user_id
        user = await info.context.loaders.user.load(me) if me else None  # one statement for a whole list
        return your_link_of(campaign, _origin(info), user)

    @strawberry.field(description="Deals won from the campaign's leads: count and amount")
    @staticmethod
    async def revenue(campaign: strawberry.Parent[Campaign], info: Info) -> CampaignRevenue:
        return revenue_of(await info.context.loaders.campaign_revenue().load(campaign.id))

    @strawberry.field(description="Sellers whose links brought enrolments, best first: enrolments, leads, won revenue")
    @staticmethod
    async def leaderboard(
        campaign: strawberry.Parent[Campaign],
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 10,
    ) -> list[CampaignReferrer]:
        return standings_of(await info.context.loaders.campaign_leaderboard(nested_size(first)).load(campaign.id))

    @strawberry.field(description="HTML to paste into another site: an <iframe> with the sign-up form (public campaigns)")
    @staticmethod
    def embed_snippet(campaign: strawberry.Parent[Campaign], info: Info) -> str | None:
        return embed_snippet_of(campaign, _origin(info))

    @strawberry.field(description="Views, likes and enrolments per hour or day (UTC), gaps filled with zeros")
    @staticmethod
    async def engagement(
        campaign: strawberry.Parent[Campaign],
        info: Info,
        bucket: Annotated[EngagementBucket, strawberry.argument(description="HOUR or DAY")] = engagement_service.Bucket.DAY,
        since: Annotated[datetime | None, strawberry.argument(description="From (default: 48 h or 30 days ago)")] = None,
        until: Annotated[datetime | None, strawberry.argument(description="Until (default: now)")] = None,
    ) -> list[EngagementPoint]:
        start, end = engagement_service.window(bucket, since, until)
        points = await info.context.loaders.campaign_engagement(bucket, start, end).load(campaign.id)
        return points_of(points)

    @strawberry.field(description="The newest enrolments, newest first")
    @staticmethod
    async def latest_enrolments(
        campaign: strawberry.Parent[Campaign],
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 10,
    ) -> list[EnrolmentType]:
        return EnrolmentType.of_all(await info.context.loaders.latest_enrolments(nested_size(first)).load(campaign.id))

    @strawberry.field(description="Everyone who enrolled, newest first, paged: campaign owners (marketing) and admins "
                      "(FORBIDDEN for others, who see the counts)")
    @staticmethod
    async def enrolees(
        campaign: strawberry.Parent[Campaign],
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
    ) -> Connection[EnrolmentType]:
        if not reads_enrolees(info.context.actor):
            raise Forbidden("Only campaign owners and admins read who enrolled")
        return await paginate(Enrolment.filter(campaign_id=campaign.id), field="created_at", descending=True,
                              first=first, after=after)

    @strawberry.field(description="Each mail of this campaign to one address (shares, greetings), newest first, "
                      "paged: campaign owners (marketing) and admins (FORBIDDEN for others)")
    @staticmethod
    async def sends(
        campaign: strawberry.Parent[Campaign],
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        status: Annotated[list[CampaignSendStatus] | None, strawberry.argument(description="Any of these")] = None,
    ) -> Connection[CampaignSendType]:
        if not reads_enrolees(info.context.actor):
            raise Forbidden("Only campaign owners and admins read who was mailed")
        query = CampaignSend.filter(campaign_id=campaign.id)
        if status:
            query = query.filter(status__in=list(status))
        return await paginate(query, field="created_at", descending=True, first=first, after=after)

    @strawberry.field(description="How many sends are in each status")
    @staticmethod
    async def send_counts(campaign: strawberry.Parent[Campaign], info: Info) -> CampaignSendCounts:
        return counts_of(await info.context.loaders.send_counts.load(campaign.id))

    @strawberry.field(description="Greetings scheduled for this campaign, next first (greetings campaigns)")
    @staticmethod
    async def greetings(
        campaign: strawberry.Parent[Campaign],
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
    ) -> Connection[GreetingType]:
        return await paginate(Greeting.filter(campaign_id=campaign.id), field="send_at", descending=False,
                              first=first, after=after)


@strawberry.type(name="CampaignEngagementEvent", description="A view, like or enrolment that just happened")
class CampaignEngagementEvent:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
    kind: EngagementKind = strawberry.field(description="What happened")
    totals: EngagementTotals = strawberry.field(description="The campaign's counters right after it")
    occurred_at: datetime = strawberry.field(description="When")
    enrolee: strawberry.Private[str | None]

    @strawberry.field(description="Name of who enrolled (enrolments only; null unless you own campaigns or are an admin)")
    def enrolment_name(self, info: Info) -> str | None:
        return self.enrolee if reads_enrolees(info.context.actor) else None

    @strawberry.field(description="The campaign's referrer leaderboard right after it (enrolments move it)")
    async def leaderboard(
        self, first: Annotated[int, strawberry.argument(description="How many (at most 50)")] = 10
    ) -> list[CampaignReferrer]:
        campaign_id = int(self.campaign_id)
        return standings_of((await referrals.leaderboards([campaign_id], nested_size(first)))[campaign_id])


@strawberry.type(name="LikeCampaignResult", description="What a like did")
class LikeCampaignResult:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
    counted: bool = strawberry.field(description="False when this visitor had already liked it (nothing changed)")
    totals: EngagementTotals = strawberry.field(description="Counters after the like")


@strawberry.type(name="EnrolInCampaignResult", description="What an enrolment did")
class EnrolInCampaignResult:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
    enrolment_id: strawberry.ID = strawberry.field(description="The enrolment (the existing one for a known email)")
    created: bool = strawberry.field(description="False when the email was already enrolled (nothing changed)")
    totals: EngagementTotals = strawberry.field(description="Counters after the enrolment")


@strawberry.input(description="Which campaigns to list; all conditions must hold")
class CampaignFilter:
    status: list[CampaignStatus] | None = strawberry.field(default=None, description="Any of these statuses")
    type: list[CampaignTypeEnum] | None = strawberry.field(default=None, description="Any of these types")
    visibility: list[CampaignVisibility] | None = strawberry.field(default=None, description="Any of these")
    owner_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Owned by any of")
    active_on: date | None = strawberry.field(default=None, description="Whose period includes this day (open ends count)")
    period: DateRange | None = strawberry.field(default=None, description="Whose period overlaps this range")


@strawberry.enum(description="What to sort campaigns by")
class CampaignOrderField(Enum):
    TITLE = "title"
    CODE = "code"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    VIEWS = "views"
    LIKES = "likes"
    ENROLMENTS = "enrolments"


@strawberry.input(description="Sort order of campaigns")
class CampaignOrder:
    field: CampaignOrderField = strawberry.field(description="Sort key")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="A new campaign; it starts as a draft")
class CreateCampaignInput:
    title: str = strawberry.field(description="Title (required)")
    type: CampaignTypeEnum = strawberry.field(description="referral, promotion or greetings")
    code: str | None = strawberry.field(default=UNSET, description="Code for /c/{code}: a-z, 0-9, hyphens (default: made from the title)")
    description: str | None = strawberry.field(default=UNSET, description="Text of the public page")
    visibility: CampaignVisibility | None = strawberry.field(default=UNSET, description="Default: PRIVATE")
    starts_on: date | None = strawberry.field(default=UNSET, description="Period: first day")
    ends_on: date | None = strawberry.field(default=UNSET, description="Period: last day (not before startsOn)")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Owner (default: you)")


@strawberry.input(description="Changes to a campaign; fields left out stay as they are")
class UpdateCampaignInput:
    id: strawberry.ID = strawberry.field(description="Campaign id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    title: str | None = strawberry.field(default=UNSET, description="Title")
    type: CampaignTypeEnum | None = strawberry.field(default=UNSET, description="Type")
    code: str | None = strawberry.field(default=UNSET, description="Code (only while draft or new)")
    description: str | None = strawberry.field(default=UNSET, description="Text of the public page")
    visibility: CampaignVisibility | None = strawberry.field(default=UNSET, description="Visibility")
    starts_on: date | None = strawberry.field(default=UNSET, description="Period: first day (null: open)")
    ends_on: date | None = strawberry.field(default=UNSET, description="Period: last day (null: open)")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Owner")


@strawberry.input(description="Move a campaign along its workflow")
class ChangeCampaignStatusInput:
    id: strawberry.ID = strawberry.field(description="Campaign id")
    version: int = strawberry.field(description="The version you read")
    status: CampaignStatus = strawberry.field(description="The new status")


@strawberry.input(description="Like a public, active campaign (once per visitor)")
class LikeCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")


@strawberry.input(description="Sign up for a public, active campaign (once per email)")
class EnrolInCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(description="Campaign id")
    name: str = strawberry.field(description="Name")
    email: str = strawberry.field(description="Email")
    consent: bool = strawberry.field(description="Agreement to be contacted about the campaign; must be true")
    referrer_code: str | None = strawberry.field(default=None, description="Referral code of the link followed")


def totals_of(totals: engagement_service.Totals) -> EngagementTotals:
    return EngagementTotals(views=totals.views, likes=totals.likes, enrolments=totals.enrolments)
