"""What admins send to shape pipelines and stages, and the live event boards follow."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types.unset import UNSET

from backend.reads.context import Info
from backend.schema.deals import PipelineType, StageKind, StageType


@strawberry.input(description="A new pipeline; it starts with the stages New (open, 10 %), Won and Lost")
class CreatePipelineInput:
    name: str = strawberry.field(description="Pipeline name, unique (ignoring case)")
    is_default: bool = strawberry.field(default=False, description="Deals naming no pipeline go here from now on")


@strawberry.input(description="Changes to a pipeline; fields left out stay as they are")
class UpdatePipelineInput:
    id: strawberry.ID = strawberry.field(description="The pipeline")
    name: str | None = strawberry.field(default=UNSET, description="New name, unique (ignoring case)")
    is_default: bool | None = strawberry.field(
        default=UNSET, description="true makes it the default (the former default stops being it)"
    )


@strawberry.input(description="A new stage of a pipeline")
class CreateStageInput:
    pipeline_id: strawberry.ID = strawberry.field(description="The pipeline")
    name: str = strawberry.field(description="Stage name, unique within the pipeline (ignoring case)")
    kind: StageKind = strawberry.field(default=StageKind.OPEN, description="OPEN, or a closing stage: WON or LOST")
    probability: int | None = strawberry.field(
        default=None, description="Default win probability of deals entering it, 0–100 (required for open stages; "
        "won stages are 100, lost ones 0)"
    )
    position: int | None = strawberry.field(
        default=None, description="Its place from 0 (later stages move down); default: last. The first stage "
        "must be open"
    )
    requires_next_step: bool = strawberry.field(
        default=False, description="Deals moving into it need a next step (open stages only)"
    )


@strawberry.input(description="Changes to a stage; fields left out stay as they are")
class UpdateStageInput:
    id: strawberry.ID = strawberry.field(description="The stage")
    name: str | None = strawberry.field(default=UNSET, description="New name, unique within the pipeline")
    kind: StageKind | None = strawberry.field(
        default=UNSET, description="OPEN, WON or LOST; only for a stage no deal is in"
    )
    probability: int | None = strawberry.field(
        default=UNSET, description="Default win probability (0–100) of deals entering it; deals keep their own"
    )
    position: int | None = strawberry.field(
        default=UNSET, description="New place from 0; the stages between move up or down. The first must be open"
    )
    requires_next_step: bool | None = strawberry.field(
        default=UNSET, description="true: deals moving into it need a next step (open stages only)"
    )


@strawberry.enum(name="PipelineChangeKind", description="What changed in a pipeline")
class PipelineChangeKind(Enum):
    PIPELINE_CREATED = "pipeline_created"
    PIPELINE_UPDATED = "pipeline_updated"
    STAGE_CREATED = "stage_created"
    STAGE_UPDATED = "stage_updated"


@strawberry.type(name="PipelineChangeEvent", description="A committed change of a pipeline or one of its stages")
class PipelineChangeEvent:
    kind: PipelineChangeKind = strawberry.field(description="What changed")
    pipeline_id: strawberry.ID = strawberry.field(description="The pipeline")
    stage_id: strawberry.ID | None = strawberry.field(description="The stage, for stage changes")

    @strawberry.field(description="The pipeline as it is now, stages in their new order")
    async def pipeline(self, info: Info) -> PipelineType | None:
        return PipelineType.of_maybe(await info.context.loaders.pipeline.load(int(self.pipeline_id)))

    @strawberry.field(description="The stage as it is now, for stage changes")
    async def stage(self, info: Info) -> StageType | None:
        return StageType.of_maybe(await info.context.loaders.stage.load(int(self.stage_id))) if self.stage_id else None
