"""Leads: find them (search, status, owner), capture new ones, qualify them through the API's allowed next
statuses, hand them to a colleague, and convert one into a customer and a deal in one step."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.custom_fields import (
    VALUES,
    CustomFields,
    built_in,
    custom_controls,
    custom_facts,
    custom_payload,
    use_custom_fields,
)
from frontend.components.custom_filter import CustomConditions
from frontend.components.customer_choice import use_customer_choice
from frontend.components.customer_picker import CustomerPicker
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
from frontend.components.lost_reasons import CloseDialog
from frontend.components.pick_lists import listed_input, use_pick_lists
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

STATUSES = ("new", "contacted", "qualified", "converted", "lost")
CONVERTIBLE = ("NEW", "CONTACTED", "QUALIFIED")
LEAD_FIELDS = """id title source companyName scopeOfWork status lostReason version createdAt allowedStatuses
  lostReasonChoice { name }
  customer { id name } contact { id name email } owner { id name } deal { id title }"""
LEAD_CHANGED = "subscription LeadChanged { leadChanged { kind leadId } }"
LEADS_QUERY = f"""
query Leads($first: Int = 25, $after: String, $filter: LeadFilter, $search: String) {{
  leads(first: $first, after: $after, filter: $filter, search: $search) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
    edges {{ node {{ {LEAD_FIELDS} }} }}
  }}
}}"""
PEOPLE_QUERY = f"""
query LeadPeople {{
  users(first: {MAX_FIRST}) {{ edges {{ node {{ id name }} }} }}
  assignable: users(first: {MAX_FIRST}, filter: {{assignableFor: OWNER}}) {{ edges {{ node {{ id name }} }} }}
}}"""
# The open lead with its custom values (not the list's rows: their lists on 100 rows would cost too much).
LEAD_QUERY = f"query OneLead($id: ID!) {{ lead(id: $id) {{ {LEAD_FIELDS} {VALUES} }} }}"
CREATE_LEAD = "mutation CreateLead($input: CreateLeadInput!) { createLead(input: $input) { id } }"
UPDATE_LEAD = f"mutation UpdateLead($input: UpdateLeadInput!) {{ updateLead(input: $input) {{ {LEAD_FIELDS} }} }}"
CONVERT_LEAD = """
mutation ConvertLead($input: ConvertLeadInput!) {
  convertLead(input: $input) { lead { id status } deal { id title } customer { id name } }
}"""
EDITABLE = (("title", "Title"), ("companyName", "Company"), ("source", "Source"))


FILTER_KEYS = ("status", "owner", PARAM)  # "cf": custom-field conditions


def lead_variables(params: dict[str, str]) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if params.get("status"):
        where["status"] = [params["status"].upper()]
    if params.get("owner"):
        where["ownerId"] = [params["owner"]]
    if custom := custom_filter(params):
        where["custom"] = custom
    return {"after": params.get("after") or None, "filter": where or None, "search": params.get("q") or None}


def company(lead: dict[str, Any]) -> Any:
    if lead["customer"]:
        return html.a({"href": f"/customers/{lead['customer']['id']}"}, lead["customer"]["name"])
    return lead["companyName"] or html.span({"className": "muted"}, "–")


@component
def CreateLead(assignable: list[dict[str, Any]], done: Any, close: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    customer, set_customer = use_state(None)  # an existing customer, for more business with them
    custom = use_custom_fields("LEAD")
    lists = use_pick_lists()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {k: v.strip() for k, v in built_in(values).items() if v.strip()}
        payload.setdefault("title", "")
        payload["customFields"] = custom_payload(custom, values, session.zone)
        if customer:
            payload["customerId"] = customer["id"]
        try:
            created = (await gql.execute(session.actor, CREATE_LEAD, input=payload))["createLead"]
        except gql.GqlError as error:
            form.show(error)
            return
        done(created["id"])

    me = session.me["id"]
    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "New lead"},
        dialog_head("New lead", close),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            field("Title", text_input("title", autoFocus=True, placeholder="e.g. Fleet maintenance for 40 trucks"),
                  form.errors.get("title"), required=True),
            field("Company", text_input("companyName"), form.errors.get("companyName"), hint="A company not in the CRM yet")
            if not customer else None,
            field("Or an existing customer", CustomerPicker(customer, set_customer), form.errors.get("customerId")),
            field("Source", listed_input("source", "", lists["source"], placeholder="Web form, referral, fair…",
                                         key=f"source-{len(lists['source'])}"), form.errors.get("source")),
            field("Owner", select("ownerId", owner_options(assignable, me), me), form.errors.get("ownerId"))
            if assignable else None,
            field("Scope of work", html.textarea({"name": "scopeOfWork", "rows": 2, "aria-label": "scopeOfWork"}),
                  form.errors.get("scopeOfWork"), wide=True),
            custom_controls(custom, None, form.errors, session.zone),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Create lead")),
        ),
    )


@component
def EditLead(lead: dict[str, Any], assignable: list[dict[str, Any]], saved: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    custom = use_custom_fields("LEAD")
    sources = use_pick_lists()["source"]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {k: values.get(k, "").strip() for k, _ in EDITABLE}
        payload["scopeOfWork"] = values.get("scopeOfWork", "").strip()
        if values.get("ownerId"):
            payload["ownerId"] = values["ownerId"]
        payload["customFields"] = custom_payload(custom, values, session.zone, lead.get("customFields"))
        try:
            await gql.execute(session.actor, UPDATE_LEAD, input={"id": lead["id"], "version": lead["version"], **payload})
        except gql.GqlError as error:
            form.show(error)
            return
        saved("Lead saved.")

    owner = (lead["owner"] or {}).get("id", "")
    choices = owner_options(assignable, session.me["id"])
    if owner and all(owner != v for v, _ in choices):  # someone the user may not appoint keeps showing
        choices.insert(0, (owner, lead["owner"]["name"]))
    return html.div(
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True,
             "aria-label": "Edit lead", "key": f"edit-{lead['version']}"},
            *(field(label, listed_input(key, lead[key], sources, key=f"{key}-{len(sources)}") if key == "source"
                    else text_input(key, lead[key]), form.errors.get(key), required=key == "title")
              for key, label in EDITABLE),
            field("Owner", select("ownerId", choices, owner), form.errors.get("ownerId")),
            field("Scope of work", html.textarea({"name": "scopeOfWork", "rows": 2, "aria-label": "scopeOfWork",
                                                  "defaultValue": lead["scopeOfWork"]}),
                  form.errors.get("scopeOfWork"), wide=True),
            custom_controls(custom, lead.get("customFields") or [], form.errors, session.zone),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save lead")),
        ),
    )


@component
def LeadStatus(lead: dict[str, Any], saved: Any) -> VdomDict:
    """The next statuses the API allows, one button each; lost asks why, in the dialog deals use."""
    session = use_session()
    form = use_form_errors()
    losing, set_losing = use_state(False)

    async def move(status: str, reason: str | None = None, reason_id: str | None = None) -> gql.GqlError | None:
        payload = {"id": lead["id"], "version": lead["version"], "status": status}
        if reason:
            payload["lostReason"] = reason
        if reason_id:
            payload["lostReasonId"] = reason_id
        try:
            await gql.execute(session.actor, UPDATE_LEAD, input=payload)
        except gql.GqlError as error:
            return error
        set_losing(False)
        form.clear()
        saved(f"Lead is now {fmt.label(status).lower()}.")
        return None

    async def lose(text: str | None, reason_id: str | None) -> gql.GqlError | None:
        return await move("LOST", text, reason_id)

    def button(status: str) -> VdomDict:
        async def click(e: Any) -> None:
            if status == "LOST":
                set_losing(True)
            elif (error := await move(status)) is not None:
                form.show(error)

        return html.button({"className": "btn" + (" btn-danger" if status == "LOST" else ""), "type": "button",
                            "key": status, "onClick": click},
                           "Mark lost" if status == "LOST" else f"Mark {fmt.label(status).lower()}")

    return html.div(
        {"className": "status-row", "aria-label": "Lead status"},
        html.span({"className": "muted"}, "Status: "), badge(lead["status"]),
        *(button(s) for s in lead["allowedStatuses"]),
        error_banner(form.problem),
        CloseDialog(lead["title"], " · ".join(x for x in ((lead["customer"] or {}).get("name") or lead["companyName"],
                                                            fmt.label(lead["status"])) if x),
                    "lead", lose, lambda: set_losing(False)) if losing else None,
    )


@component
def ConvertLead(lead: dict[str, Any], close: Any) -> VdomDict:
    session = use_session()
    nav = use_nav()
    form = use_form_errors()
    # Link the lead's customer (or another one found by name), or create one from the lead's company.
    choice = use_customer_choice(lead["customer"])

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"id": lead["id"], "version": lead["version"]}
        if values.get("dealTitle", "").strip():
            payload["dealTitle"] = values["dealTitle"].strip()
        amount = values.get("amount", "").strip().replace(",", "")
        if amount:
            try:
                payload["amount"] = round(float(amount) * 100)
            except ValueError:
                form.set_errors({"amount": "must be a number, e.g. 12500 or 12500.50"})
                return
        if values.get("currency", "").strip():
            payload["currency"] = values["currency"].strip().upper()
        if choice.new:
            payload["newCustomer"] = {"name": values.get("name", "").strip(), "email": values.get("email", "").strip()}
        elif customer_id := choice.customer_id(form):
            payload["customerId"] = customer_id
        else:
            return
        try:
            done = (await gql.execute(session.actor, CONVERT_LEAD, input=payload))["convertLead"]
        except gql.GqlError as error:
            form.show(error)
            return
        nav.navigate(f"/customers/{done['customer']['id']}?tab=deals")

    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "Convert lead"},
        dialog_head("Convert into customer and deal", close),
        html.p({"className": "muted"}, "One step: the customer is linked or created, and a deal opens in the first "
               "stage of the pipeline. The lead becomes converted."),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            *choice.controls(form, lead["companyName"]),
            field("Company name", text_input("name", lead["companyName"]), form.errors.get("name"), required=True)
            if choice.new else None,
            # Not pre-filled from the contact: a person's address is not the company's.
            field("Company email", text_input("email", kind="email", placeholder="info@company.example"),
                  form.errors.get("email"), required=True) if choice.new else None,
            field("Deal title", text_input("dealTitle", lead["title"]), form.errors.get("dealTitle")),
            field("Amount", text_input("amount", inputmode="decimal", placeholder="0"), form.errors.get("amount")),
            field("Currency", text_input("currency", placeholder="EUR", maxLength=3, size=4),
                  form.errors.get("currency"), hint="Default: the base currency"),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Convert")),
        ),
    )


@component
def LeadPanel(lead: dict[str, Any], assignable: list[dict[str, Any]], saved: Any, close: Any) -> VdomDict:
    session = use_session()
    converting, set_converting = use_state(False)
    open_lead = lead["status"] != "CONVERTED"
    may_edit = session.can("updateLead") and open_lead
    contact = lead["contact"]
    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": f"Lead {lead['title']}"},
        # Focused as it opens, so a lead picked far down the list is brought into view.
        html.div({"className": "panel-head"}, html.h2({"tabIndex": -1, "autoFocus": True}, lead["title"]),
                 html.div({"className": "actions"},
                          html.button({"className": "btn btn-primary", "type": "button",
                                       "onClick": lambda e: set_converting(True)}, "Convert…")
                          if session.can("convertLead") and lead["status"] in CONVERTIBLE and not converting else None,
                          html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: close()},
                                      "Close"))),
        html.p({"className": "hero-meta"},
               html.span("Contact: ", html.a({"href": f"/contacts/{contact['id']}"}, contact["name"]))
               if contact else None,
               html.span(f"Created {fmt.day(lead['createdAt'])}"),
               html.span("Deal: ", html.a({"href": f"/deals/{lead['deal']['id']}"}, lead["deal"]["title"]))
               if lead["deal"] else None),
        html.p({"className": "notice notice-error"}, fmt.lost(lead))
        if lead["status"] == "LOST" and lead["lostReason"] else None,
        ConvertLead(lead, lambda: set_converting(False)) if converting else None,
        # While converting, the form is all there is: the status and fields are the conversion's to change.
        LeadStatus(lead, saved, key=f"status-{lead['version']}")
        if may_edit and lead["allowedStatuses"] and not converting else None,
        EditLead(lead, assignable, saved) if may_edit and not converting else None,
        html.p({"className": "muted"}, lead["scopeOfWork"] or "") if not may_edit else None,
        html.dl({"className": "facts", "aria-label": "Custom fields"}, *custom_facts(lead.get("customFields")))
        if lead.get("customFields") and not may_edit else None,
    )


def filters(view: Any, owners: list[dict[str, Any]], me: str, custom: CustomFields) -> VdomDict:
    params = view.params
    active = any(params.get(k) for k in FILTER_KEYS)
    return html.div(
        {"className": "filters", "aria-label": "Filters"},
        select("status", [("", "Any status"), *((s, fmt.label(s)) for s in STATUSES)], params.get("status", ""),
               onChange=lambda e: view.apply(status=changed_value(e))),
        select("owner", owner_options(owners, me, "Any owner"), params.get("owner", ""),
               onChange=lambda e: view.apply(owner=changed_value(e))),
        CustomConditions(custom, params, view.apply),
        html.button({"className": "btn btn-link", "type": "button",
                     "onClick": lambda e: view.apply(**dict.fromkeys(FILTER_KEYS))}, "Clear filters") if active else None,
    )


@component
def LeadsPage() -> VdomDict:
    session = use_session()
    view = use_list_view("/leads")
    params = view.params
    creating, set_creating = use_state(False)
    message, set_message = use_state("")
    open_id = params.get("lead", "")  # the open lead is part of the address, so a link can open it
    listing = use_query(LEADS_QUERY, lead_variables(params))
    opened = use_query(LEAD_QUERY, {"id": open_id}, skip=not open_id)
    who = use_query(PEOPLE_QUERY)
    custom = use_custom_fields("LEAD")
    assignable = people(who.data, "assignable")
    me = session.me["id"]

    def followed(_: dict[str, Any]) -> None:  # anyone's change to a lead this user may see: list and panel follow
        listing.reload()
        opened.reload()

    use_live(LEAD_CHANGED, None, followed)

    def show(lead_id: str | None) -> None:
        set_message("")
        view.apply(lead=lead_id, after=params.get("after"))  # the list stays on its page

    def saved(text: str) -> None:
        set_message(text)
        listing.reload()
        opened.reload()

    def created(lead_id: str) -> None:
        set_creating(False)
        show(lead_id)
        set_message("Lead created.")
        listing.reload()

    data = (listing.data or {}).get("leads")
    nodes = [e["node"] for e in data["edges"]] if data else []
    filtered = bool(params.get("q") or any(params.get(k) for k in FILTER_KEYS))
    if data is None:
        body: VdomDict = pending(listing, "Loading leads…")
    elif not nodes:
        body = (empty("No leads match this view.", "Change the search or clear the filters.") if filtered
                else empty("No leads yet.", "Capture the first one with “New lead”: a name from a call, a fair or a "
                           "web form is enough." if session.can("createLead") else "Leads the sales team captures "
                           "appear here."))
    else:
        body = card_table(
            "Leads", ("Lead", "Company", "Contact", "Source", "Status", "Owner", "Created"),
            [(html.button({"className": "btn-link row-link", "type": "button",
                           "onClick": lambda e, i=n["id"]: show(i)}, n["title"]),
              company(n),
              html.a({"href": f"/contacts/{n['contact']['id']}"}, n["contact"]["name"]) if n["contact"] else "–",
              n["source"] or "–", badge(n["status"]),
              n["owner"]["name"] if n["owner"] else html.span({"className": "muted"}, "Nobody"),
              fmt.day(n["createdAt"])) for n in nodes],
            [n["id"] for n in nodes], stale=listing.loading,
        )
    selected = (opened.data or {}).get("lead") if open_id else None
    return html.div(
        {"className": "page"},
        list_head("Leads", data["totalCount"] if data else None, "lead",
                  "+ New lead" if session.can("createLead") and not creating else None,
                  lambda e: set_creating(True), export_links("leads", view_query(params, after=None))),
        html.div({"className": "notice notice-ok", "role": "status"}, message) if message else None,
        CreateLead(assignable, created, lambda: set_creating(False)) if creating else None,
        LeadPanel(selected, assignable, saved, lambda: show(None), key=f"lead-{selected['id']}")
        if selected and selected["id"] == open_id else error_banner(opened.error) if open_id else None,
        html.div({"className": "toolbar"},
                 SearchInput(params.get("q", ""), lambda text: view.apply(q=text or None), "Search leads",
                             "Search title or company…")),
        filters(view, people(who.data, "users"), me, custom),
        body,
        pager(view, data["pageInfo"]) if data and nodes else None,
    )
