"""Admin → Audit log: who changed what and when, filtered by kind of thing, person and dates.

Admins read every entry; sales heads their team's: what its members did and what was done to the team's
records (permissions.audit_rule). Times and the day filters are in the user's zone; each entry links to its
record."""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend.components.admin.table import cell
from frontend.components.field_change import FIELD_CHANGE, line
from frontend.components.ui import changed_value, empty, field, pending, select
from frontend.links import where_shown
from frontend.session import use_query, use_session

PAGE = 50
AUDIT_QUERY = f"""
query AuditLog($filter: AuditFilter, $after: String) {{
  auditLog(first: {PAGE}, after: $after, filter: $filter) {{
    totalCount
    edges {{ node {{ id at actorLabel actor {{ name }} via action entity entityId changes
                   record {{ kind id name }} fieldChanges {{ {FIELD_CHANGE} }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
  auditEntities
  users(first: 100, orderBy: {{field: NAME}}) {{ edges {{ node {{ id name }} }} }}
}}"""
SHOWN_CHANGES = 4  # per entry; the rest is summed up, since a long create would push the table apart


def changes(entry: dict[str, Any], admin: bool) -> VdomDict:
    """The entry's changed fields through the formatter the deal history uses: amounts with their currency,
    references as named links. What is not a before/after pair (a count, a list of ids) shows as stored."""
    items = entry["fieldChanges"]
    lines: list[VdomDict] = [html.li({"key": c["field"]}, *line(c, admin)) for c in items[:SHOWN_CHANGES]]
    paired = {c["field"] for c in items}
    others = [(k, v) for k, v in (entry["changes"] or {}).items() if not (isinstance(v, list) and len(v) == 2)]
    lines += [html.li({"key": f"other-{k}"}, html.span({"className": "muted"}, f"{fmt.label(k)}: "), short(v))
              for k, v in others[:max(0, SHOWN_CHANGES - len(lines))] if k not in paired]
    more = len(items) + len(others) - len(lines)
    return html.ul({"className": "changes"}, *lines, html.li({"className": "muted"}, f"and {more} more") if more > 0 else None)


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "–" if value in (None, "") else (text if len(text) <= 40 else text[:39] + "…")


def record(entry: dict[str, Any], admin: bool) -> VdomDict:
    """The record an entry is about by its name, linked to where it is shown; an admin section only for admins
    (a head reads who changed a team member's account, but manages no accounts)."""
    ref = entry.get("record") or {}
    kind = fmt.label(entry["entity"])
    text = f"{kind} {ref['name']}" if ref.get("name") else f"{kind} #{entry['entityId']}"
    href = where_shown(entry["entity"], entry["entityId"])
    if href is None or (href.startswith("/admin") and not admin):
        return html.span(text)
    return html.a({"href": href}, text)


def day_bound(value: str, end: bool, zone: tzinfo) -> str | None:
    """A picked day as the first or last moment of that day in the user's zone, where the log shows times."""
    return fmt.from_local(f"{value}T{'23:59:59.999999' if end else '00:00:00'}", zone) if value else None


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
                             "at": {"start": day_bound(since, False, session.zone),
                                    "end": day_bound(until, True, session.zone)}}
    # Everyone is offered as the person, heads too: an admin's change to the team's records is in their log.
    result = use_query(AUDIT_QUERY, {"filter": where, "after": cursors[-1] if cursors else None})

    def refilter(setter: Any) -> Any:
        def on_change(e: Any) -> None:
            setter(changed_value(e))
            set_cursors(())

        return on_change

    data = result.data
    if data is None:
        body = pending(result, "Loading the audit log…")
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
                        cell("Who", (n["actor"] or {}).get("name") or n["actorLabel"] or "–",
                             html.div({"className": "muted"}, f"via {n['via']}") if n["via"] != n["actorLabel"] else None),
                        cell("Action", html.code(n["action"])),
                        cell("Record", record(n, admin)),
                        cell("Changes", changes(n, admin), wrap=True),
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
            "You see everyone's." if admin else
            f"You see what members of {team['name'] if team else 'your team'} did, and what anyone did to the "
            "team's customers, contacts, leads, deals and members.")),
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
