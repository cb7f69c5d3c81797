"""Pipelines, stages and deals as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types.unset import UNSET

from backend.models import StageKind as StageKindModel
from backend.resolvers.columns import reads
from backend.schema.common import AmountRange, BigInt, DateRange, DateTimeRange, Money, SortDirection
from backend.schema.context import Info
from backend.schema.lost_reasons import LostReasonType
from backend.schema.users import UserType

if TYPE_CHECKING:
    from backend.schema.activities import ActivityType
    from backend.schema.contacts import ContactType
    from backend.schema.customers import CustomerType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]
ActivityRef = Annotated["ActivityType", strawberry.lazy("backend.schema.activities")]

StageKind = strawberry.enum(StageKindModel, name="StageKind", description="open, or a closing stage: won or lost")


@strawberry.type(name="Stage", description="A step of a pipeline")
class StageType:
    id: strawberry.ID = strawberry.field(description="Stage id")
    name: str = strawberry.field(description="Stage name")
    position: int = strawberry.field(description="Order within the pipeline, from 0")
    probability: int = strawberry.field(description="Default win probability in percent")
    kind: StageKind = strawberry.field(description="open, won or lost")  # type: ignore[valid-type]


@strawberry.type(name="Pipeline", description="A sales process: ordered stages deals move through")
class PipelineType:
    id: strawberry.ID = strawberry.field(description="Pipeline id")
    name: str = strawberry.field(description="Pipeline name")
    is_default: bool = strawberry.field(description="Used when a deal names no pipeline")

    @strawberry.field(description="Stages in order")
    async def stages(self, info: Info) -> list[StageType]:
        return await info.context.loaders.stages_of_pipeline.load(self.id)

    @strawberry.field(
        description="The pipeline board's figures: per stage the deals you may see (optionally filtered), "
        "their total and weighted forecast in the base currency"
    )
    async def summary(
        self,
        info: Info,
        filter: Annotated[DealFilter | None, strawberry.argument(description="Only deals matching this")] = None,
    ) -> PipelineSummary:
        from backend.resolvers.deals import pipeline_summary

        return await pipeline_summary(info, self, filter)


@strawberry.type(name="DealStageChange", description="One move of a deal between stages")
class DealStageChangeType:
    changed_at: datetime = strawberry.field(description="When")

    @strawberry.field(description="Stage before (null when the deal was created)")
    async def from_stage(self, info: Info) -> StageType | None:
        stage_id = self.from_stage_id  # type: ignore[attr-defined]
        return await info.context.loaders.stage.load(stage_id) if stage_id else None

    @strawberry.field(description="Stage after")
    async def to_stage(self, info: Info) -> StageType:
        return await info.context.loaders.stage.load(self.to_stage_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Who moved it")
    async def changed_by(self, info: Info) -> UserType | None:
        user_id = self.changed_by_id  # type: ignore[attr-defined]
        return await info.context.loaders.user.load(user_id) if user_id else None


async def stage_of(deal: object, info: Info) -> StageType:
    """The deal's stage: already joined when the deal came through a loader, else batched."""
    return deal.__dict__.get("_stage") or await info.context.loaders.stage.load(deal.stage_id)  # type: ignore[attr-defined]


@strawberry.type(name="Deal", description="An opportunity with a customer, moving through a pipeline")
class DealType:
    id: strawberry.ID = strawberry.field(description="Deal id")
    title: str = strawberry.field(description="What is being sold")
    probability: int = strawberry.field(description="Win probability in percent")
    expected_close_date: date | None = strawberry.field(description="When it should close")
    lost_reason: str = strawberry.field(description="Why it was lost")
    closed_at: datetime | None = strawberry.field(description="When it reached a won or lost stage")
    version: int = strawberry.field(description="Send it back with updateDeal and moveDeal")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="Deal value", metadata=reads("amount", "currency"))
    def amount(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)  # type: ignore[attr-defined]

    @strawberry.field(
        description="Amount × probability, the weighted forecast",
        metadata=reads("amount", "probability", "currency")
    )
    def weighted_amount(self) -> Money:
        return Money(amount=self.amount * self.probability // 100, currency=self.currency)  # type: ignore[attr-defined]

    @strawberry.field(description="The listed reason picked when it was lost (null: free text only, or not lost)",
                      metadata=reads("lost_reason_choice_id"))
    async def lost_reason_choice(self, info: Info) -> LostReasonType | None:
        choice_id = self.lost_reason_choice_id  # type: ignore[attr-defined]
        return await info.context.loaders.lost_reason.load(choice_id) if choice_id else None

    @strawberry.field(description="Current stage", metadata=reads("stage_id"))
    async def stage(self, info: Info) -> StageType:
        return await stage_of(self, info)

    @strawberry.field(
        description="The amount converted to the base currency (CRM_BASE_CURRENCY)",
        metadata=reads("amount", "currency")
    )
    async def amount_in_base_currency(self, info: Info) -> Money | None:
        from backend.services.currency import to_base
        from backend.settings import get_settings

        table = await info.context.loaders.exchange_rates()
        currency = self.currency  # type: ignore[attr-defined]
        if currency not in table:
            return None
        return Money(amount=to_base(self.amount, currency, table), currency=get_settings().base_currency)  # type: ignore[attr-defined]

    @strawberry.field(description="The pipeline", metadata=reads("pipeline_id"))
    async def pipeline(self, info: Info) -> PipelineType:
        return await info.context.loaders.pipeline.load(self.pipeline_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The customer", metadata=reads("customer_id"))
    async def customer(self, info: Info) -> CustomerRef:
        return await info.context.loaders.customer.load(self.customer_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The contact person", metadata=reads("contact_id"))
    async def contact(self, info: Info) -> ContactRef | None:
        contact_id = self.contact_id  # type: ignore[attr-defined]
        return await info.context.loaders.contact.load(contact_id) if contact_id else None

    @strawberry.field(description="Who owns the deal", metadata=reads("owner_id"))
    async def owner(self, info: Info) -> UserType | None:
        owner_id = self.owner_id  # type: ignore[attr-defined]
        return await info.context.loaders.user.load(owner_id) if owner_id else None

    @strawberry.field(description="Newest activities on this deal", metadata=reads())
    async def activities(self, info: Info, first: int = 10) -> list[ActivityRef]:
        from backend.resolvers.activities import newest_activities

        return await newest_activities(info, "deal", self.id, first)

    @strawberry.field(description="Every stage move, oldest first", metadata=reads())
    async def stage_history(self, info: Info) -> list[DealStageChangeType]:
        return await info.context.loaders.stage_history_of_deal.load(self.id)


@strawberry.type(name="StageTotals", description="One column of the pipeline board")
class StageTotals:
    stage: StageType = strawberry.field(description="The stage")
    count: int = strawberry.field(description="How many deals are in it")
    amount: Money = strawberry.field(description="Their total, in the base currency")
    weighted_amount: Money = strawberry.field(description="Their total × probability, in the base currency")


@strawberry.type(name="PipelineSummary", description="A pipeline's figures in the base currency")
class PipelineSummary:
    stages: list[StageTotals] = strawberry.field(description="Every stage in order, empty ones included")
    count: int = strawberry.field(description="Deals in the pipeline")
    open_amount: Money = strawberry.field(description="Total of the deals in open stages")
    weighted_forecast: Money = strawberry.field(description="Open deals' amount × probability: the forecast")
    won_amount: Money = strawberry.field(description="Total of the won deals")


@strawberry.input(description="Which deals to list; all conditions given must hold")
class DealFilter:
    pipeline_id: strawberry.ID | None = strawberry.field(default=None, description="In this pipeline")
    stage_id: list[strawberry.ID] | None = strawberry.field(default=None, description="In any of these stages")
    stage_kind: list[StageKind] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="In a stage of any of these kinds (open, won, lost)"
    )
    owner_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Owned by any of")
    customer_id: list[strawberry.ID] | None = strawberry.field(default=None, description="With any of these customers")
    amount: AmountRange | None = strawberry.field(default=None, description="Amount in minor units, own currency")
    expected_close: DateRange | None = strawberry.field(default=None, description="Expected to close within")
    currency: list[str] | None = strawberry.field(default=None, description="In any of these ISO currencies")
    created_at: DateTimeRange | None = strawberry.field(default=None, description="Created within")


@strawberry.enum(description="What to sort deals by")
class DealOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TITLE = "title"
    AMOUNT = "amount"
    EXPECTED_CLOSE_DATE = "expected_close_date"


@strawberry.input(description="Sort order of deals (deals without an expected close date come last)")
class DealOrder:
    field: DealOrderField = strawberry.field(description="Sort key (amount: in the deal's own currency)")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="A new deal")
class CreateDealInput:
    title: str = strawberry.field(description="What is being sold (required)")
    customer_id: strawberry.ID = strawberry.field(description="The customer (required)")
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="A contact of that customer")
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owner (default: you; a sales rep always owns the deals they create)"
    )
    pipeline_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Pipeline (default: the default)")
    stage_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Stage (default: the first)")
    amount: BigInt | None = strawberry.field(default=UNSET, description="Value in minor units (default 0)")  # type: ignore[valid-type]
    currency: str | None = strawberry.field(default=UNSET, description="ISO code (default: the base currency)")
    probability: int | None = strawberry.field(default=UNSET, description="0..100 (default: the stage's)")
    expected_close_date: date | None = strawberry.field(default=UNSET, description="When it should close")
    lost_reason: str | None = strawberry.field(default=UNSET, description="Required when created in a lost stage")
    lost_reason_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A reason from lostReasons (lostReason then adds detail)"
    )


@strawberry.input(description="Changes to a deal; fields left out stay as they are. Stages change with moveDeal")
class UpdateDealInput:
    id: strawberry.ID = strawberry.field(description="Deal id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    title: str | None = strawberry.field(default=UNSET, description="Title")
    amount: BigInt | None = strawberry.field(default=UNSET, description="Value in minor units")  # type: ignore[valid-type]
    currency: str | None = strawberry.field(default=UNSET, description="ISO currency code")
    probability: int | None = strawberry.field(default=UNSET, description="0..100 (fixed while won or lost)")
    expected_close_date: date | None = strawberry.field(default=UNSET, description="When it should close")
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="A contact of the customer, or null")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="New owner")
    lost_reason: str | None = strawberry.field(default=UNSET, description="Why it was lost")


@strawberry.input(description="Move a deal to another stage of its pipeline")
class MoveDealInput:
    id: strawberry.ID = strawberry.field(description="Deal id")
    version: int = strawberry.field(description="The version you read")
    stage_id: strawberry.ID = strawberry.field(description="The new stage")
    lost_reason: str | None = strawberry.field(
        default=None, description="Why, in words (a lost stage needs this, lostReasonId or both)"
    )
    lost_reason_id: strawberry.ID | None = strawberry.field(
        default=None, description="A reason from lostReasons; lostReason then adds detail to it"
    )


@strawberry.input(description="Delete a deal")
class DeleteDealInput:
    id: strawberry.ID = strawberry.field(description="Deal id")
    version: int = strawberry.field(description="The version you read")
