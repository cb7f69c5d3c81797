"""One contact: who they are, their timeline, and what the user may do with them (the contact's own
allowedActions): edit, hand to another owner, move through the status workflow, convert into a customer,
delete one without history, log an activity."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend import format as fmt
from frontend import gql
from frontend.components.customer_picker import CustomerPicker
from frontend.components.customer_tabs import ACTIVITY_FIELDS, timeline
from frontend.components.listing import owner_options, people
from frontend.components.log_activity import LogActivity
from frontend.components.ui import (
    awaiting,
    badge,
    empty,
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

CONTACT_QUERY = f"""
query ContactPage($id: ID!) {{
  contact(id: $id) {{
    id name email phone jobTitle department roleAtCustomer isPrimary status version createdAt
    allowedStatuses allowedActions customer {{ id name }} owner {{ id name }}
    activities(first: 50) {{ {ACTIVITY_FIELDS} }}
  }}
  assignable: users(first: {MAX_FIRST}, filter: {{assignableFor: OWNER}}) {{ edges {{ node {{ id name }} }} }}
}}"""
ACTIVITY_ADDED = "subscription ContactActivity($id: ID!) { activityAdded(customerId: $id) { id } }"
UPDATE_CONTACT = "mutation UpdateContact($input: UpdateContactInput!) { updateContact(input: $input) { id version } }"
CONVERT_CONTACT = """
mutation ConvertContact($input: ConvertContactInput!) {
  convertContact(input: $input) { customer { id name } customerCreated }
}"""
DELETE_CONTACT = "mutation DeleteContact($input: DeleteContactInput!) { deleteContact(input: $input) { id } }"
EDITABLE = (("name", "Name"), ("email", "Email"), ("phone", "Phone"), ("jobTitle", "Job title"),
            ("department", "Department"), ("roleAtCustomer", "Role"))


@component
def EditContact(contact: dict[str, Any], assignable: list[dict[str, Any]], done: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {key: values.get(key, "").strip() for key, _ in EDITABLE}
        if values.get("ownerId") and values["ownerId"] != (contact["owner"] or {}).get("id"):
            payload["ownerId"] = values["ownerId"]
        try:
            await gql.execute(session.actor, UPDATE_CONTACT,
                              input={"id": contact["id"], "version": contact["version"], **payload})
        except gql.GqlError as error:
            form.show(error)
            return
        done("Contact saved.")

    owner = (contact["owner"] or {}).get("id", "")
    choices = owner_options(assignable, session.me["id"], "Nobody" if not owner else None)
    if owner and all(owner != v for v, _ in choices):  # an owner the user may not appoint still shows
        choices.insert(0, (owner, contact["owner"]["name"]))
    return html.div(
        {"className": "panel", "aria-label": "Edit contact"},
        html.h2("Edit contact"),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            *(field(label, text_input(key, contact[key]), form.errors.get(key), required=key in ("name", "email"))
              for key, label in EDITABLE),
            field("Owner", select("ownerId", choices, owner), form.errors.get("ownerId")),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save changes"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done("")},
                                 "Cancel")),
        ),
    )


@component
def ConvertContact(contact: dict[str, Any], done: Any) -> VdomDict:
    """Into a customer for support or sales: the one they work for, another existing one, or a new one."""
    session = use_session()
    form = use_form_errors()
    mode, set_mode = use_state("existing" if contact["customer"] else "new")
    chosen, set_chosen = use_state(contact["customer"])

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"id": contact["id"], "version": contact["version"]}
        if mode == "new":
            payload.update({k: v.strip() for k, v in values.items() if k in ("companyName", "email", "city") and v.strip()})
            payload.setdefault("companyName", "")
        elif chosen:
            payload["customerId"] = chosen["id"]
        else:
            form.set_errors({"customerId": "pick the customer, or create a new one"})
            return
        try:
            result = (await gql.execute(session.actor, CONVERT_CONTACT, input=payload))["convertContact"]
        except gql.GqlError as error:
            form.show(error)
            return
        verb = "created" if result["customerCreated"] else "linked"
        done(f"Converted: {result['customer']['name']} {verb}.")

    def radio(value: str, text: str) -> VdomDict:
        return html.label({"className": "check"}, html.input({"type": "radio", "name": "mode", "value": value,
                                                             "checked": mode == value,
                                                             "onChange": lambda e: set_mode(value)}), text)

    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "Convert contact"},
        html.h2("Convert into a customer"),
        html.p({"className": "muted"}, "The contact becomes converted (final) and works for this customer; it is the "
               "customer's primary contact when the customer has none."),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            html.div({"className": "field-wide segmented", "role": "radiogroup", "aria-label": "Customer"},
                     radio("existing", "Existing customer"), radio("new", "New customer")),
            field("Customer", CustomerPicker(chosen, set_chosen), form.errors.get("customerId"), wide=True)
            if mode == "existing" else None,
            field("Company name", text_input("companyName", autoFocus=True), form.errors.get("companyName"),
                  required=True) if mode == "new" else None,
            field("Company email", text_input("email", contact["email"], kind="email"), form.errors.get("email"))
            if mode == "new" else None,
            field("City", text_input("city"), form.errors.get("city")) if mode == "new" else None,
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Convert"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done("")},
                                 "Cancel")),
        ),
    )


@component
def DeleteContact(contact: dict[str, Any], close: Any, mark_not_interested: Any) -> VdomDict:
    """Confirm first; a contact with history is refused by the API, which says why, and the dialog offers
    what keeps the history instead: marking them not interested."""
    session = use_session()
    nav = use_nav()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))

    async def delete() -> None:
        try:
            await gql.execute(session.actor, DELETE_CONTACT, input={"id": contact["id"], "version": contact["version"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        nav.navigate("/contacts?deleted=1")

    keep = "NOT_INTERESTED" in contact["allowedStatuses"] and "updateContact" in contact["allowedActions"]
    return html.div(
        {"className": "modal-backdrop"},
        html.div({"className": "modal-scrim", "onClick": lambda e: close()}),
        html.div(
            {"className": "modal", "role": "dialog", "aria-modal": "true", "aria-label": "Delete contact"},
            html.h2(f"Delete {contact['name']}?"),
            html.p("This removes the contact for good. It is meant for people entered by mistake or twice."),
            # The API's refusal names the contact itself (field `id`): shown as it is, not as a field's error.
            error_banner(problem.message if problem and problem.code == "BAD_USER_INPUT" else problem),
            html.div(
                {"className": "actions"},
                html.button({"className": "btn btn-primary", "type": "button", "onClick": awaiting(mark_not_interested)},
                            "Mark not interested") if problem and keep else None,
                html.button({"className": "btn btn-danger", "type": "button", "onClick": awaiting(delete)}, "Delete")
                if not problem else None,
                html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: close()}, "Cancel"),
            ),
        ),
    )


@component
def FollowTimeline(customer_id: str, changed: Any) -> VdomDict:
    """The customer's activity stream, which carries this contact's activities (a component of its own, so a
    contact at no customer subscribes to nothing)."""
    use_live(ACTIVITY_ADDED, {"id": customer_id}, changed)
    return html.span({"hidden": True})


def facts(contact: dict[str, Any]) -> VdomDict:
    customer = contact["customer"]
    return html.dl(
        {"className": "facts"},
        html.dt("Customer"),
        html.dd(html.a({"href": f"/customers/{customer['id']}"}, customer["name"]) if customer else "No customer yet"),
        html.dt("Email"), html.dd(html.a({"href": f"mailto:{contact['email']}"}, contact["email"])),
        html.dt("Phone"), html.dd(contact["phone"] or "–"),
        html.dt("Department"), html.dd(contact["department"] or "–"),
        html.dt("Role"), html.dd(contact["roleAtCustomer"] or "–"),
        html.dt("Owner"), html.dd(contact["owner"]["name"] if contact["owner"] else "Nobody"),
        html.dt("Created"), html.dd(fmt.day(contact["createdAt"])),
    )


@component
def ContactPage(contact_id: str) -> VdomDict:
    session = use_session()
    panel, set_panel = use_state(cast(str | None, None))
    message, set_message = use_state("")
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    result = use_query(CONTACT_QUERY, {"id": contact_id})
    contact = (result.data or {}).get("contact")
    if contact is None:
        if result.error:
            return html.div({"className": "page"}, html.a({"href": "/contacts"}, "← Contacts"),
                            html.h1("Contact"), error_banner(result.error))
        return loading("Loading contact…")

    def done(text: str) -> None:
        set_panel(None)
        set_message(text)
        set_problem(None)
        result.reload()

    async def move(status: str) -> None:
        try:
            await gql.execute(session.actor, UPDATE_CONTACT,
                              input={"id": contact["id"], "version": contact["version"], "status": status})
        except gql.GqlError as error:
            set_problem(error)
            return
        done(f"{contact['name']} is now {fmt.label(status).lower()}.")

    mine = contact["allowedActions"]
    actions = []
    if session.can("logActivity"):
        actions.append(html.button({"className": "btn btn-primary", "type": "button", "key": "log",
                                    "onClick": lambda e: set_panel("log")}, "+ Log activity"))
    for action, key, text in (("updateContact", "edit", "Edit"), ("convertContact", "convert", "Convert…"),
                              ("deleteContact", "delete", "Delete")):
        if action in mine:
            actions.append(html.button({"className": "btn" + (" btn-danger" if key == "delete" else ""),
                                        "type": "button", "key": key, "onClick": lambda e, k=key: set_panel(k)}, text))
    next_statuses = [s for s in contact["allowedStatuses"] if s != "CONVERTED"] if "updateContact" in mine else []
    customer = contact["customer"]
    job = " at ".join(p for p in (contact["jobTitle"], customer["name"] if customer else "") if p)
    activities = contact["activities"]
    return html.div(
        {"className": "page"},
        html.p(html.a({"href": "/contacts"}, "← Contacts")),
        FollowTimeline(customer["id"], lambda _: result.reload()) if customer else None,
        html.div(
            {"className": "hero"},
            html.div(
                html.div({"className": "actions"}, html.h1(contact["name"]), badge(contact["status"]),
                         badge("Primary", "primary") if contact["isPrimary"] else None),
                html.div({"className": "hero-meta"}, job) if job else None,
            ),
            html.div({"className": "actions"}, *actions),
        ),
        html.div(
            {"className": "status-row", "aria-label": "Contact status"},
            html.span({"className": "muted"}, "Move to: "),
            *(html.button({"className": "btn btn-small", "type": "button", "key": s, "onClick": awaiting(move, s)},
                          fmt.label(s)) for s in next_statuses),
        ) if next_statuses else None,
        html.div({"className": "notice notice-ok", "role": "status"}, message) if message else None,
        error_banner(problem),
        LogActivity(customer["id"] if customer else None, lambda: done("Activity logged."), contact_id=contact["id"])
        if panel == "log" else None,
        EditContact(contact, people(result.data, "assignable"), done) if panel == "edit" else None,
        ConvertContact(contact, done) if panel == "convert" else None,
        DeleteContact(contact, lambda: set_panel(None), lambda: move("NOT_INTERESTED")) if panel == "delete" else None,
        html.div(
            {"className": "grid-2"},
            html.div(html.div({"className": "card"}, html.h2("Timeline"),
                              timeline(activities, on_contact_page=True) if activities else empty(
                                  "Nothing logged with this person yet.",
                                  "Use “Log activity” to record a call or a meeting."))),
            html.div(html.div({"className": "card"}, html.h2("Details"), facts(contact))),
        ),
    )
