"""The merge dialog: which record stays, which value each field keeps (a radio per record), and a preview
of the result from the server (mergePreview: the same plan the merge carries out) before merging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import cell, dialog_head, error_banner, loading
from frontend.session import use_query, use_session

FIELDS = {
    "customers": (("name", "Name"), ("legalForm", "Legal form"), ("email", "Email"), ("phone", "Phone"),
                  ("website", "Website"), ("street", "Street"), ("city", "City"), ("postcode", "Postcode"),
                  ("country", "Country"), ("industry", "Industry"), ("segment", "Segment"),
                  ("description", "Description")),
    "contacts": (("name", "Name"), ("email", "Email"), ("phone", "Phone"), ("jobTitle", "Job title"),
                 ("department", "Department"), ("roleAtCustomer", "Role")),
}
PREVIEW = """
query MergePreview($entity: DuplicateEntity!, $input: MergeInput!) {
  mergePreview(entity: $entity, input: $input) { values { field value } moved { table count } }
}"""
MERGE = {
    "customers": "mutation MergeCustomers($input: MergeInput!) { mergeCustomers(input: $input) { keptId mergedIds } }",
    "contacts": "mutation MergeContacts($input: MergeInput!) { mergeContacts(input: $input) { keptId mergedIds } }",
}
# table → (one, many), as the preview counts the rows that move
TABLES = {"contact": ("contact", "contacts"), "deal": ("deal", "deals"), "lead": ("lead", "leads"),
          "activity": ("activity or task", "activities and tasks"), "note": ("note", "notes"),
          "customer_status_change": ("status change", "status changes"),
          "customer_phase_change": ("phase change", "phase changes")}


def default_source(records: list[dict[str, Any]], keep: str, key: str) -> str:
    """Whose value a field keeps unless chosen: the kept record's, or the first non-empty (as the server does)."""
    kept = next(r for r in records if r["id"] == keep)
    if kept.get(key):
        return keep
    return next((r["id"] for r in records if r.get(key)), keep)


def moved_words(moved: list[dict[str, Any]]) -> str:
    parts = [f"{m['count']} {TABLES[m['table']][m['count'] != 1]}" for m in moved if m["count"]]
    return "Moves " + ", ".join(parts) + " to the kept record." if parts else "No related rows to move."


@component
def MergeDialog(entity: str, records: list[dict[str, Any]], close: Callable[[], None],
                merged: Callable[[dict[str, Any]], None]) -> VdomDict:
    session = use_session()
    keep, set_keep = use_state(records[0]["id"])
    choices, set_choices = use_state(cast(dict[str, str], {}))
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    busy, set_busy = use_state(False)
    fields = [(key, label) for key, label in FIELDS[entity] if any(r.get(key) for r in records)]
    source = {key: choices.get(key) or default_source(records, keep, key) for key, _ in fields}
    merge_input = {
        "keepId": keep,
        "records": [{"id": r["id"], "version": r["version"]} for r in records],
        "fields": [{"field": key, "fromId": source[key]} for key, _ in fields],
    }
    preview = use_query(PREVIEW, {"entity": entity.upper(), "input": merge_input})

    async def submit(_: Any) -> None:
        set_busy(True)
        try:
            result = await gql.execute(session.actor, MERGE[entity], input=merge_input)
        except gql.GqlError as error:
            set_problem(error)
            set_busy(False)
            return
        merged(next(iter(result.values())))

    def keep_as(record_id: str) -> Callable[[Any], None]:
        return lambda _: set_keep(record_id)

    def choose(key: str, record_id: str) -> Callable[[Any], None]:
        return lambda _: set_choices(lambda old: {**old, key: record_id})

    def radio(name: str, record: dict[str, Any], checked: bool, on_change: Callable[[Any], None], text: str) -> VdomDict:
        return html.label(
            {"className": "merge-choice" + (" chosen" if checked else "")},
            html.input({"type": "radio", "name": name, "value": record["id"], "checked": checked,
                        "onChange": on_change, "aria-label": f"{name}: {text or 'empty'} ({record['name']})"}),
            html.span(text or "–"),
        )

    keep_row = html.tr(
        {"key": "keep"},
        cell("", html.strong("Keep")),
        *(cell(r["name"], radio("keep", r, r["id"] == keep, keep_as(r["id"]), "This one stays"),
               key=r["id"]) for r in records),
    )
    rows = [
        html.tr(
            {"key": key},
            cell("", label),
            *(cell(r["name"], radio(key, r, source[key] == r["id"], choose(key, r["id"]), str(r.get(key) or "")),
                   key=r["id"]) for r in records),
        )
        for key, label in fields
    ]
    data = (preview.data or {}).get("mergePreview")
    return html.div(
        {"className": "panel merge-dialog", "role": "dialog", "aria-label": "Merge records"},
        dialog_head(f"Merge {len(records)} records", close),
        html.p({"className": "muted"}, "Pick the record that stays and, per field, the value to keep. The others are "
               "archived, not deleted; their contacts, deals, activities, notes and history move to the one kept."),
        error_banner(problem),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards merge-table"},
            html.thead(html.tr(html.th("Field"), *(html.th({"key": r["id"]}, r["name"]) for r in records))),
            html.tbody(keep_row, *rows),
        )),
        html.div(
            {"className": "merge-preview", "aria-label": "Preview", "aria-busy": preview.loading},
            html.h3("After the merge"),
            error_banner(preview.error) if preview.error else None,
            loading("Working out the result…") if data is None and not preview.error else None,
            html.dl(*(part for v in (data or {}).get("values", []) if v["value"] for part in (
                html.dt({"key": f"t-{v['field']}"}, dict(FIELDS[entity]).get(v["field"], v["field"])),
                html.dd({"key": f"d-{v['field']}"}, v["value"])))) if data else None,
            html.p({"data-testid": "merge-moves"}, moved_words(data["moved"])) if data else None,
        ),
        html.div({"className": "form-actions"},
                 html.button({"className": "btn btn-primary", "type": "button", "onClick": submit,
                              "disabled": busy or data is None}, f"Merge {len(records)} records")),
    )
