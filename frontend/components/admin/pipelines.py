"""Admin → Pipelines: create pipelines, and add, rename, reorder, re-weight stages and set their kind.
Sales heads get the stages only: creating, renaming and choosing the default pipeline stays with admins.

Boards follow at once: every change publishes pipelineChanged, which the pipeline board listens to."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import (
    badge,
    changed_value,
    empty,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_live, use_query, use_session

PIPELINES_QUERY = (
    "query AdminPipelines { pipelines { id name isDefault stages { id name position probability kind dealCount requiresNextStep } } }"
)
PIPELINE_CHANGED = "subscription AdminPipelineChanged { pipelineChanged { kind pipelineId } }"
CREATE_PIPELINE = "mutation CreatePipeline($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }"
UPDATE_PIPELINE = "mutation UpdatePipeline($input: UpdatePipelineInput!) { updatePipeline(input: $input) { id } }"
CREATE_STAGE = "mutation CreateStage($input: CreateStageInput!) { createStage(input: $input) { id } }"
UPDATE_STAGE = "mutation UpdateStage($input: UpdateStageInput!) { updateStage(input: $input) { id } }"
KINDS = (("OPEN", "Open"), ("WON", "Won"), ("LOST", "Lost"))
CLOSED_PROBABILITY = {"WON": 100, "LOST": 0}


NOT_A_PERCENT = "must be a whole number from 0 to 100"


class NotAPercent(ValueError):
    pass


def probability(value: str) -> int | None:
    """The typed probability as a number (empty: none). The server checks the range and names the field; a
    value that is no whole number would not even reach it as an Int, so it is refused here in the same words."""
    value = value.strip()
    if not value:
        return None
    if not value.lstrip("-").isdigit():
        raise NotAPercent(value)
    return int(value)


def stage_changes(stage: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """Only what the admin changed in a stage's row."""
    wanted: dict[str, Any] = {"name": values.get("name", "").strip(), "kind": values.get("kind") or stage["kind"]}
    if wanted["kind"] not in CLOSED_PROBABILITY:
        wanted["probability"] = probability(values.get("probability", ""))
        if "requiresNextStep" in values:  # the checkbox: "on" or ""
            wanted["requiresNextStep"] = values["requiresNextStep"] == "on"
    return {key: value for key, value in wanted.items() if value != stage.get(key)}


def open_end(stages: list[dict[str, Any]]) -> int:
    """Where a new open stage goes: before the won/lost stages that end the pipeline."""
    position = len(stages)
    while position > 0 and stages[position - 1]["kind"] in CLOSED_PROBABILITY:
        position -= 1
    return position


def stage_key(stage: dict[str, Any]) -> str:
    return (f"{stage['id']}-{stage['position']}-{stage['name']}-{stage['kind']}-{stage['probability']}-"
            f"{stage['requiresNextStep']}")


def next_step_box(label: str, checked: bool, closed: bool, key: str) -> VdomDict:
    """The stage's "Needs a next step" flag: deals moving in must have an open task with a due date (or get one
    in the move's dialog). Open stages only: won and lost ones close the deal."""
    return html.label(
        {"className": "check next-step-flag", "title": "Moving a deal here asks for its next step (a task with a "
         "due date); the Automations rule must be on"},
        html.input({"type": "checkbox", "name": "requiresNextStep", "defaultChecked": checked and not closed,
                    "disabled": closed, "key": key, "aria-label": f"{label} needs a next step"}),
        " Needs a next step")


@component
def StageRow(stage: dict[str, Any], last: int, changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    stored = stage_key(stage)
    # The kind picked in the form, for the values it was picked on: once the stage changes, the stored kind.
    picked, set_picked = use_state(("", ""))
    kind = picked[1] if picked[0] == stored else stage["kind"]
    refused, set_refused = use_state(0)

    def set_kind(value: str) -> None:
        set_picked((stored, value))

    # The row's form is keyed by the stored values (stage_key): a saved or moved row's inputs show what was
    # stored, not what the browser kept. A refused save re-keys it too, so it shows the stored values again
    # beside the server's reason.
    async def send(values: dict[str, Any]) -> None:
        try:
            await gql.execute(session.actor, UPDATE_STAGE, input={"id": stage["id"], **values})
        except gql.GqlError as error:
            form.show(error)
            set_kind(stage["kind"])
            set_refused(lambda n: n + 1)
            return
        form.clear()
        changed()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        try:
            values = stage_changes(stage, form_values(e))
        except NotAPercent:
            form.set_errors({"probability": NOT_A_PERCENT})
            return
        if values:
            await send(values)

    async def up(e: Any) -> None:
        await send({"position": stage["position"] - 1})

    async def down(e: Any) -> None:
        await send({"position": stage["position"] + 1})

    closed = kind in CLOSED_PROBABILITY
    label = stage["name"]
    held = stage["dealCount"]
    # The server refuses a new kind while deals are in the stage (they were closed, or not, by entering it).
    kind_hint = f"{held} deal{'s' if held != 1 else ''} in this stage: move them to change its kind" if held else None
    return html.li(
        {"className": "stage-row", "data-stage": label},
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "stage-form", "noValidate": True,
             "aria-label": f"Stage {label}", "key": f"form-{stored}-{refused}"},
            html.span({"className": "stage-pos"}, str(stage["position"] + 1)),
            field("Name", text_input("name", stage["name"], **{"aria-label": f"Name of {label}"}), form.errors.get("name")),
            field("Kind", select("kind", KINDS, stage["kind"], onChange=lambda e: set_kind(changed_value(e) or "OPEN"),
                                 disabled=bool(held), **{"aria-label": f"Kind of {label}"}), form.errors.get("kind"),
                  hint=kind_hint),
            field("Probability %", text_input(
                "probability", str(CLOSED_PROBABILITY.get(kind, stage["probability"])), kind="number",
                min=0, max=100, disabled=closed, key=f"p-{closed}", **{"aria-label": f"Probability of {label}"}),
                form.errors.get("probability")),
            next_step_box(label, stage["requiresNextStep"], closed, f"n-{closed}"),
            html.div(
                {"className": "actions stage-actions"},
                html.button({"className": "btn btn-small", "type": "button", "onClick": up, "disabled": stage["position"] == 0,
                             "aria-label": f"Move {label} up"}, "↑"),
                html.button({"className": "btn btn-small", "type": "button", "onClick": down,
                             "disabled": stage["position"] == last, "aria-label": f"Move {label} down"}, "↓"),
                html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Save"),
            ),
        ),
        html.span({"className": "field-error", "role": "alert"}, form.errors["position"]) if "position" in form.errors else None,
        error_banner(form.problem),
    )


@component
def NewStage(pipeline_id: str, before_closed: int, changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    kind, set_kind = use_state("OPEN")
    generation, set_generation = use_state(0)

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"pipelineId": pipeline_id, "name": values.get("name", "").strip(), "kind": kind}
        if kind == "OPEN":  # deals move towards the closing stages: an open one goes before them
            payload["position"] = before_closed
            payload["requiresNextStep"] = values.get("requiresNextStep") == "on"
        try:
            if kind not in CLOSED_PROBABILITY:
                payload["probability"] = probability(values.get("probability", ""))
        except NotAPercent:
            form.set_errors({"probability": NOT_A_PERCENT})
            return
        try:
            await gql.execute(session.actor, CREATE_STAGE, input=payload)
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_generation(lambda g: g + 1)  # an empty form for the next stage
        changed()

    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "stage-form new-stage", "noValidate": True,
         "aria-label": "New stage", "key": f"new-{generation}"},
        html.span({"className": "stage-pos"}, "+"),
        field("Name", text_input("name", placeholder="e.g. Demo given"), form.errors.get("name")),
        field("Kind", select("kind", KINDS, kind, onChange=lambda e: set_kind(changed_value(e) or "OPEN")),
              form.errors.get("kind")),
        field("Probability %", text_input("probability", "" if kind == "OPEN" else str(CLOSED_PROBABILITY[kind]),
                                          kind="number", min=0, max=100, disabled=kind != "OPEN", key=f"np-{kind}"),
              form.errors.get("probability")),
        next_step_box("New stage", False, kind != "OPEN", f"nn-{kind}"),
        html.div({"className": "actions stage-actions"},
                 html.button({"className": "btn btn-small btn-primary", "type": "submit"}, "Add stage")),
        error_banner(form.problem),
    )


@component
def PipelineHead(pipeline: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()

    async def save(values: dict[str, Any]) -> None:
        try:
            await gql.execute(session.actor, UPDATE_PIPELINE, input={"id": pipeline["id"], **values})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        changed()

    @event(prevent_default=True)
    async def rename(e: Any) -> None:
        name = form_values(e).get("name", "").strip()
        if name != pipeline["name"]:
            await save({"name": name})

    async def make_default(e: Any) -> None:
        await save({"isDefault": True})

    if not session.can("updatePipeline"):  # a head: the pipeline's name and place, read-only
        return html.div({"className": "pipeline-head"}, html.h2(pipeline["name"]),
                        badge("Default", "active") if pipeline["isDefault"] else None,
                        html.span({"className": "muted"}, "You shape its stages; admins create and rename pipelines."))
    return html.div(
        {"className": "pipeline-head"},
        html.form(
            {"onSubmit": rename, "onInput": form.edited, "className": "inline", "noValidate": True,
             "aria-label": "Rename pipeline", "key": pipeline["id"]},
            field("Pipeline name", text_input("name", pipeline["name"]), form.errors.get("name")),
            html.button({"className": "btn btn-small", "type": "submit"}, "Rename"),
        ),
        badge("Default", "active") if pipeline["isDefault"] else html.button(
            {"className": "btn btn-small", "type": "button", "onClick": make_default}, "Make default"),
        html.span({"className": "muted"}, "New deals go here unless they name a pipeline.")
        if pipeline["isDefault"] else None,
        error_banner(form.problem),
    )


@component
def NewPipeline(created: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            made = (await gql.execute(session.actor, CREATE_PIPELINE, input={
                "name": values.get("name", "").strip(), "isDefault": values.get("isDefault") == "on"}))["createPipeline"]
        except gql.GqlError as error:
            form.show(error)
            return
        created(made["id"])

    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "panel inline", "noValidate": True,
         "aria-label": "New pipeline"},
        field("New pipeline", text_input("name", placeholder="e.g. Renewals"), form.errors.get("name"),
              hint="Starts with the stages New, Won and Lost"),
        html.label({"className": "check"}, html.input({"type": "checkbox", "name": "isDefault"}), " Make it the default"),
        html.button({"className": "btn btn-primary", "type": "submit"}, "Create pipeline"),
        error_banner(form.problem),
    )


@component
def PipelinesSection() -> VdomDict:
    session = use_session()
    result = use_query(PIPELINES_QUERY)
    chosen, set_chosen = use_state("")
    adding, set_adding = use_state(False)
    use_live(PIPELINE_CHANGED, None, lambda e: result.reload())  # another admin's change shows at once

    def created(pipeline_id: str) -> None:
        set_adding(False)
        set_chosen(pipeline_id)
        result.reload()

    data = result.data
    if data is None:
        return pending(result, "Loading pipelines…")
    pipelines = data["pipelines"]
    pipeline = next((p for p in pipelines if p["id"] == chosen), pipelines[0] if pipelines else None)
    picker = html.div(
        {"className": "toolbar"},
        select("pipeline", [(p["id"], p["name"] + (" (default)" if p["isDefault"] else "")) for p in pipelines],
               pipeline["id"] if pipeline else "", onChange=lambda e: set_chosen(changed_value(e)),
               **{"aria-label": "Pipeline"}) if len(pipelines) > 1 else None,
        html.button({"className": "btn", "type": "button", "onClick": lambda e: set_adding(not adding)},
                    "Cancel" if adding else "+ New pipeline") if session.can("createPipeline") else None,
    )
    if pipeline is None:
        return html.section({"aria-label": "Pipelines"}, picker, NewPipeline(created) if adding else
                            empty("No pipeline yet.", "Create one: deals move through its stages."))
    stages = pipeline["stages"]
    return html.section(
        {"aria-label": "Pipelines"},
        picker,
        NewPipeline(created) if adding else None,
        html.div(
            # Not the bare id: ReactPy builds handler targets from key paths, where the key "1" and a sibling
            # at index 1 (NewPipeline while adding) would be one path.
            {"className": "panel", "key": f"pipeline-{pipeline['id']}"},
            PipelineHead(pipeline, result.reload, key=f"head-{pipeline['id']}"),
            html.p({"className": "subtle"}, "Stages in board order. New deals start in the first stage, which is "
                   "always open. A stage's probability is the default for deals entering it; won stages count 100 %, "
                   "lost ones 0 %. A stage holding deals keeps its kind. A stage that needs a next step asks for "
                   "one (a task with a due date) when a deal moves in."),
            # Rows keyed by stage: a live reload re-renders them in place. Keyed by their values (as they were),
            # every pipelineChanged unmounted and remounted the changed rows, and a page closed during such a
            # render made ReactPy's unmount raise KeyError (frontend/sockets.py).
            html.ol({"className": "stages", "aria-label": "Stages"},
                    *(StageRow(s, len(stages) - 1, result.reload, key=f"stage-{s['id']}") for s in stages)),
            NewStage(pipeline["id"], open_end(stages), result.reload, key=f"new-{pipeline['id']}"),
        ),
    )
