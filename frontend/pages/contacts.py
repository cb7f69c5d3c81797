"""Contacts across every customer, and those at none yet: search, filter (a saved contact segment too), page,
add one, keep the filters as a segment or tick contacts into a hand-picked one."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.custom_fields import built_in, custom_controls, custom_payload, use_custom_fields
from frontend.components.custom_filter import CustomConditions
from frontend.components.listing import (
    SearchInput,
    card_table,
    export_links,
    list_head,
    owner_options,
    pager,
    people,
    use_list_view,
)
from frontend.components.segment_picks import AddToSegment, SaveAsSegment, pick_box
from frontend.components.ui import (
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
from frontend.custom_conditions import PARAM, custom_filter
from frontend.customer_filters import view_query
from frontend.router import use_nav
from frontend.session import use_live, use_query, use_session

STATUSES = ("new", "hot", "cold", "not_interested", "converted")
CONTACT_CHANGED = "subscription ContactChanged($id: ID) { contactChanged(contactId: $id) { kind contactId } }"
CONTACTS_QUERY = """
query ContactList($first: Int = 25, $after: String, $filter: ContactFilter, $search: String) {
  contacts(first: $first, after: $after, filter: $filter, search: $search) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id name email phone jobTitle status isPrimary customer { id name } owner { id name } } }
  }
}"""
PEOPLE_QUERY = f"""
query ContactPeople {{
  users(first: {MAX_FIRST}) {{ edges {{ node {{ id name }} }} }}
  assignable: users(first: {MAX_FIRST}, filter: {{assignableFor: OWNER}}) {{ edges {{ node {{ id name }} }} }}
  segments(first: {MAX_FIRST}) {{ edges {{ node {{ id name entity }} }} }}
}}"""
CREATE_CONTACT = "mutation NewContact($input: CreateContactInput!) { createContact(input: $input) { id } }"
AT = {"yes": True, "no": False}
# "saved": a contact segment's id; "cf": custom-field conditions
FILTER_KEYS = ("status", "owner", "customer", "archived", "saved", PARAM)


def contact_variables(params: dict[str, str]) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if params.get("status"):
        where["status"] = [params["status"].upper()]
    if params.get("owner"):
        where["ownerId"] = [params["owner"]]
    if params.get("customer") in AT:
        where["hasCustomer"] = AT[params["customer"]]
    if params.get("archived") == "yes":
        where["archived"] = True
    if params.get("saved"):
        where["segmentId"] = params["saved"]
    if custom := custom_filter(params):
        where["custom"] = custom
    return {"after": params.get("after") or None, "filter": where or None, "search": params.get("q") or None}


@component
def CreateContact(assignable: list[dict[str, Any]], close: Any) -> VdomDict:
    session = use_session()
    nav = use_nav()
    form = use_form_errors()
    custom = use_custom_fields("CONTACT")

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {k: v.strip() for k, v in built_in(values).items() if v.strip()}
        payload.update(name=payload.get("name", ""), email=payload.get("email", ""),
                       customFields=custom_payload(custom, values, session.zone))
        if "status" in payload:
            payload["status"] = payload["status"].upper()
        try:
            created = (await gql.execute(session.actor, CREATE_CONTACT, input=payload))["createContact"]
        except gql.GqlError as error:
            form.show(error)
            return
        nav.navigate(f"/contacts/{created['id']}")

    me = session.me["id"]
    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "New contact"},
        dialog_head("New contact", close),
        html.p({"className": "muted"}, "A person not at a customer yet. To add someone at a customer, use the "
               "customer's Contacts tab."),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Name", text_input("name", autoFocus=True), form.errors.get("name"), required=True),
            field("Email", text_input("email", kind="email"), form.errors.get("email"), required=True),
            field("Phone", text_input("phone", kind="tel"), form.errors.get("phone")),
            field("Job title", text_input("jobTitle"), form.errors.get("jobTitle")),
            field("Status", select("status", [(s, fmt.label(s)) for s in STATUSES[:4]], "new"), form.errors.get("status")),
            field("Owner", select("ownerId", owner_options(assignable, me), me), form.errors.get("ownerId"))
            if assignable else None,
            custom_controls(custom, None, form.errors, session.zone),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Create contact")),
        ),
    )


def contact_row(node: dict[str, Any], pick: VdomDict | None = None) -> list[Any]:
    """A contact's cells; `pick`, its tick box for "Add to segment", sits in the name cell."""
    customer = node["customer"]
    return [
        html.span(pick, html.a({"href": f"/contacts/{node['id']}", "className": "row-link"}, node["name"])),
        html.span(html.a({"href": f"/customers/{customer['id']}"}, customer["name"]),
                  " ", badge("Primary", "primary") if node["isPrimary"] else None)
        if customer else html.span({"className": "muted"}, "No customer"),
        node["jobTitle"] or "–",
        html.div(html.a({"href": f"mailto:{node['email']}"}, node["email"]),
                 html.div({"className": "muted"}, node["phone"]) if node["phone"] else None),
        badge(node["status"]),
        node["owner"]["name"] if node["owner"] else html.span({"className": "muted"}, "Nobody"),
    ]


@component
def ContactsPage() -> VdomDict:
    session = use_session()
    view = use_list_view("/contacts")
    params = view.params
    creating, set_creating = use_state(False)
    saving, set_saving = use_state(False)  # the "Save as segment" form
    picked, set_picked = use_state(cast(tuple[str, ...], ()))  # ticked contacts, for "Add to segment"
    listing = use_query(CONTACTS_QUERY, contact_variables(params))
    who = use_query(PEOPLE_QUERY)
    custom = use_custom_fields("CONTACT")
    use_live(CONTACT_CHANGED, {"id": None}, lambda _: listing.reload())  # anyone's change to a contact shown
    data = (listing.data or {}).get("contacts")
    nodes = [e["node"] for e in data["edges"]] if data else []
    keys = FILTER_KEYS
    filtered = bool(params.get("q") or any(params.get(k) for k in keys))
    saved = [(e["node"]["id"], e["node"]["name"]) for e in ((who.data or {}).get("segments") or {}).get("edges", [])
             if e["node"]["entity"] == "CONTACT"]
    may_pick = session.can("updateSegment")
    may_save = session.can("createSegment") and not params.get("saved") and any(params.get(k) for k in keys)

    def picked_done() -> None:
        set_picked(())
        who.reload()  # a new hand-picked segment joins the "Saved segment" filter at once

    def toggle(contact_id: str) -> None:
        set_picked(lambda p: tuple(i for i in p if i != contact_id) if contact_id in p else (*p, contact_id))

    if data is None:
        body: VdomDict = pending(listing, "Loading contacts…")
    elif not nodes:
        body = (empty("No contacts match this view.", "Change the search or clear the filters.") if filtered
                else empty("No contacts yet.", "Add a person with “New contact”, or on a customer's Contacts tab."
                           if session.can("createContact") else "People at customers appear here once sales or "
                           "support add them."))
    else:
        body = card_table("Contacts", ("Name", "Customer", "Job title", "Email and phone", "Status", "Owner"),
                          [contact_row(n, pick_box(n["id"], picked, toggle) if may_pick else None) for n in nodes],
                          [n["id"] for n in nodes], stale=listing.loading)
    return html.div(
        {"className": "page"},
        list_head("Contacts", data["totalCount"] if data else None, "contact",
                  "+ New contact" if session.can("createContact") and not creating else None,
                  lambda e: set_creating(True),
                  html._(html.button({"className": "btn", "type": "button", "onClick": lambda e: set_saving(True)},
                                     "Save as segment") if may_save else None,
                         export_links("contacts", view_query(params, after=None)))),
        html.div({"className": "notice notice-ok", "role": "status"}, "Contact deleted.") if params.get("deleted") else None,
        CreateContact(people(who.data, "assignable"), lambda: set_creating(False)) if creating else None,
        SaveAsSegment(contact_variables(params)["filter"], bool(params.get("q")), lambda: set_saving(False), "CONTACT")
        if saving and may_save else None,
        html.div({"className": "toolbar"},
                 SearchInput(params.get("q", ""), lambda text: view.apply(q=text or None), "Search contacts",
                             "Search name, email or phone…")),
        html.div(
            {"className": "filters", "aria-label": "Filters"},
            select("status", [("", "Any status"), *((s, fmt.label(s)) for s in STATUSES)], params.get("status", ""),
                   onChange=lambda e: view.apply(status=changed_value(e))),
            select("owner", owner_options(people(who.data, "users"), session.me["id"], "Any owner"),
                   params.get("owner", ""), onChange=lambda e: view.apply(owner=changed_value(e))),
            select("customer", [("", "Any customer"), ("yes", "At a customer"), ("no", "No customer yet")],
                   params.get("customer", ""), onChange=lambda e: view.apply(customer=changed_value(e))),
            select("archived", [("", "In use"), ("yes", "Archived")], params.get("archived", ""),
                   onChange=lambda e: view.apply(archived=changed_value(e))),
            select("saved", [("", "Any saved segment"), *saved], params.get("saved", ""),
                   onChange=lambda e: view.apply(saved=changed_value(e)), **{"aria-label": "Saved segment"})
            if saved or params.get("saved") else None,
            CustomConditions(custom, params, view.apply),
            html.button({"className": "btn btn-link", "type": "button",
                         "onClick": lambda e: view.apply(**{k: None for k in keys})}, "Clear filters")
            if any(params.get(k) for k in keys) else None,
        ),
        AddToSegment(picked, picked_done, "CONTACT") if may_pick else None,
        body,
        pager(view, data["pageInfo"]) if data and nodes else None,
    )
