"""Admin → Jobs: the background work (reminder scans, mail deliveries) with what waits, runs, was retried or
failed, and a retry by hand for a failed job."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import badge, empty, error_banner, pending
from frontend.session import use_query, use_session

JOBS_QUERY = """
query AdminJobs($filter: JobFilter) {
  jobCounts { pending running failed done }
  jobs(first: 100, filter: $filter) {
    totalCount
    edges { node { id kind payload status attempts maxAttempts runAt lockedBy lastError finishedAt } }
  }
}"""
RETRY_JOB = "mutation RetryJob($input: RetryJobInput!) { retryJob(input: $input) { id status } }"

# (label, filter): what an admin looks for first is what went wrong.
VIEWS = {
    "all": ("All", None),
    "failed": ("Failed", {"status": ["FAILED"]}),
    "retried": ("Retried", {"retried": True}),
    "pending": ("Waiting", {"status": ["PENDING"]}),
    "running": ("Running", {"status": ["RUNNING"]}),
}
TONE = {"FAILED": "lost", "PENDING": "scheduled", "RUNNING": "rescheduled", "DONE": "done"}


@component
def JobRow(job: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))

    async def retry(e: Any) -> None:
        try:
            await gql.execute(session.actor, RETRY_JOB, input={"id": job["id"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        changed()

    error_text = (job["lastError"] or "").strip().splitlines()
    return html.tr(
        {"data-job": job["id"]},
        cell("Job", html.strong(job["kind"]), html.div({"className": "muted"}, f"#{job['id']}")),
        cell("Status", badge(job["status"], TONE.get(job["status"], ""))),
        cell("Attempts", f"{job['attempts']} of {job['maxAttempts']}", nowrap=True),
        cell("Runs" if job["status"] in ("PENDING", "RUNNING") else "Finished",
             fmt.moment(job["runAt"] if job["status"] in ("PENDING", "RUNNING") else job["finishedAt"]), nowrap=True),
        cell("Last error", html.span({"className": "muted", "title": job["lastError"]}, error_text[-1][:160])
             if error_text else "–", wrap=True),
        cell("", html.button({"className": "btn btn-small", "type": "button", "onClick": retry}, "Retry now")
             if job["status"] in ("FAILED", "PENDING") and job["attempts"] > 0 else None, error_banner(problem)),
    )


@component
def JobsSection() -> VdomDict:
    view, set_view = use_state("all")
    result = use_query(JOBS_QUERY, {"filter": VIEWS[view][1]})
    data = result.data
    if data is None:
        return pending(result, "Loading jobs…")
    counts = data["jobCounts"]
    jobs = [e["node"] for e in data["jobs"]["edges"]]
    return html.section(
        {"aria-label": "Jobs"},
        html.h2("Background jobs"),
        html.p({"className": "subtle"},
               f"{counts['pending']} waiting · {counts['running']} running · {counts['failed']} failed · "
               f"{counts['done']} done. A failing job is retried with growing pauses; once out of attempts it "
               "waits here as failed until you retry it."),
        html.div({"className": "tabs", "role": "tablist", "aria-label": "Show jobs"}, *(
            html.button({"className": "tab" + (" active" if key == view else ""), "type": "button", "role": "tab",
                         "aria-selected": "true" if key == view else "false", "key": key,
                         "onClick": lambda e, key=key: set_view(key)}, label)
            for key, (label, _) in VIEWS.items())),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Jobs"},
            html.thead(html.tr(html.th("Job"), html.th("Status"), html.th("Attempts"), html.th("When"),
                               html.th("Last error"), html.th(""))),
            html.tbody(*(JobRow(job, result.reload, key=job["id"]) for job in jobs)),
        )) if jobs else empty("No jobs here.", "Reminder scans and outgoing mail show up as they are scheduled."),
        html.p({"className": "subtle"}, f"The newest 100 of {data['jobs']['totalCount']}.")
        if data["jobs"]["totalCount"] > len(jobs) else None,
    )
