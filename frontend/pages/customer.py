"""Customer 360: the header with the relationship's figures, actions, and tabs for everything else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import Component, VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.countries import country_code, country_input, country_list, country_name
from frontend.components.customer_checks import REQUIRED, customer_form_errors
from frontend.components.customer_fields import (
    ASSIGNABLE_MANAGERS,
    handover_notice,
    manager_select,
    managers,
    segment_select,
)
from frontend.components.customer_tabs import (
    ActivitiesTab,
    ContactsTab,
    DealsTab,
    NotesTab,
    OverviewTab,
)
from frontend.components.log_activity import LogActivity
from frontend.components.ui import (
    badge,
    changed_value,
    error_banner,
    field,
    form_values,
    loading,
    select,
    text_input,
    use_form_errors,
)
from frontend.router import use_nav
from frontend.session import use_live, use_query, use_session

CUSTOMER_QUERY = """
query Customer360($id: ID!) {
  customer(id: $id) {
    id name legalForm email phone website street city postcode country industry segment tags description
    status blockedReason version createdAt allowedStatuses
    accountManager { id name team { id } }
    summary { totalDealAmount { amount currency } openDeals openAmount { amount currency }
              wonAmount { amount currency } customerSince lastActivityAt }
    statusHistory { fromStatus toStatus reason changedAt changedBy { name } }
  }
}"""
ACTIVITY_ADDED = "subscription ActivityAdded($id: ID!) { activityAdded(customerId: $id) { id } }"
CHANGE_STATUS = """
mutation ChangeStatus($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { id status } }"""
TABS = (("overview", "Overview"), ("contacts", "Contacts"), ("activities", "Activities"), ("notes", "Notes"),
        ("deals", "Deals"))
UPDATE_CUSTOMER = "mutation UpdateCustomer($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }"
CURRENT_CUSTOMER = """
query CurrentCustomer($id: ID!) {
  customer(id: $id) { id version name email phone website industry segment street postcode city country tags description
                      accountManager { id } }
}"""
MANAGERS_QUERY = f"query EditManagers {{ {ASSIGNABLE_MANAGERS} }}"
CUSTOMER_CHANGED = "subscription CustomerChanged($id: ID!) { customerChanged(id: $id) { kind } }"
EDITABLE = (("name", "Company name"), ("email", "Email"), ("phone", "Phone"), ("website", "Website"),
            ("industry", "Industry"), ("segment", "Segment"), ("street", "Street"), ("postcode", "Postcode"),
            ("city", "City"), ("country", "Country"))


@component
def ChangeStatus(customer: dict[str, Any], done: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload = {"id": customer["id"], "version": customer["version"], "status": values.get("status", "").upper(),
                   "reason": values.get("reason", "").strip() or None}
        try:
            await gql.execute(session.actor, CHANGE_STATUS, input=payload)
        except gql.GqlError as error:
            form.show(error)
            return
        done()

    choices = [(s.lower(), fmt.label(s)) for s in customer["allowedStatuses"]]
    return html.div(
        {"className": "panel", "aria-label": "Change status", "tabIndex": -1, "autoFocus": True},
        html.h2(f"Change status (now {fmt.label(customer['status'])})"),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "className": "form-row", "noValidate": True},
            field("New status", select("status", choices), form.errors.get("status")),
            field("Reason", text_input("reason", placeholder="Required to block", size=40), form.errors.get("reason")),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Change status"),
            html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()}, "Cancel"),
        ),
    )


def editable_values(customer: dict[str, Any]) -> dict[str, str]:
    """The edit form's fields as text, the way the form shows them (and sends them back)."""
    values = {key: customer[key] or "" for key, _ in EDITABLE}
    values["country"] = country_name(customer["country"])
    values["tags"] = ", ".join(customer["tags"])
    values["description"] = customer["description"] or ""
    values["accountManagerId"] = (customer["accountManager"] or {}).get("id", "")
    return values


@dataclass(frozen=True)
class Draft:
    """What the edit form is based on: the version and values last read, what its inputs start from, and,
    after someone else saved in between, {field: (theirs, yours)} where both changed it differently."""

    version: int
    saved: dict[str, str]
    shown: dict[str, str]
    clashes: dict[str, tuple[str, str]]


def merged(draft: Draft, typed: dict[str, str], current: dict[str, Any]) -> Draft:
    """After a conflict: the current record, with what the user changed on top of it."""
    theirs = editable_values(current)
    mine = {key for key, value in typed.items() if value != draft.saved.get(key, "")}
    return Draft(
        version=current["version"],
        saved=theirs,
        shown={key: typed[key] if key in mine else value for key, value in theirs.items()},
        clashes={key: (theirs[key], typed[key]) for key in mine
                 if theirs[key] != draft.saved[key] and theirs[key] != typed[key]},
    )


@component
def EditCustomer(customer: dict[str, Any], done: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    first = editable_values(customer)
    draft, set_draft = use_state(Draft(customer["version"], first, first, {}))
    conflicted, set_conflicted = use_state(False)
    manager, set_manager = use_state(first["accountManagerId"])
    # Those the user may appoint; none (support, marketing) → no picker, as the API would refuse any.
    appointable = managers(use_query(MANAGERS_QUERY).data, "assignable")
    current = customer["accountManager"]
    people = appointable + ([current] if current and appointable and current["id"] not in {p["id"] for p in appointable}
                            else [])

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        # A control the form does not show (the manager picker) keeps the value last read.
        typed = {key: values.get(key, draft.saved[key]).strip() for key in draft.saved}
        errors = customer_form_errors(typed)
        if errors:
            form.set_errors(errors)
            return
        payload: dict[str, Any] = {key: typed[key] for key, _ in EDITABLE}
        payload.update(country=country_code(typed["country"]), description=typed["description"],
                       tags=[t.strip() for t in typed["tags"].split(",") if t.strip()])
        if typed["accountManagerId"] != draft.saved["accountManagerId"]:  # only a change is checked by the API
            payload["accountManagerId"] = typed["accountManagerId"]
        payload.update(id=customer["id"], version=draft.version)
        try:
            await gql.execute(session.actor, UPDATE_CUSTOMER, input=payload)
        except gql.GqlError as error:
            if error.code == "CONFLICT":
                await reconcile(typed)
            else:
                form.show(error)
            return
        done()

    async def reconcile(typed: dict[str, str]) -> None:
        try:
            current = (await gql.execute(session.actor, CURRENT_CUSTOMER, id=customer["id"]))["customer"]
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_draft(merged(draft, typed, current))
        set_conflicted(True)

    def clash(key: str) -> str | None:
        if key not in draft.clashes:
            return None
        theirs, yours = draft.clashes[key]
        if key == "accountManagerId":
            names = {p["id"]: p["name"] for p in people}
            theirs, yours = names.get(theirs, theirs), names.get(yours, yours)
        return f"Saved by someone else: {theirs or '(empty)'} — yours: {yours or '(empty)'}"

    def control(key: str) -> VdomDict | Component:
        # Keyed by version: after a conflict the inputs start again from the merged values.
        if key == "country":
            return country_input(key=f"country-{draft.version}", defaultValue=draft.shown["country"])
        if key == "segment":
            return segment_select(draft.shown["segment"], key=f"segment-{draft.version}")
        return text_input(key, draft.shown[key], key=f"{key}-{draft.version}", required=key in REQUIRED)

    return html.div(
        {"className": "panel", "aria-label": "Edit customer", "tabIndex": -1, "autoFocus": True},
        html.h2("Edit customer"),
        html.div(  # always there: notices coming and going never move (and so remount) the form
            {"className": "form-notices"},
            html.div({"className": "notice notice-warn", "role": "status"},
                     "Someone else saved this customer while you were editing. Your entries are kept; where you both "
                     "changed a field, theirs is shown under it. Save again to keep what the form shows.")
            if conflicted and not form.problem else None,
            error_banner(form.problem),
        ),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            *(field(label, control(key), form.errors.get(key), notice=clash(key), required=key in REQUIRED)
              for key, label in EDITABLE),
            field("Account manager",
                  manager_select(people, session.me["id"], draft.shown["accountManagerId"],
                                 key=f"manager-{draft.version}", onChange=lambda e: set_manager(changed_value(e))),
                  form.errors.get("accountManagerId"),
                  notice=clash("accountManagerId")
                  or handover_notice(session.me["role"], session.me["id"], manager, people, when="saved"))
            if people else None,
            field("Tags", text_input("tags", draft.shown["tags"], key=f"tags-{draft.version}"), form.errors.get("tags"),
                  hint="Comma-separated", notice=clash("tags")),
            field("Description", html.textarea({"name": "description", "rows": 3, "aria-label": "description",
                                                "defaultValue": draft.shown["description"],
                                                "key": f"description-{draft.version}"}),
                  form.errors.get("description"), wide=True, notice=clash("description")),
            country_list(),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save changes"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()},
                                 "Cancel")),
        ),
    )


def runs(me: dict[str, Any], customer: dict[str, Any]) -> bool:
    """Whether the signed-in user may change this customer's own record, contacts and notes, as
    permissions.managed_customer_rule decides (the API refuses the rest): reps the customers they manage,
    heads those their team manages; a customer seen through a deal is read-only for that team."""
    manager = customer["accountManager"] or {}
    if me["role"] == "SALES_REP":
        return manager.get("id") == me["id"]
    if me["role"] == "SALES_HEAD":
        return me["team"] is not None and (manager.get("team") or {}).get("id") == me["team"]["id"]
    return True


def stat(label: str, value: Any) -> VdomDict:
    return html.div({"className": "stat"}, html.div({"className": "stat-label"}, label),
                    html.div({"className": "stat-value"}, value))


def hero(customer: dict[str, Any], actions: list[VdomDict]) -> VdomDict:
    place = ", ".join(p for p in (customer["city"], country_name(customer["country"])) if p)
    facts = [x for x in (customer["industry"], customer["segment"], place) if x]
    contact_bits = [
        html.a({"href": f"mailto:{customer['email']}", "key": "e"}, customer["email"]) if customer["email"] else None,
        # A link: on a phone one tap calls the customer.
        html.a({"href": f"tel:{customer['phone']}", "key": "p"}, customer["phone"]) if customer["phone"] else None,
        html.span({"key": "w"}, customer["website"]) if customer["website"] else None,
    ]
    return html.div(
        {"className": "hero"},
        html.div(
            html.div({"className": "actions"}, html.h1(customer["name"]), badge(customer["status"])),
            html.div({"className": "hero-meta"}, " · ".join(facts)) if facts else None,
            html.div({"className": "hero-meta"}, *[b for b in contact_bits if b]),
            html.p({"className": "notice notice-error"}, f"Blocked: {customer['blockedReason']}")
            if customer["status"] == "BLOCKED" and customer["blockedReason"] else None,
        ),
        html.div({"className": "actions"}, *actions),
    )


@component
def CustomerPage(customer_id: str) -> VdomDict:
    session = use_session()
    nav = use_nav()
    tab = nav.route.query.get("tab", "overview")
    panel, set_panel = use_state(cast(str | None, None))
    activity_generation, set_activity_generation = use_state(0)
    result = use_query(CUSTOMER_QUERY, {"id": customer_id})

    def activity_added(_: dict[str, Any]) -> None:
        set_activity_generation(lambda g: g + 1)
        result.reload()

    use_live(ACTIVITY_ADDED, {"id": customer_id}, activity_added)
    use_live(CUSTOMER_CHANGED, {"id": customer_id}, lambda _: result.reload())  # others' edits, in the header

    customer = (result.data or {}).get("customer")
    if customer is None:
        if result.error:
            return html.div({"className": "page"}, html.a({"href": "/customers"}, "← Customers"),
                            html.h1("Customer"), error_banner(result.error))
        return loading("Loading customer…")

    actions = []
    if session.can("logActivity"):
        actions.append(html.button({"className": "btn btn-primary", "type": "button", "key": "log",
                                    "onClick": lambda e: set_panel("log")}, "+ Log activity"))
    manages = runs(session.me, customer)
    if session.can("updateCustomer") and manages:
        actions.append(html.button({"className": "btn", "type": "button", "key": "edit",
                                    "onClick": lambda e: set_panel("edit")}, "Edit"))
    if session.can("changeCustomerStatus") and manages and customer["allowedStatuses"]:
        actions.append(html.button({"className": "btn", "type": "button", "key": "status",
                                    "onClick": lambda e: set_panel("status")}, "Change status"))

    def saved() -> None:  # a status change or an edit: close the panel, show the saved record
        set_panel(None)
        result.reload()

    summary = customer["summary"]
    manager = customer["accountManager"]
    tabs = {
        "overview": lambda: OverviewTab(customer, activity_generation),
        "contacts": lambda: ContactsTab(customer["id"], manages),
        "activities": lambda: ActivitiesTab(customer["id"], activity_generation),
        "notes": lambda: NotesTab(customer["id"], manages),
        "deals": lambda: DealsTab(customer),
    }
    return html.div(
        {"className": "page"},
        html.p(html.a({"href": "/customers"}, "← Customers")),
        hero(customer, actions),
        html.div(
            {"className": "stats"},
            stat("Total deal amount", fmt.money(summary["totalDealAmount"])),
            stat("Open deals", html.span({"data-testid": "open-deals"}, str(summary["openDeals"]))),
            stat("Customer since", fmt.day(summary["customerSince"])),
            stat("Account manager", manager["name"] if manager else "Unassigned"),
            stat("Last activity", fmt.day(summary["lastActivityAt"])),
        ),
        LogActivity(customer["id"], lambda: set_panel(None)) if panel == "log" else None,
        ChangeStatus(customer, saved) if panel == "status" else None,
        EditCustomer(customer, saved) if panel == "edit" else None,
        html.div(
            {"className": "tabs", "role": "tablist"},
            *(
                html.button(
                    {"className": "tab" + (" active" if key == tab else ""), "role": "tab", "key": key,
                     "aria-selected": key == tab, "type": "button",
                     "onClick": lambda e, key=key: nav.navigate(
                         f"/customers/{customer['id']}" + ("" if key == "overview" else f"?tab={key}"), replace=True)},
                    text,
                )
                for key, text in TABS
            ),
        ),
        tabs.get(tab, tabs["overview"])(),
    )
