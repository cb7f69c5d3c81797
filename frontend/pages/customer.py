"""Customer 360: the header with the relationship's figures, actions, and tabs for everything else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import Component, VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.activity_edit import use_timeline
from frontend.components.archiving import ArchiveButton, archived_notice
from frontend.components.attachments import AttachmentsPanel
from frontend.components.countries import country_code, country_input, country_list, country_name
from frontend.components.custom_fields import VALUES, custom_controls, custom_payload, use_custom_fields
from frontend.components.customer_checks import REQUIRED, customer_form_errors
from frontend.components.customer_fields import (
    ASSIGNABLE_MANAGERS,
    handover_notice,
    manager_select,
    managers,
)
from frontend.components.customer_tabs import (
    ActivitiesTab,
    ContactsTab,
    DealsTab,
    NotesTab,
    OverviewTab,
)
from frontend.components.log_activity import LogActivity
from frontend.components.phase import (
    OFFERED_STATUSES,
    high_level_status_select,
    phase_badge,
    relationship_panel,
    status_label,
)
from frontend.components.pick_lists import listed_input, use_pick_lists
from frontend.components.profile import PROFILE_FIELDS, ProfileForm, account_team, portrait, social_links, stars
from frontend.components.tickets import CustomerTickets
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
    status blockedReason version createdAt allowedStatuses allowedActions archivedAt mergedIntoId
    accountManager { id name team { id } }
    summary { totalDealAmount { amount currency } openDeals openAmount { amount currency }
              wonAmount { amount currency } customerSince lastActivityAt }
    statusHistory { fromStatus toStatus reason changedAt changedBy { name } }
    phase highLevelStatus { id label archived } phaseHistory { fromPhase toPhase why changedAt changedBy { name } }
    """ + PROFILE_FIELDS + "\n    " + VALUES + """
  }
}"""
CHANGE_STATUS = """
mutation ChangeStatus($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { id status } }"""
TABS = (("overview", "Overview"), ("contacts", "Contacts"), ("activities", "Activities"), ("notes", "Notes"),
        ("deals", "Deals"), ("tickets", "Tickets"), ("files", "Files"))
UPDATE_CUSTOMER = "mutation UpdateCustomer($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }"
CURRENT_CUSTOMER = """
query CurrentCustomer($id: ID!) {
  customer(id: $id) { id version name email phone website industry segment street postcode city country tags description
                      accountManager { id } highLevelStatus { id label archived } """ + VALUES + """ }
}"""
MANAGERS_QUERY = f"query EditManagers {{ {ASSIGNABLE_MANAGERS} }}"
CUSTOMER_CHANGED = "subscription CustomerChanged($id: ID!) { customerChanged(id: $id) { kind } }"
WORKFLOW_CHANGED = "subscription CustomerWorkflowChanged { statusWorkflowChanged { entity } }"
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
    values["highLevelStatusId"] = (customer["highLevelStatus"] or {}).get("id", "")
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
    custom = use_custom_fields("CUSTOMER")
    lists = {key: labels for key, labels in use_pick_lists().items() if key in ("industry", "segment")}
    # The custom values last read: an update sends only those the user changed from them.
    custom_read, set_custom_read = use_state(cast(list[dict[str, Any]], customer["customFields"]))
    # Those the user may appoint; none (support, marketing) → no picker, as the API would refuse any.
    appointable = managers(use_query(MANAGERS_QUERY).data, "assignable")
    offered = (use_query(OFFERED_STATUSES).data or {}).get("highLevelStatuses") or []
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
        if typed["highLevelStatusId"] != draft.saved["highLevelStatusId"]:
            payload["highLevelStatusId"] = typed["highLevelStatusId"] or None
        payload.update(id=customer["id"], version=draft.version,
                       customFields=custom_payload(custom, values, session.zone, custom_read))
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
        set_custom_read(current["customFields"])  # the custom inputs keep what the user typed
        set_draft(merged(draft, typed, current))
        set_conflicted(True)

    def clash(key: str) -> str | None:
        if key not in draft.clashes:
            return None
        theirs, yours = draft.clashes[key]
        if key in ("accountManagerId", "highLevelStatusId"):
            names = {p["id"]: p["name"] for p in people} if key == "accountManagerId" else {s["id"]: s["label"] for s in offered}
            theirs, yours = names.get(theirs, theirs), names.get(yours, yours)
        return f"Saved by someone else: {theirs or '(empty)'} — yours: {yours or '(empty)'}"

    def control(key: str) -> VdomDict | Component:
        # Keyed by version: after a conflict the inputs start again from the merged values.
        if key == "country":
            return country_input(key=f"country-{draft.version}", defaultValue=draft.shown["country"])
        if key in lists:  # industry and segment: from the lists admins keep
            return listed_input(key, draft.shown[key], lists[key], key=f"{key}-{draft.version}-{len(lists[key])}")
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
            field("High-level status",
                  high_level_status_select(offered, customer["highLevelStatus"], value=draft.shown["highLevelStatusId"],
                                           key=f"hls-{draft.version}"),
                  form.errors.get("highLevelStatusId"), notice=clash("highLevelStatusId")),
            field("Tags", text_input("tags", draft.shown["tags"], key=f"tags-{draft.version}"), form.errors.get("tags"),
                  hint="Comma-separated", notice=clash("tags")),
            field("Description", html.textarea({"name": "description", "rows": 3, "aria-label": "description",
                                                "defaultValue": draft.shown["description"],
                                                "key": f"description-{draft.version}"}),
                  form.errors.get("description"), wide=True, notice=clash("description")),
            custom_controls(custom, customer["customFields"], form.errors, session.zone),
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
            {"className": "hero-title"},
            portrait(customer["logo"], customer["name"]),
            html.div(
                html.div({"className": "actions"}, html.h1(customer["name"]), badge(customer["status"]),
                         stars(customer["rating"])),
                html.div({"className": "hero-meta"}, " · ".join(facts)) if facts else None,
                html.div({"className": "hero-meta"}, *[b for b in contact_bits if b],
                         social_links(customer["socialLinks"])),
                account_team(customer),
                html.p({"className": "notice notice-error"}, f"Blocked: {customer['blockedReason']}")
                if customer["status"] == "BLOCKED" and customer["blockedReason"] else None,
            ),
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

    def timeline_changed(_: dict[str, Any]) -> None:
        set_activity_generation(lambda g: g + 1)
        result.reload()

    use_timeline(customer_id, timeline_changed)  # activities logged or corrected, by anyone
    use_live(CUSTOMER_CHANGED, {"id": customer_id}, lambda _: result.reload())  # others' edits, in the header
    use_live(WORKFLOW_CHANGED, None, lambda _: result.reload())  # an admin's new status steps: allowedStatuses

    customer = (result.data or {}).get("customer")
    if customer is None:
        if result.error:
            return html.div({"className": "page"}, html.a({"href": "/customers"}, "← Customers"),
                            html.h1("Customer"), error_banner(result.error))
        return loading("Loading customer…")

    actions = []
    # A merged record takes no changes (the API says so in allowedActions); an archived one is restored first.
    allowed = set(customer["allowedActions"]) if not customer["archivedAt"] else set()
    if session.can("logActivity") and not customer["archivedAt"]:
        actions.append(html.button({"className": "btn btn-primary", "type": "button", "key": "log",
                                    "onClick": lambda e: set_panel("log")}, "+ Log activity"))
    manages = runs(session.me, customer)
    if "updateCustomer" in allowed and manages:
        actions.append(html.button({"className": "btn", "type": "button", "key": "edit",
                                    "onClick": lambda e: set_panel("edit")}, "Edit"))
    if "updateCustomer" in allowed and manages:
        actions.append(html.button({"className": "btn", "type": "button", "key": "profile",
                                    "onClick": lambda e: set_panel("profile")}, "Profile"))
    if "changeCustomerStatus" in allowed and manages and customer["allowedStatuses"]:
        actions.append(html.button({"className": "btn", "type": "button", "key": "status",
                                    "onClick": lambda e: set_panel("status")}, "Change status"))

    def saved() -> None:  # a status change or an edit: close the panel, show the saved record
        set_panel(None)
        result.reload()

    if session.can("updateCustomer") and manages:
        actions.append(html.span({"key": "archive"}, ArchiveButton("Customer", customer, saved)))

    summary = customer["summary"]
    manager = customer["accountManager"]
    tabs = {
        "overview": lambda: OverviewTab(customer, activity_generation),
        "contacts": lambda: ContactsTab(customer["id"], manages),
        "activities": lambda: ActivitiesTab(customer["id"], activity_generation),
        "notes": lambda: NotesTab(customer["id"], manages and "writeNote" in allowed),
        "deals": lambda: DealsTab(customer),
        "tickets": lambda: CustomerTickets(customer),
        "files": lambda: AttachmentsPanel("CUSTOMER", customer["id"], session.can("attachFile") and not customer["archivedAt"]),
    }
    return html.div(
        {"className": "page"},
        html.p(html.a({"href": "/customers"}, "← Customers")),
        hero(customer, actions),
        archived_notice(customer, "/customers"),
        html.div(
            {"className": "stats"},
            stat("Total deal amount", fmt.money(summary["totalDealAmount"])),
            stat("Open deals", html.span({"data-testid": "open-deals"}, str(summary["openDeals"]))),
            stat("Customer since", fmt.day(summary["customerSince"])),
            stat("Account manager", manager["name"] if manager else "Unassigned"),
            stat("Last activity", fmt.day(summary["lastActivityAt"])),
            stat("Phase", phase_badge(customer["phase"])),
            stat("High-level status", status_label(customer)),
        ),
        relationship_panel(customer, "setCustomerPhase" in allowed and manages, saved),
        LogActivity(customer["id"], lambda: set_panel(None)) if panel == "log" else None,
        ChangeStatus(customer, saved) if panel == "status" else None,
        EditCustomer(customer, saved) if panel == "edit" else None,
        ProfileForm("CUSTOMER", customer, saved) if panel == "profile" else None,
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
