"""Moving deals to another pipeline (issue 18: "deals move between pipelines with a stage mapping").

A stage belongs to one pipeline, so a deal changing pipeline changes stage too: the caller maps each stage the
deals are in to a stage of the target pipeline (`stage_map`: from stage id → to stage id). Each deal then moves
as moveDeal moves it — its stage history, a line on the customer's timeline, its owner told, audited, a `moved`
event — with the pipeline change in the same write. All the deals or none: one that may not be moved, or whose
stage the map leaves out, refuses the whole move. Entering the target stage does what entering it always does
(won and lost fix the probability and close the deal; a lost stage needs a reason), except that a deal already
closed the same way keeps its close time and reason: it was not won or lost again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.live import topics
from backend.live.events import DealMoved
from backend.models import Deal, DealStageChange, Pipeline, Stage, StageKind
from backend.permissions import Action
from backend.services import lost_reasons
from backend.services import validate as v
from backend.services.deals import entering, facts, log_move
from backend.services.locks import lock_pipeline
from backend.services.unit import diff, write

MAX_DEALS = 100  # one page of a list: a bigger migration runs page by page


def _stage_map(raw: Sequence[Any] | None) -> dict[int, int]:
    """{from stage id: to stage id} from the input's pairs ({from_stage_id, to_stage_id} mappings or objects)."""
    mapped: dict[int, int] = {}
    for pair in raw or []:
        get = pair.get if isinstance(pair, Mapping) else lambda key, p=pair: getattr(p, key)
        source = v.parse_id("stageMap.fromStageId", get("from_stage_id"))
        if source in mapped:
            raise BadUserInput("stageMap.fromStageId", f"stage {source} is mapped twice")
        mapped[source] = v.parse_id("stageMap.toStageId", get("to_stage_id"))
    return mapped


async def move_deals_to_pipeline(actor: Actor, raw_ids: Sequence[Any], raw_pipeline: Any, raw_map: Sequence[Any] | None,
                                 lost_reason: str | None = None, lost_reason_id: Any = None) -> list[Deal]:
    """Move the deals to the pipeline `raw_pipeline`, each into the stage `raw_map` gives for its current one."""
    permissions.require(actor, Action.MOVE_DEAL)
    detail = v.text("lostReason", lost_reason, max_length=500)
    ids = list(dict.fromkeys(v.parse_id("dealIds", raw) for raw in raw_ids or []))
    if not ids:
        raise BadUserInput("dealIds", "name at least one deal")
    if len(ids) > MAX_DEALS:
        raise BadUserInput("dealIds", f"at most {MAX_DEALS} deals at once")
    mapped = _stage_map(raw_map)
    target_id = v.parse_id("pipelineId", raw_pipeline)
    async with write(actor) as unit:
        found = {d.id: d for d in await Deal.filter(permissions.deal_rule(actor), id__in=ids)}
        for deal_id in ids:
            if deal_id not in found:
                raise NotFound("Deal", deal_id, field="dealIds")
        deals = [found[i] for i in ids]
        for deal in deals:
            permissions.require(actor, Action.MOVE_DEAL, deal)
        # Every pipeline involved holds its stages still until the commit (services/locks.py), in id order so
        # two moves in opposite directions cannot wait for each other.
        pipelines: dict[int, Pipeline] = {}
        for pipeline_id in sorted({target_id, *(d.pipeline_id for d in deals)}):
            pipelines[pipeline_id] = await lock_pipeline(pipeline_id, "pipelineId")
        target = pipelines[target_id]
        stages = {s.id: s for s in await Stage.filter(id__in=[*mapped.values(), *(d.stage_id for d in deals)])}
        for to_id in mapped.values():
            if to_id not in stages or stages[to_id].pipeline_id != target.id:
                raise BadUserInput("stageMap.toStageId", f"stage {to_id} is not a stage of the pipeline {target.name!r}")
        listed = None
        for deal in deals:
            if deal.pipeline_id == target.id:
                raise BadUserInput("pipelineId", f"{deal.title!r} is in {target.name!r} already: move it with moveDeal")
            source = stages[deal.stage_id]
            if source.id not in mapped:
                raise BadUserInput("stageMap", f"say which stage of {target.name!r} deals in {source.name!r} go to")
            stage = stages[mapped[source.id]]
            if stage.kind is StageKind.LOST and source.kind is not StageKind.LOST and listed is None:
                listed = await lost_reasons.reason_text(lost_reason_id, detail)
            values = _entered(deal, source, stage, listed)
            before = {key: getattr(deal, key) for key in values}
            await v.versioned_update(Deal, deal, deal.version, "Deal", **values)
            await DealStageChange.create(deal_id=deal.id, from_stage_id=source.id, to_stage_id=stage.id,
                                         changed_by_id=actor.user_id)
            await log_move(actor, unit, deal, source, stage, f"{pipelines[before['pipeline_id']].name} → {target.name}")
            await unit.audit("deal.move_pipeline", "deal", deal.id, diff(before, values))
            unit.publish(topics.deals(), DealMoved(**facts(actor, deal), from_stage_id=source.id))
    return deals


def _entered(deal: Deal, source: Stage, stage: Stage, listed: tuple[int | None, str] | None) -> dict[str, Any]:
    """The deal's new pipeline and what entering `stage` makes of it; closed the same way before, it keeps how
    and when it closed."""
    values: dict[str, Any] = {"pipeline_id": stage.pipeline_id}
    if stage.kind is not StageKind.OPEN and source.kind is stage.kind:
        return values | {"stage_id": stage.id}
    choice_id, reason = listed or (None, "")
    return values | entering(stage, reason, None, choice_id)
