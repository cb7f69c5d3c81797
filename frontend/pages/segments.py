"""Saved segments of customers or contacts: the list with a form for a new one (hand-picked, or for contacts a
kept filter of the contacts list), and a segment's page whose members come and go live (segmentChanged) as
customers or contacts change, with the latest arrivals and departures marked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from reactpy import component, event, html, use_ref, use_state
from reactpy.types import Component, VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.custom_fields import use_custom_fields
from frontend.components.listing import card_table, list_head
from frontend.components.segment_picks import ENTITIES, create_segment
from frontend.components.ui import (
    awaiting,
    badge,
    changed_value,
    dialog_head,
    empty,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.customer_filters import CUSTOMERS_QUERY, view_query
from frontend.pages.contacts import CONTACTS_QUERY, STATUSES, contact_variables
from frontend.router import use_nav
from frontend.segment_words import conditions
from frontend.session import use_live, use_query, use_session

SEGMENT_FIELDS = "id name description kind entity shared version filterJson allowedActions owner { id name }"
SEGMENTS_QUERY = f"query Segments {{ segments(first: 100) {{ totalCount edges {{ node {{ {SEGMENT_FIELDS} }} }} }} }}"
SEGMENT_QUERY = f"query Segment($id: ID!) {{ segment(id: $id) {{ {SEGMENT_FIELDS} }} }}"
DELETE_SEGMENT = "mutation DeleteSegment($input: DeleteSegmentInput!) { deleteSegment(input: $input) { id } }"
REMOVE_MEMBERS = """mutation RemoveSegmentMembers($input: SegmentMembersInput!) {
  removeSegmentMembers(input: $input) { changedIds } }"""
SEGMENT_CHANGED = """subscription SegmentChanged($id: ID!) {
  segmentChanged(segmentId: $id) { kind customerId customer { id name } contactId contact { id name } } }"""
RECENT = 8  # arrivals and departures listed on a segment's page


class Members(NamedTuple):
    """How a segment's page lists the members of one entity: its list's query and screen, and their cells."""

    list_name: str  # the list's query field and screen path: customers, contacts
    query: str
    headers: tuple[str, ...]
    cells: Any  # node → the cells after its name


MEMBERS = {
    "CUSTOMER": Members("customers", CUSTOMERS_QUERY, ("Status", "Country", "Industry", "Account manager"),
                        lambda n: (badge(n["status"]), n["country"], n["industry"],
                                   (n["accountManager"] or {}).get("name", ""))),
    "CONTACT": Members("contacts", CONTACTS_QUERY, ("Status", "Customer", "Email", "Owner"),
                       lambda n: (badge(n["status"]), (n["customer"] or {}).get("name", "No customer"), n["email"],
                                  (n["owner"] or {}).get("name", ""))),
}


def what(segment: dict[str, Any], definitions: Sequence[dict[str, Any]] = ()) -> str:
    """The segment's conditions in words; custom fields by their labels when `definitions` (the entity's) are
    known, else by their keys."""
    noun = ENTITIES[segment["entity"]].noun
    if segment["kind"] == "STATIC":
        return f"Hand-picked {noun}s"
    return " · ".join(conditions(segment["filterJson"], definitions)) or f"Every {noun}"


@component
def CreateSegment(close: Any) -> VdomDict:
    """A new segment: hand-picked customers or contacts, or contacts kept by the contacts list's filters (the
    customers list's are many more: that list's "Save as segment" keeps them)."""
    session = use_session()
    nav = use_nav()
    form = use_form_errors()
    entity, set_entity = use_state("CUSTOMER")
    kind, set_kind = use_state("STATIC")
    kept = entity == "CONTACT" and kind == "DYNAMIC"

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"name": values.get("name", "").strip(), "kind": "DYNAMIC" if kept else "STATIC",
                                   "entity": entity, "shared": values.get("shared") == "on",
                                   "description": values.get("description", "").strip()}
        if kept:  # the same fields, read the same way, as the contacts list's filters
            payload["contactFilter"] = contact_variables(values)["filter"] or {}
        await create_segment(session, form, nav, payload)

    noun = ENTITIES[entity].noun
    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "New segment"},
        dialog_head("New segment", close),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Name", text_input("name", required=True, autoFocus=True), form.errors.get("name"), required=True),
            field("Members", select("entity", [("CUSTOMER", "Customers"), ("CONTACT", "Contacts")], entity,
                                    onChange=lambda e: set_entity(changed_value(e)))),
            field("Kind", select("kind", [("STATIC", "Hand-picked"), ("DYNAMIC", "Kept filter, always current")], kind,
                                 onChange=lambda e: set_kind(changed_value(e)))),
            html._(  # the contacts list's own filter fields, as grid cells beside the others
                field("Status", select("status", [("", "Any status"), *((v, fmt.label(v)) for v in STATUSES)])),
                field("Customer", select("customer", [("", "Any customer"), ("yes", "At a customer"),
                                                      ("no", "No customer yet")])),
            ) if kept else None,
            html.p({"className": "subtle"},
                   f"Pick its {noun}s on the ", html.a({"href": f"/{noun}s"}, f"{noun}s list"),
                   " (tick them, then “Add to segment”).") if kind == "STATIC" else
            html.p({"className": "subtle"}, "Filter the ", html.a({"href": "/customers"}, "customers list"),
                   " and press “Save as segment”: it keeps every filter that list has.") if not kept else
            html.p({"className": "subtle"}, "Contacts enter and leave it as they change. More filters: "
                   "filter the ", html.a({"href": "/contacts"}, "contacts list"), " and press “Save as segment”."),
            field("Description", text_input("description"), form.errors.get("description")),
            html.label({"className": "check"}, html.input({"type": "checkbox", "name": "shared"}),
                       f"Shared with everyone (each sees only the {noun}s they may see)"),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit", "disabled": kind == "DYNAMIC"
                                  and not kept}, "Create segment")),
        ),
    )


@component
def SegmentsPage() -> VdomDict:
    session = use_session()
    creating, set_creating = use_state(False)
    result = use_query(SEGMENTS_QUERY)
    data = (result.data or {}).get("segments")
    if data is None:
        body: VdomDict = pending(result, "Loading segments…")
    elif not data["edges"]:
        body = empty("No segments yet.", "Filter the customers or contacts list and press “Save as segment”, or "
                     "create a hand-picked one.")
    else:
        nodes = [e["node"] for e in data["edges"]]
        body = card_table(
            "Segments", ("Name", "Of", "Conditions", "Kind", "Owner", "Shared"),
            [(html.a({"href": f"/segments/{s['id']}", "className": "row-link"}, s["name"]),
              "Contacts" if s["entity"] == "CONTACT" else "Customers", what(s),
              badge("dynamic" if s["kind"] == "DYNAMIC" else "static", "kind"),
              (s["owner"] or {}).get("name", "—"), "Shared" if s["shared"] else "Only owner") for s in nodes],
            [s["id"] for s in nodes], stale=result.loading,
        )
    return html.div(
        {"className": "page"},
        list_head("Segments", data["totalCount"] if data else None, "segment",
                  "+ New segment" if session.can("createSegment") else None, lambda e: set_creating(True)),
        html.p({"className": "subtle"}, "Saved audiences of customers or contacts: a kept filter whose members stay "
               "current, or hand-picked ones. Not the customer's “Segment” field (a market tier such as SMB)."),
        CreateSegment(lambda: set_creating(False)) if creating else None,
        body,
    )


@component
def SegmentPage(segment_id: str | None) -> VdomDict | Component:
    info = use_query(SEGMENT_QUERY, {"id": segment_id})
    segment = (info.data or {}).get("segment")
    if segment is None:
        return html.div({"className": "page"}, pending(info, "Loading segment…"))
    return SegmentMembers(segment, key=f"{segment['id']}-{segment['entity']}")


@component
def SegmentMembers(segment: dict[str, Any]) -> VdomDict:
    """The segment's page once it is read: its members (its entity's list query) and their comings and goings."""
    session = use_session()
    nav = use_nav()
    entity = segment["entity"]
    shows = MEMBERS[entity]
    gathers = ENTITIES[entity]
    custom = use_custom_fields(entity)
    members = use_query(shows.query, {"first": 50, "filter": {"segmentId": segment["id"]}, "orderBy": {"field": "NAME"}}
                        if entity == "CUSTOMER" else {"first": 50, "filter": {"segmentId": segment["id"]}})
    # (kind, member id, name) of the latest arrivals and departures, newest first
    recent, set_recent = use_state(cast(tuple[tuple[str, str, str], ...], ()))
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    # The names of the members shown, for a departure (its event carries no row: it may be out of sight).
    names = use_ref(cast(dict[str, str], {}))
    names.current.update({e["node"]["id"]: e["node"]["name"]
                          for e in ((members.data or {}).get(shows.list_name) or {}).get("edges", [])})

    def changed(data: dict[str, Any]) -> None:
        change = data.get("segmentChanged")
        if change:
            member_id = change[f"{gathers.noun}Id"]
            name = (change[gathers.noun] or {}).get("name") or names.current.get(member_id, f"A {gathers.noun}")
            set_recent(lambda old: ((change["kind"], member_id, name), *old)[:RECENT])
        members.reload()

    use_live(SEGMENT_CHANGED, {"id": segment["id"]}, changed)
    may_change = "updateSegment" in segment["allowedActions"]

    async def delete() -> None:
        try:
            await gql.execute(session.actor, DELETE_SEGMENT, input={"id": segment["id"], "version": segment["version"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        nav.navigate("/segments")

    async def remove(member_id: str) -> None:
        try:
            await gql.execute(session.actor, REMOVE_MEMBERS, input={"segmentId": segment["id"], gathers.ids_field: [member_id]})
        except gql.GqlError as error:
            set_problem(error)

    page = (members.data or {}).get(shows.list_name)
    arrived = {cid for kind, cid, _ in recent if kind == "ENTERED"}
    if page is None:
        listing: VdomDict = pending(members, "Loading members…")
    elif not page["edges"]:
        listing = empty("No members you can see.", f"{gathers.noun.capitalize()}s that meet its conditions appear "
                        "here as they do." if segment["kind"] == "DYNAMIC" else f"Add {gathers.noun}s from the "
                        f"{shows.list_name} list.")
    else:
        nodes = [e["node"] for e in page["edges"]]
        listing = card_table(
            "Members", ("Name", *shows.headers, ""),
            [(html.span(html.a({"href": f"/{shows.list_name}/{n['id']}", "className": "row-link"}, n["name"]),
                        html.span({"className": "badge badge-new"}, "new") if n["id"] in arrived else ""),
              *shows.cells(n),
              html.button({"className": "btn btn-small btn-ghost", "type": "button", "onClick": awaiting(remove, n["id"])},
                          "Remove") if may_change and segment["kind"] == "STATIC" else "")
             for n in nodes],
            [n["id"] for n in nodes], stale=members.loading,
        )
    in_list = view_query({}, saved=segment["id"])
    return html.div(
        {"className": "page"},
        html.div(
            {"className": "page-head"},
            html.div(html.h1(segment["name"]),
                     html.p({"className": "subtle", "aria-live": "polite", "data-testid": "member-count"},
                            fmt.plural(page["totalCount"], "member") if page else "")),
            html.div(
                {"className": "actions"},
                html.a({"className": "btn", "href": f"/{shows.list_name}?{in_list}"}, f"Open in {shows.list_name} list"),
                html.a({"className": "btn", "href": f"/ui/export/{shows.list_name}.csv?{in_list}", "download": True},
                       "Export CSV"),
                html.button({"className": "btn btn-danger", "type": "button", "onClick": awaiting(delete)}, "Delete")
                if "deleteSegment" in segment["allowedActions"] else None,
            ),
        ),
        error_banner(problem),
        html.div(
            {"className": "segment-facts"},
            badge("dynamic" if segment["kind"] == "DYNAMIC" else "static", "kind"),
            html.span({"className": "subtle"}, what(segment, custom.definitions)),
            html.span({"className": "subtle"}, f"Kept by {(segment['owner'] or {}).get('name', '—')}",
                      " · shared" if segment["shared"] else ""),
            html.span({"className": "live-dot", "title": f"Members update as {gathers.noun}s change"}, "Live"),
        ),
        html.p({"className": "subtle"}, segment["description"]) if segment["description"] else None,
        html.ul(
            {"className": "segment-recent", "aria-label": "Latest changes"},
            *(html.li({"key": f"{i}-{cid}", "className": "entered" if kind == "ENTERED" else "left"},
                      f"{name} {'entered' if kind == 'ENTERED' else 'left'}")
              for i, (kind, cid, name) in enumerate(recent)),
        ) if recent else None,
        listing,
    )
