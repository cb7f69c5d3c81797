"""Pipelines, stages and deals as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.models import StageKind as StageKindModel
from backend.schema.common import Money
from backend.schema.users import UserType
from backend.schema.context import Info

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
        from backend.models import Stage

        return await Stage.filter(pipeline_id=self.id).order_by("position")


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

    @strawberry.field(description="Deal value")
    def amount(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)  # type: ignore[attr-defined]

    @strawberry.field(description="Amount × probability, the weighted forecast")
    def weighted_amount(self) -> Money:
        return Money(amount=self.amount * self.probability // 100, currency=self.currency)  # type: ignore[attr-defined]

    @strawberry.field(description="Current stage")
    async def stage(self, info: Info) -> StageType:
        return await stage_of(self, info)

    @strawberry.field(description="The pipeline")
    async def pipeline(self, info: Info) -> PipelineType:
        from backend.models import Pipeline

        return await Pipeline.get(id=self.pipeline_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The customer")
    async def customer(self, info: Info) -> CustomerRef:
        return await info.context.loaders.customer.load(self.customer_id)  # type: ignore[attr-defined]

    @strawberry.field(description="The contact person")
    async def contact(self, info: Info) -> ContactRef | None:
        contact_id = self.contact_id  # type: ignore[attr-defined]
        return await info.context.loaders.contact.load(contact_id) if contact_id else None

    @strawberry.field(description="Who owns the deal")
    async def owner(self, info: Info) -> UserType | None:
        owner_id = self.owner_id  # type: ignore[attr-defined]
        return await info.context.loaders.user.load(owner_id) if owner_id else None

    @strawberry.field(description="Newest activities on this deal")
    async def activities(self, info: Info, first: int = 10) -> list[ActivityRef]:
        from backend.resolvers.paging import page_size

        return await info.context.loaders.recent_activities("deal", min(page_size(first), 50), None).load(self.id)

    @strawberry.field(description="Every stage move, oldest first")
    async def stage_history(self, info: Info) -> list[DealStageChangeType]:
        from backend.models import DealStageChange

        return await DealStageChange.filter(deal_id=self.id).order_by("changed_at", "id")
