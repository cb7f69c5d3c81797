"""Pipelines and their stages, as the admin shapes them: create, rename, reorder, re-weight, won/lost kinds.

Stages are data (CONTRACT.md): deals point at them, so a stage is never emptied of meaning under its
deals — a stage holding deals keeps its kind — and the first stage, where new deals start, stays open.

Admins working at once take turns: every write to a pipeline's stages first locks that pipeline's row (deal
moves take the same lock, services/locks.py), and every write to pipelines' names, order or default flag locks
all pipeline rows (a handful), so each reads the state the previous one committed; SQLite's writers take turns
anyway (BEGIN IMMEDIATE, backend/interop/tortoise.py), where Tortoise leaves the lock out. Stages and pipelines
carry no version: of two admins renaming the same stage at once, the last save wins (each audited against the
name it replaced).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import PipelineCreated, PipelineUpdated, StageCreated, StageUpdated
from backend.models import Deal, Pipeline, Stage, StageKind
from backend.permissions import Action
from backend.services import validate as v
from backend.services.locks import lock_pipeline
from backend.services.unit import diff, write

# What a new pipeline starts with, so deals can be opened in it at once; the admin renames and adds.
STARTER_STAGES = (("New", 10, StageKind.OPEN), ("Won", 100, StageKind.WON), ("Lost", 0, StageKind.LOST))
# A closing stage's probability is not a choice: won deals count fully, lost ones not at all.
CLOSED_PROBABILITY = {StageKind.WON: 100, StageKind.LOST: 0}
FIRST_MUST_BE_OPEN = "the first stage is where new deals start, so it must be an open stage"


def _name(field: str, value: Any) -> str:
    return v.text(field, value, max_length=100, required=True)


async def _free_pipeline_name(name: str, except_id: int | None = None) -> None:
    taken = Pipeline.filter(name__iexact=name)
    if except_id is not None:
        taken = taken.exclude(id=except_id)
    if await taken.exists():
        raise BadUserInput("name", f"another pipeline is already called {name!r}")


async def _free_stage_name(pipeline_id: int, name: str, except_id: int | None = None) -> None:
    taken = Stage.filter(pipeline_id=pipeline_id, name__iexact=name)
    if except_id is not None:
        taken = taken.exclude(id=except_id)
    if await taken.exists():
        raise BadUserInput("name", f"another stage of this pipeline is already called {name!r}")


def _probability(kind: StageKind, value: int | None, current: int | None) -> int:
    """The stage's default win probability: given for open stages, fixed for closing ones."""
    if kind in CLOSED_PROBABILITY:
        fixed = CLOSED_PROBABILITY[kind]
        if value is not None and value != fixed:
            raise BadUserInput("probability", f"is always {fixed}% for a {kind.value} stage")
        return fixed
    chosen = v.integer("probability", value, maximum=100)
    if chosen is None:
        if current is None:
            raise BadUserInput("probability", "is required for an open stage (0 to 100)")
        return current
    return chosen


async def _lock_all_pipelines() -> None:
    """Every pipeline row locked until the commit (in id order, so two such writes cannot deadlock): names,
    order and the default flag span rows, and a write to them reads what the previous one committed."""
    await Pipeline.all().order_by("id").select_for_update()


@contextmanager
def _unique_settled(field: str, message: str) -> Iterator[None]:
    """A unique key the turn-taking above should never let a write break (a pipeline's name, a stage's
    position): should one still decide a race, the loser's write is rolled back with a clear error."""
    try:
        yield
    except IntegrityError:
        raise BadUserInput(field, message) from None


async def create_pipeline(actor: Actor, data: Mapping[str, Any]) -> Pipeline:
    """A new pipeline with starter stages (New, Won, Lost); `is_default` makes it where deals go by default."""
    permissions.require(actor, Action.CREATE_PIPELINE)
    name = _name("name", data.get("name"))
    make_default = bool(data.get("is_default"))
    with _unique_settled("name", f"another pipeline is already called {name!r}"):
        async with write(actor) as unit:
            await _lock_all_pipelines()
            await _free_pipeline_name(name)
            last = await Pipeline.all().order_by("-position").first()
            if make_default or last is None:
                make_default = True
                await Pipeline.filter(is_default=True).update(is_default=False)
            pipeline = await Pipeline.create(name=name, is_default=make_default,
                                             position=last.position + 1 if last else 0)
            for position, (stage_name, probability, kind) in enumerate(STARTER_STAGES):
                await Stage.create(pipeline_id=pipeline.id, name=stage_name, position=position,
                                   probability=probability, kind=kind)
            await unit.audit("pipeline.create", "pipeline", pipeline.id, diff({}, {
                "name": name, "is_default": make_default, "stages": [s[0] for s in STARTER_STAGES]}))
            unit.publish(topics.pipelines(), PipelineCreated(pipeline_id=pipeline.id))
    return pipeline


async def update_pipeline(actor: Actor, raw_id: Any, data: Mapping[str, Any]) -> Pipeline:
    """Rename a pipeline, or make it the default one (the former default stops being it)."""
    permissions.require(actor, Action.UPDATE_PIPELINE)
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _name("name", data["name"])
    if "is_default" in data:
        if data["is_default"] is not True:
            raise BadUserInput("isDefault", "make another pipeline the default instead; one always is")
        values["is_default"] = True
    with _unique_settled("name", f"another pipeline is already called {values.get('name')!r}"):
        async with write(actor) as unit:
            await _lock_all_pipelines()
            pipeline = await lock_pipeline(raw_id, "id")
            if "name" in values:
                await _free_pipeline_name(values["name"], pipeline.id)
            changes = diff({key: getattr(pipeline, key) for key in values}, values)
            if not changes:
                return pipeline
            if values.get("is_default"):
                await Pipeline.filter(is_default=True).exclude(id=pipeline.id).update(is_default=False)
            await Pipeline.filter(id=pipeline.id).update(**values)
            pipeline.update_from_dict(values)
            await unit.audit("pipeline.update", "pipeline", pipeline.id, changes)
            unit.publish(topics.pipelines(), PipelineUpdated(pipeline_id=pipeline.id))
    return pipeline


async def _renumber(pipeline_id: int, order: list[Stage]) -> None:
    """Give the stages of a pipeline the positions of `order` (every stage of the pipeline, in order).

    Positions are unique per pipeline and a database may check that per row, so every stage first moves
    to a negative position (distinct, and clear of every final one), then to its place."""
    if not order or order[0].kind is not StageKind.OPEN:
        raise BadUserInput("position", FIRST_MUST_BE_OPEN)
    await Stage.filter(pipeline_id=pipeline_id).update(position=-1 - F("position"))
    for position, stage in enumerate(order):
        await Stage.filter(id=stage.id).update(position=position)
        stage.position = position


async def _reorder(pipeline_id: int, moving: Stage, raw_position: int) -> None:
    stages = [s for s in await Stage.filter(pipeline_id=pipeline_id).order_by("position", "id") if s.id != moving.id]
    position = v.integer("position", raw_position, maximum=len(stages))
    assert position is not None
    stages.insert(position, moving)
    await _renumber(pipeline_id, stages)


# The backstop's message where a stage write would break the unique (pipeline, position) key.
STAGES_RACED = "the pipeline's stages changed at the same time; reload and retry"


async def create_stage(actor: Actor, data: Mapping[str, Any]) -> Stage:
    """A new stage of a pipeline: at the end, or at `position` (later stages move one down)."""
    permissions.require(actor, Action.CREATE_STAGE)
    if data.get("pipeline_id") is None:
        raise BadUserInput("pipelineId", "is required")
    name = _name("name", data.get("name"))
    kind = v.choice("kind", data.get("kind") or StageKind.OPEN, StageKind)
    probability = _probability(kind, data.get("probability"), None)
    needs_step = _needs_next_step(kind, data.get("requires_next_step"))
    with _unique_settled("position", STAGES_RACED):
        async with write(actor) as unit:
            pipeline = await lock_pipeline(data["pipeline_id"], "pipelineId")
            await _free_stage_name(pipeline.id, name)
            count = await Stage.filter(pipeline_id=pipeline.id).count()
            stage = await Stage.create(pipeline_id=pipeline.id, name=name, position=count, probability=probability,
                                       kind=kind, requires_next_step=needs_step)
            if data.get("position") is not None and data["position"] != count:
                await _reorder(pipeline.id, stage, data["position"])
            await unit.audit("stage.create", "stage", stage.id, diff({}, {
                "pipeline_id": pipeline.id, "name": name, "position": stage.position, "probability": probability,
                "kind": kind, "requires_next_step": needs_step}))
            unit.publish(topics.pipelines(), StageCreated(pipeline_id=pipeline.id, stage_id=stage.id))
    return stage


async def update_stage(actor: Actor, raw_id: Any, data: Mapping[str, Any]) -> Stage:
    """Rename, re-weight, move (`position`, from 0) or change the kind of a stage.

    Deals keep their own probability; the stage's is the default for deals entering it. A stage holding
    deals keeps its kind (its deals were closed, or not, by entering it)."""
    permissions.require(actor, Action.UPDATE_STAGE)
    stage_id = v.parse_id("id", raw_id)
    name = _name("name", data["name"]) if "name" in data else None
    if "kind" in data and data["kind"] is None:
        raise BadUserInput("kind", "is required: OPEN, WON or LOST")
    position = data.get("position")
    if "position" in data and position is None:
        raise BadUserInput("position", "is required when sent: the new place, from 0")
    found: Stage = await v.one(Stage.filter(id=stage_id), "Stage", raw_id, "id")
    with _unique_settled("position", STAGES_RACED):
        async with write(actor) as unit:
            # A stage never changes pipeline: lock it, then read the stage as the previous write left it.
            pipeline_id = (await lock_pipeline(found.pipeline_id, "id")).id
            stage = await Stage.get(id=stage_id)
            values = await _stage_changes(stage, data, name)
            before = {key: getattr(stage, key) for key in (*values, "position")}
            if values:
                await Stage.filter(id=stage.id).update(**values)
                stage.update_from_dict(values)
            if position is not None and position != before["position"]:
                await _reorder(pipeline_id, stage, position)
            elif stage.position == 0 and stage.kind is not StageKind.OPEN:
                raise BadUserInput("kind", FIRST_MUST_BE_OPEN)
            changes = diff(before, {**values, "position": stage.position})
            if changes:
                await unit.audit("stage.update", "stage", stage.id, changes)
                unit.publish(topics.pipelines(), StageUpdated(pipeline_id=pipeline_id, stage_id=stage.id))
    return stage


async def _stage_changes(stage: Stage, data: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    """The columns `data` changes on `stage` (read under its pipeline's lock), checked against its pipeline."""
    values: dict[str, Any] = {}
    if name is not None:
        await _free_stage_name(stage.pipeline_id, name, stage.id)
        values["name"] = name
    kind = stage.kind
    if "kind" in data:
        kind = v.choice("kind", data["kind"], StageKind)
        if kind is not stage.kind:
            held = await Deal.filter(stage_id=stage.id).count()
            if held:
                raise BadUserInput("kind", f"{held} deal(s) are in this stage; move them before changing its kind")
            values["kind"] = kind
    if "probability" in data or "kind" in values:
        values["probability"] = _probability(kind, data.get("probability"), stage.probability)
    if "requires_next_step" in data:
        if data["requires_next_step"] is None:
            raise BadUserInput("requiresNextStep", "may not be null: true or false")
        values["requires_next_step"] = _needs_next_step(kind, data["requires_next_step"])
    elif kind is not StageKind.OPEN and stage.requires_next_step:
        values["requires_next_step"] = False  # a stage that closes deals asks for no next step
    return values


def _needs_next_step(kind: StageKind, value: bool | None) -> bool:
    """Only open stages may require a next step: won and lost ones close the deal, and their dialogs ask for
    the outcome instead."""
    if value and kind is not StageKind.OPEN:
        raise BadUserInput("requiresNextStep", "only open stages can require a next step")
    return bool(value)
