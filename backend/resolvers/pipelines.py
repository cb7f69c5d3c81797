"""Pipelines and stages as admins shape them (calls into services.pipelines), and the stream boards follow."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from backend.live import topics
from backend.live.events import PipelineCreated, PipelineFacts, PipelineUpdated, StageCreated, StageUpdated
from backend.reads.context import Info
from backend.reads.loaders import Loaders
from backend.resolvers.streams import listen
from backend.schema.common import provided
from backend.schema.deals import PipelineType, StageType
from backend.schema.pipelines import (
    CreatePipelineInput,
    CreateStageInput,
    PipelineChangeEvent,
    PipelineChangeKind,
    UpdatePipelineInput,
    UpdateStageInput,
)
from backend.services import pipelines as service

KINDS = {
    PipelineCreated: PipelineChangeKind.PIPELINE_CREATED,
    PipelineUpdated: PipelineChangeKind.PIPELINE_UPDATED,
    StageCreated: PipelineChangeKind.STAGE_CREATED,
    StageUpdated: PipelineChangeKind.STAGE_UPDATED,
}


@strawberry.type
class PipelineMutation:
    @strawberry.mutation(description="Create a pipeline with starter stages New, Won and Lost (admins)")
    async def create_pipeline(self, info: Info, input: CreatePipelineInput) -> PipelineType:
        return PipelineType.of(await service.create_pipeline(info.context.actor, provided(input)))

    @strawberry.mutation(description="Rename a pipeline or make it the default one (admins)")
    async def update_pipeline(self, info: Info, input: UpdatePipelineInput) -> PipelineType:
        data = provided(input)
        return PipelineType.of(await service.update_pipeline(info.context.actor, data.pop("id"), data))

    @strawberry.mutation(description="Add a stage to a pipeline, at the end or at a position (admins)")
    async def create_stage(self, info: Info, input: CreateStageInput) -> StageType:
        return StageType.of(await service.create_stage(info.context.actor, provided(input)))

    @strawberry.mutation(description="Rename, re-weight, move or change the kind of a stage (admins)")
    async def update_stage(self, info: Info, input: UpdateStageInput) -> StageType:
        data = provided(input)
        return StageType.of(await service.update_stage(info.context.actor, data.pop("id"), data))


@strawberry.type
class PipelineSubscription:
    @strawberry.subscription(
        description="Pipelines and stages created, renamed, reordered or re-weighted, as committed: boards "
        "redraw their columns (every signed-in user reads pipelines)"
    )
    async def pipeline_changed(self, info: Info) -> AsyncGenerator[PipelineChangeEvent, None]:
        context = info.context
        async with listen(context, topics.pipelines()) as events:
            async for event in events:
                if not isinstance(change := event.data, PipelineFacts):
                    continue
                context.loaders = Loaders(context.actor)  # rows as they are after this change, not cached ones
                yield PipelineChangeEvent(
                    kind=KINDS[type(change)],
                    pipeline_id=strawberry.ID(str(change.pipeline_id)),
                    stage_id=strawberry.ID(str(change.stage_id)) if change.stage_id is not None else None,
                )
