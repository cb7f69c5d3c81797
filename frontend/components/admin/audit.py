"""Admin → Audit log: who changed what and when, filtered by kind of thing, person and dates.

Admins read every entry; sales heads the entries of their team's members (permissions.audit_rule), and
the person filter offers exactly those people."""

from __future__ import annotations

import json
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.components.admin.table import cell
from frontend.components.ui import changed_value, empty, error_banner, field, loading, select
from frontend.session import use_query, use_session

PAGE = 50
AUDIT_QUERY = f"""
query AuditLog($filter: AuditFilter, $after: String, $people: UserFilter) {{
  auditLog(first: {PAGE}, after: $after, filter: $filter) {{
    totalCount
    edges {{ node {{ id at actorLabel via action entity entityId changes }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
  auditEntities
  users(first: 100, filter: $people, orderBy: {{field: NAME}}) {{ edges {{ node {{ id name }} }} }}
}}"""
# Records that have a page of their own (CONTRACT.md, HTTP) link there from the log.
PAGES = {"customer": "/customers/{}", "campaign": "/campaigns/{}", "deal": "/deals/{}", "contact": "/contacts/{}"}
SHOWN_CHANGES = 4  # per entry; the rest is summed up, since a long create would push the table apart


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "–" if value in (None, "") else (text if len(text) <= 40 else text[:39] + "…")


def changes(entry: dict[str, Any]) -> VdomDict:
    items = list((entry["changes"] or {}).items())
    lines = [html.li({"key": key}, html.span({"className": "muted"}, f"{fmt.label(key)}: "),
                     short(pair[0]) + " → " + short(pair[1]) if isinstance(pair, list) and len(pair) == 2 else short(pair))
             for key, pair in items[:SHOWN_CHANGES]]
    more = len(items) - SHOWN_CHANGES
    return html.ul({"className": "changes"}, *lines, html.li({"className": "muted"}, f"and {more} more") if more > 0 else None)


def record(entry: dict[str, Any]) -> VdomDict:
    text = f"{fmt.label(entry['entity'])} #{entry['entityId']}"
    page = PAGES.get(entry["entity"])
    return html.a({"href": page.format(entry["entityId"])}, text) if page else html.span(text)


def day_bound(value: str, end: bool) -> str | None:
    """A picked day as the start or end of that day (UTC, as the log shows times)."""
    return f"{value}T{'23:59:59' if end else '00:00:00'}+00:00" if value else None


@component
def AuditSection() -> VdomDict:
    session = use_session()
    entity, set_entity = use_state("")
    person, set_person = use_state("")
    since, set_since = use_state("")
    until, set_until = use_state("")
    cursors, set_cursors = use_state(cast(tuple[str, ...], ()))  # the `after` of each page shown before this one
    team = session.me.get("team")
    admin = session.can("updateUser")
    where: dict[str, Any] = {"entity": entity or None, "actorId": person or None,
                             "at": {"start": day_bound(since, False), "end": day_bound(until, True)}}
    people = None if admin else {"teamId": [team["id"]] if team else []}
    result = use_query(AUDIT_QUERY, {"filter": where, "after": cursors[-1] if cursors else None, "people": people})

    def refilter(setter: Any) -> Any:
        def on_change(e: Any) -> None:
            setter(changed_value(e))
            set_cursors(())

        return on_change

    data = result.data
    if data is None:
        body = error_banner(result.error) if result.error else loading("Loading the audit log…")
    elif not data["auditLog"]["edges"]:
        body = empty("No entries match.", "Widen the dates or pick another kind of record or person.")
    else:
        page = data["auditLog"]
        body = html.div(
            html.div({"className": "table-wrap" + (" stale" if result.loading else "")}, html.table(
                {"className": "table table-cards", "aria-label": "Audit log"},
                html.thead(html.tr(html.th("When"), html.th("Who"), html.th("Action"), html.th("Record"),
                                   html.th("Changes"))),
                html.tbody(*(
                    html.tr(
                        {"key": n["id"]},
                        cell("When", fmt.moment(n["at"]), nowrap=True),
                        cell("Who", n["actorLabel"] or "–",
                             html.div({"className": "muted"}, f"via {n['via']}") if n["via"] != n["actorLabel"] else None),
                        cell("Action", html.code(n["action"])),
                        cell("Record", record(n)),
                        cell("Changes", changes(n), wrap=True),
                    )
                    for n in (e["node"] for e in page["edges"])
                )),
            )),
            html.div(
                {"className": "pager"},
                html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_cursors(())},
                            "Newest") if cursors else None,
                html.button({"className": "btn btn-small", "type": "button",
                             "onClick": lambda e: set_cursors(lambda c: (*c, page["pageInfo"]["endCursor"]))},
                            "Older entries") if page["pageInfo"]["hasNextPage"] else None,
            ),
        )
    entities = (data or {}).get("auditEntities") or []
    users = [e["node"] for e in ((data or {}).get("users") or {}).get("edges", [])]
    return html.section(
        {"aria-label": "Audit log"},
        html.p({"className": "subtle"}, "Every change, newest first. " + (
            "You see everyone's." if admin else f"You see the changes made by members of {team['name'] if team else 'your team'}.")),
        html.div(
            {"className": "filters audit-filters"},
            field("Record", select("entity", [("", "All kinds"), *((x, fmt.label(x)) for x in entities)], entity,
                                   onChange=refilter(set_entity))),
            field("Person", select("actor", [("", "Anyone"), *((u["id"], u["name"]) for u in users)], person,
                                   onChange=refilter(set_person))),
            field("From", html.input({"type": "date", "name": "since", "aria-label": "From", "value": since,
                                      "onChange": refilter(set_since)})),
            field("To", html.input({"type": "date", "name": "until", "aria-label": "To", "value": until,
                                    "onChange": refilter(set_until)})),
            html.span({"className": "muted"}, fmt.plural(data["auditLog"]["totalCount"], "entry", "entries") if data else ""),
        ),
        body,
    )
