"""/import: upload a spreadsheet, map its columns, preview (dry run), run with a live progress bar, cancel or
resume, and download the error report. The upload is a plain form POST (files do not travel over the UI's
websocket); everything after it goes through GraphQL."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from backend.web.imports import upload_token
from frontend import format as fmt
from frontend import gql
from frontend.components.ui import badge, cell, error_banner, pending
from frontend.router import Route
from frontend.session import use_live, use_query, use_session

ENTITIES = (("customers", "Customers", "createCustomer"), ("contacts", "Contacts", "createContact"),
            ("leads", "Leads", "createLead"), ("deals", "Deals", "createDeal"))
POLICIES = (("SKIP", "Skip duplicates"), ("UPDATE", "Update the existing record"), ("CREATE", "Create anyway"))
JOB_FIELDS = """id entity status fileName columns onDuplicate rowsTotal rowsDone created updated skipped invalid
message createdAt errorReportUrl mapping { column field }"""
JOBS = f"query ImportJobs {{ importJobs(first: 20) {{ {JOB_FIELDS} }} }}"
JOB = f"""query ImportJob($id: ID!, $entity: ImportEntity!) {{
  importJob(id: $id) {{ {JOB_FIELDS} }}
  importFields(entity: $entity) {{ name label required }}
  importMappings(entity: $entity) {{ id name }}
}}"""
JOB_ONLY = "query ImportJobOnly($id: ID!) { importJob(id: $id) { entity } }"
PREVIEW = """query ImportPreview($id: ID!) { importPreview(id: $id) {
  rowsTotal created updated skipped invalid duplicates rows { row values { field value } } problems { row column message }
} }"""
PROGRESS = """subscription ImportProgress($jobId: ID!) { importProgress(jobId: $jobId) { rowsDone status } }"""
CONFIGURE = "mutation($input: ConfigureImportInput!) { configureImport(input: $input) { id } }"
APPLY = "mutation($input: ApplyImportMappingInput!) { applyImportMapping(input: $input) { id } }"
ACT = "mutation($input: ImportJobInput!) {{ {}(input: $input) {{ id status }} }}"
UPLOAD_ERRORS = {"file": "Choose a CSV or XLSX file whose first row names the columns.",
                 "entity": "Choose what the rows are."}


def _stats(job: dict[str, Any]) -> VdomDict:
    return html.div({"className": "stats"}, *(
        html.div({"className": "stat", "key": key}, html.div({"className": "stat-label"}, label),
                 html.div({"className": "stat-value", "data-count": key}, f"{job[key]:,}"))
        for key, label in (("created", "Created"), ("updated", "Updated"), ("skipped", "Skipped"),
                           ("invalid", "Invalid"))
    ))


def _bar(done: int, total: int | None) -> VdomDict:
    share = done / total if total else 0.0
    return html.div(
        {"className": "import-progress"},
        html.div({"className": "import-bar", "role": "progressbar", "aria-valuemin": 0, "aria-valuemax": total or 0,
                  "aria-valuenow": done, "aria-label": "Import progress"},
                 html.div({"className": "import-bar-fill", "style": {"width": f"{share:.1%}"}})),
        html.span({"className": "subtle"}, f"{done:,} of {total:,} rows" if total else f"{done:,} rows"),
    )


@component
def UploadCard() -> VdomDict:
    session = use_session()
    allowed = [(key, label) for key, label, action in ENTITIES if session.can(action)]
    if not allowed:
        return html.div({"className": "notice"}, "Your role does not import records.")
    return html.div(
        {"className": "card"},
        html.h2("Upload a file"),
        html.p({"className": "subtle"}, "CSV (any encoding or delimiter a spreadsheet exports) or XLSX; the first "
               "row names the columns. Nothing is written until you start the import."),
        html.form(
            {"method": "post", "action": "/import/upload", "encType": "multipart/form-data", "className": "form-row"},
            html.input({"type": "hidden", "name": "csrf", "value": upload_token(session.actor)}),
            html.label({"className": "field"}, html.span({"className": "field-label"}, "Import as"),
                       html.select({"name": "entity", "aria-label": "Import as"},
                                   *(html.option({"value": k, "key": k}, label) for k, label in allowed))),
            html.label({"className": "field"}, html.span({"className": "field-label"}, "File"),
                       html.input({"type": "file", "name": "file", "accept": ".csv,.tsv,.txt,.xlsx",
                                   "required": True, "aria-label": "File"})),
            html.button({"type": "submit", "className": "btn btn-primary"}, "Upload"),
        ),
        html.p({"className": "field-hint"}, "Templates: ", *(
            html.span({"key": k}, html.a({"href": f"/import/template/{k}.csv", "download": True}, label), " ")
            for k, label in allowed)),
    )


@component
def RecentImports() -> VdomDict:
    result = use_query(JOBS)
    jobs = (result.data or {}).get("importJobs")
    if jobs is None:
        return pending(result, "Loading imports…")
    if not jobs:
        return html.p({"className": "subtle"}, "No imports yet.")
    return html.table(
        {"className": "table table-cards"},
        html.thead(html.tr(*(html.th(h) for h in ("File", "As", "Status", "Rows", "Created", "Invalid")))),
        html.tbody(*(
            html.tr(
                {"key": j["id"]},
                cell("File", html.a({"href": f"/import?job={j['id']}"}, j["fileName"])),
                cell("As", j["entity"].lower()),
                cell("Status", badge(j["status"].lower())),
                cell("Rows", f"{j['rowsDone']:,} / {j['rowsTotal']:,}" if j["rowsTotal"] is not None else "—"),
                cell("Created", f"{j['created']:,}"),
                cell("Invalid", f"{j['invalid']:,}"),
            )
            for j in jobs
        )),
    )


@component
def Preview(job_id: str) -> VdomDict:
    result = use_query(PREVIEW, {"id": job_id})
    data = (result.data or {}).get("importPreview")
    if data is None:
        return pending(result, "Checking every row…")
    rows = [(r["row"], {v["field"]: v["value"] for v in r["values"]}) for r in data["rows"][:10]]
    # A row lists only its filled fields: the headers are every field any row fills, and each row looks its
    # values up by field, so an empty cell stays an empty cell instead of pulling later values under its header.
    fields = list(dict.fromkeys(f for _, values in rows for f in values))
    return html.div(
        {"className": "card", "aria-label": "Preview"},
        html.h2("Preview — nothing written yet"),
        html.p({"data-preview-counts": True},
               f"{data['rowsTotal']:,} rows: {data['created']:,} new, {data['updated']:,} updated, "
               f"{data['skipped']:,} duplicates skipped, {data['invalid']:,} invalid."),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards"},
            html.thead(html.tr(html.th("Row"), *(html.th({"key": f}, fmt.label(f)) for f in fields))),
            html.tbody(*(html.tr({"key": number}, cell("Row", str(number)),
                                 *(cell(fmt.label(f), values.get(f, ""), key=f) for f in fields))
                         for number, values in rows)),
        )) if data["rows"] else "",
        html.h3("Problems") if data["problems"] else "",
        html.table(
            {"className": "table table-cards", "aria-label": "Problems"},
            html.thead(html.tr(html.th("Row"), html.th("Column"), html.th("Problem"))),
            html.tbody(*(html.tr({"key": f"{p['row']}-{i}"}, cell("Row", str(p["row"])), cell("Column", p["column"]),
                                 cell("Problem", p["message"], className="wrap"))
                         for i, p in enumerate(data["problems"][:50]))),
        ) if data["problems"] else "",
    )


@component
def Mapping(job: dict[str, Any], fields: list[dict[str, Any]], saved: list[dict[str, Any]], changed: Any) -> VdomDict:
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    name, set_name = use_state("")
    current = {m["column"]: m["field"] for m in job["mapping"]}

    async def run(document: str, payload: dict[str, Any]) -> None:
        try:
            await gql.execute(session.actor, document, input=payload)
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        changed()

    def mapping_with(column: str, target: str) -> list[dict[str, Any]]:
        updated = {**current, column: target}
        if target:  # a field fills from one column: the column it came from lets go of it
            updated = {c: f for c, f in updated.items() if f != target or c == column}
        return [{"column": c, "field": f or None} for c, f in updated.items()]

    def on_pick(column: str) -> Any:
        async def pick(event: Any) -> None:
            await run(CONFIGURE, {"id": job["id"], "mapping": mapping_with(column, event["target"]["value"])})
        return pick

    async def on_policy(event: Any) -> None:
        await run(CONFIGURE, {"id": job["id"], "onDuplicate": event["target"]["value"]})

    async def on_apply(event: Any) -> None:
        if event["target"]["value"]:
            await run(APPLY, {"id": job["id"], "mappingId": event["target"]["value"]})

    async def on_save(_: Any) -> None:
        await run(CONFIGURE, {"id": job["id"], "saveAs": name})

    return html.div(
        {"className": "card"},
        html.h2("Map the columns"),
        error_banner(problem),
        html.table(
            {"className": "table table-cards", "aria-label": "Column mapping"},
            html.thead(html.tr(html.th("Column in the file"), html.th("Field"))),
            html.tbody(*(
                html.tr(
                    {"key": column},
                    cell("Column", html.strong(column)),
                    cell("Field", html.select(
                        {"value": current.get(column, ""), "onChange": on_pick(column), "aria-label": f"Field for {column}"},
                        html.option({"value": ""}, "— not imported —"),
                        *(html.option({"value": f["name"], "key": f["name"]}, f["label"] + (" *" if f["required"] else ""))
                          for f in fields),
                    )),
                )
                for column in job["columns"]
            )),
        ),
        html.div(
            {"className": "form-row", "style": {"marginTop": "12px"}},
            html.label({"className": "field"}, html.span({"className": "field-label"}, "Duplicates"),
                       html.select({"value": job["onDuplicate"], "onChange": on_policy, "aria-label": "Duplicates"},
                                   *(html.option({"value": k, "key": k}, label) for k, label in POLICIES))),
            html.label({"className": "field"}, html.span({"className": "field-label"}, "Use a saved mapping"),
                       html.select({"value": "", "onChange": on_apply, "aria-label": "Saved mapping"},
                                   html.option({"value": ""}, "—"),
                                   *(html.option({"value": m["id"], "key": m["id"]}, m["name"]) for m in saved)))
            if saved else "",
            html.label({"className": "field"}, html.span({"className": "field-label"}, "Save this mapping as"),
                       html.input({"value": name, "onChange": lambda e: set_name(e["target"]["value"]),
                                   "placeholder": "e.g. Old CRM export", "aria-label": "Mapping name"})),
            html.button({"type": "button", "className": "btn", "onClick": on_save, "disabled": not name.strip()},
                        "Save mapping"),
        ),
        html.p({"className": "field-hint"}, "Columns are matched by name and common synonyms (Company, Firma, "
               "Organisation → name …); * marks required fields."),
    )


@component
def JobView(job_id: str, entity: str) -> VdomDict:
    session = use_session()
    result = use_query(JOB, {"id": job_id, "entity": entity})
    previewing, set_previewing = use_state(0)
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    use_live(PROGRESS, {"jobId": job_id}, lambda _: result.reload())
    data = result.data or {}
    job = data.get("importJob")
    if job is None:
        return pending(result, "Loading the import…")

    async def act(name: str) -> None:
        try:
            await gql.execute(session.actor, ACT.format(name), input={"id": job_id})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        result.reload()

    async def start(_: Any) -> None:
        await act("startImport")

    async def cancel(_: Any) -> None:
        await act("cancelImport")

    async def resume(_: Any) -> None:
        await act("resumeImport")

    def changed() -> None:
        set_previewing(0)
        result.reload()

    status = job["status"]
    actions: list[Any] = []
    if status == "UPLOADED":
        actions = [html.button({"type": "button", "className": "btn", "key": "p",
                                "onClick": lambda _: set_previewing(lambda n: n + 1)}, "Preview"),
                   html.button({"type": "button", "className": "btn btn-primary", "key": "s", "onClick": start},
                               "Start import")]
    elif status == "RUNNING":
        actions = [html.button({"type": "button", "className": "btn", "key": "c", "onClick": cancel}, "Cancel")]
    elif status in ("CANCELLED", "FAILED"):
        actions = [html.button({"type": "button", "className": "btn btn-primary", "key": "r", "onClick": resume},
                               "Resume")]
    return html.div(
        html.div({"className": "card"},
                 html.div({"className": "page-head"},
                          html.div(html.h2(job["fileName"]),
                                   html.p({"className": "subtle"}, f"{job['entity'].lower()} · ", badge(status.lower()))),
                          html.div({"className": "form-row"}, *actions)),
                 error_banner(problem),
                 error_banner(job["message"]) if job["message"] else "",
                 _bar(job["rowsDone"], job["rowsTotal"]) if status != "UPLOADED" else "",
                 _stats(job) if status != "UPLOADED" else "",
                 html.a({"className": "btn", "href": job["errorReportUrl"], "download": True}, "Download error report")
                 if status != "UPLOADED" and (job["invalid"] or job["skipped"]) else ""),
        Mapping(job, data.get("importFields") or [], data.get("importMappings") or [], changed)
        if status == "UPLOADED" else "",
        Preview(job_id, key=f"preview-{previewing}") if status == "UPLOADED" and previewing else "",
    )


@component
def ImportPage(route: Route) -> VdomDict:
    job_id = route.query.get("job")
    found = use_query(JOB_ONLY, {"id": job_id or "0"}, skip=not job_id)
    entity = ((found.data or {}).get("importJob") or {}).get("entity")
    error = UPLOAD_ERRORS.get(route.query.get("error", ""))
    if job_id:
        body: Any = (JobView(job_id, entity, key=job_id) if entity else
                     pending(found, "Loading the import…"))
    else:
        body = html.div(UploadCard(), html.div({"className": "card"}, html.h2("Recent imports"), RecentImports()))
    return html.div(
        {"className": "page"},
        html.div({"className": "page-head"},
                 html.div(html.h1("Import"), html.p({"className": "subtle"},
                                                    "Customers, contacts, leads and deals from spreadsheets")),
                 html.a({"className": "btn", "href": "/import"}, "New import") if job_id else ""),
        error_banner(error) if error else "",
        body,
    )
