"""Move a deal to another pipeline from its page: pick the pipeline, then the stage there (a stage of the same
name is offered first); a lost stage asks why, unless the deal is lost already. The move is moveDealsToPipeline
with this one deal, its current stage mapped to the stage picked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import (
    changed_value,
    error_banner,
    field,
    form_values,
    loading,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

PIPELINES = "query MovePipelines { pipelines { id name stages { id name kind probability } } }"
MOVE = """mutation MoveToPipeline($input: MoveDealsToPipelineInput!) {
  moveDealsToPipeline(input: $input) { id version } }"""


def first_choice(stages: list[dict[str, Any]], current: dict[str, Any]) -> str:
    """The stage offered first: one named as the deal's stage is, else the first of the same kind, else the first."""
    same = [s for s in stages if s["name"].casefold() == current["name"].casefold()]
    kind = [s for s in stages if s["kind"] == current["kind"]]
    found = (same or kind or stages or [{"id": ""}])[0]
    return str(found["id"])


@component
def MovePipeline(deal: dict[str, Any], done: Callable[[], None]) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    result = use_query(PIPELINES)
    others = [p for p in (result.data or {}).get("pipelines") or [] if p["id"] != deal["pipeline"]["id"]]
    chosen, set_chosen = use_state("")
    pipeline = next((p for p in others if p["id"] == chosen), others[0] if others else None)
    stage_id, set_stage_id = use_state("")
    stages = (pipeline or {}).get("stages") or []
    picked = next((s for s in stages if s["id"] == stage_id), None) or next(
        (s for s in stages if s["id"] == first_choice(stages, deal["stage"])), None)
    asks_why = bool(picked and picked["kind"] == "LOST" and deal["stage"]["kind"] != "LOST")

    def choose_pipeline(e: Any) -> None:
        set_chosen(changed_value(e))
        set_stage_id("")  # the new pipeline's stage of the same name, or its first

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        if pipeline is None or picked is None:
            return
        values = form_values(e)
        payload: dict[str, Any] = {"dealIds": [deal["id"]], "pipelineId": pipeline["id"],
                                   "stageMap": [{"fromStageId": deal["stage"]["id"], "toStageId": picked["id"]}]}
        if asks_why:
            payload["lostReason"] = values.get("lostReason", "").strip() or None
        try:
            await gql.execute(session.actor, MOVE, input=payload)
        except gql.GqlError as error:
            form.show(error)
            return
        done()

    if result.data is None:
        return html.div({"className": "panel"}, error_banner(result.error) if result.error else loading())
    body: Any
    if pipeline is None:
        body = html.p({"className": "muted"}, "There is no other pipeline. Admins add pipelines in Admin → Pipelines.")
    else:
        body = html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True,
             "key": f"move-{pipeline['id']}"},
            field("Pipeline", select("pipelineId", [(p["id"], p["name"]) for p in others], pipeline["id"],
                                     onChange=choose_pipeline),
                  form.errors.get("pipelineId")),
            field("Stage", select("stageId", [(s["id"], f"{s['name']} ({s['probability']} %)") for s in stages],
                                  picked["id"] if picked else "", onChange=lambda e: set_stage_id(changed_value(e)),
                                  key=f"stages-{pipeline['id']}"),
                  form.errors.get("stageMap.toStageId") or form.errors.get("stageMap"),
                  hint=f"Now: {deal['stage']['name']} in {deal['pipeline']['name']}"),
            field("Why was it lost?", text_input("lostReason", placeholder="e.g. went with a competitor"),
                  form.errors.get("lostReason"), required=True, wide=True) if asks_why else None,
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, f"Move to {pipeline['name']}"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()},
                                 "Cancel")),
        )
    return html.div(
        {"className": "panel", "aria-label": "Move to another pipeline"},
        html.h2("Move to another pipeline"),
        html.div({"className": "form-notices"}, error_banner(form.problem)),
        body,
    )
