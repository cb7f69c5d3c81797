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
from frontend.components.activity_edit import FollowTimeline
from frontend.components.archiving import ArchiveButton, archived_notice
from frontend.components.attachments import AttachmentsPanel
from frontend.components.booking import BookingLinks, SendBookingLink
from frontend.components.custom_fields import VALUES, custom_controls, custom_facts, custom_payload, use_custom_fields
from frontend.components.customer_choice import use_customer_choice
from frontend.components.customer_tabs import ACTIVITY_FIELDS, timeline
from frontend.components.listing import owner_options, people
from frontend.components.log_activity import LogActivity
from frontend.components.mail_consent import CONSENT_FIELDS, MailConsentCard
from frontend.components.profile import CONTACT_PROFILE_FIELDS, ProfileForm, portrait, social_links
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
from frontend.pages.contacts import CONTACT_CHANGED
from frontend.router import use_nav
from frontend.session import use_live, use_query, use_session

WORKFLOW_CHANGED = "subscription ContactWorkflowChanged { statusWorkflowChanged { entity } }"

CONTACT_QUERY = f"""
query ContactPage($id: ID!) {{
  contact(id: $id) {{
    id name email phone jobTitle department roleAtCustomer isPrimary status version createdAt archivedAt mergedIntoId
    allowedStatuses allowedActions customer {{ id name }} owner {{ id name }}
    activities(first: 50) {{ {ACTIVITY_FIELDS} }}
    {CONSENT_FIELDS}
    {CONTACT_PROFILE_FIELDS}
    {VALUES}
  }}
  assignable: users(first: {MAX_FIRST}, filter: {{assignableFor: OWNER}}) {{ edges {{ node {{ id name }} }} }}
}}"""
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
    custom = use_custom_fields("CONTACT")

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {key: values.get(key, "").strip() for key, _ in EDITABLE}
        if values.get("ownerId") and values["ownerId"] != (contact["owner"] or {}).get("id"):
            payload["ownerId"] = values["ownerId"]
        payload["customFields"] = custom_payload(custom, values, session.zone, contact["customFields"])
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
            custom_controls(custom, contact["customFields"], form.errors, session.zone),
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
    choice = use_customer_choice(contact["customer"])

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        payload: dict[str, Any] = {"id": contact["id"], "version": contact["version"]}
        if choice.new:
            payload.update({k: v.strip() for k, v in values.items() if k in ("companyName", "email", "city") and v.strip()})
            payload.setdefault("companyName", "")
        elif customer_id := choice.customer_id(form):
            payload["customerId"] = customer_id
        else:
            return
        try:
            result = (await gql.execute(session.actor, CONVERT_CONTACT, input=payload))["convertContact"]
        except gql.GqlError as error:
            form.show(error)
            return
        verb = "created" if result["customerCreated"] else "linked"
        done(f"Converted: {result['customer']['name']} {verb}.")

    return html.div(
        {"className": "panel", "role": "dialog", "aria-label": "Convert contact"},
        html.h2("Convert into a customer"),
        html.p({"className": "muted"}, "The contact becomes converted (final) and works for this customer; it is the "
               "customer's primary contact when the customer has none."),
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            *choice.controls(form),
            field("Company name", text_input("companyName", autoFocus=True), form.errors.get("companyName"),
                  required=True) if choice.new else None,
            field("Company email", text_input("email", contact["email"], kind="email"), form.errors.get("email"))
            if choice.new else None,
            field("City", text_input("city"), form.errors.get("city")) if choice.new else None,
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
        *custom_facts(contact["customFields"]),
    )


@component
def ContactPage(contact_id: str) -> VdomDict:
    session = use_session()
    panel, set_panel = use_state(cast(str | None, None))
    message, set_message = use_state("")
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    links_sent, set_links_sent = use_state(0)
    result = use_query(CONTACT_QUERY, {"id": contact_id})
    use_live(CONTACT_CHANGED, {"id": contact_id}, lambda _: result.reload())  # another user's edit, at once
    use_live(WORKFLOW_CHANGED, None, lambda _: result.reload())  # an admin's new status steps: allowedStatuses
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

    mine = contact["allowedActions"]  # none of the writes on a merged record (the API decides)
    live = not contact["archivedAt"]  # an archived one is restored before it is changed again
    actions = []
    if session.can("logActivity") and live:
        actions.append(html.button({"className": "btn btn-primary", "type": "button", "key": "log",
                                    "onClick": lambda e: set_panel("log")}, "+ Log activity"))
    for action, key, text in (("updateContact", "edit", "Edit"), ("convertContact", "convert", "Convert…"),
                              ("deleteContact", "delete", "Delete")):
        if action in mine and (live or action == "deleteContact"):
            actions.append(html.button({"className": "btn" + (" btn-danger" if key == "delete" else ""),
                                        "type": "button", "key": key, "onClick": lambda e, k=key: set_panel(k)}, text))
    booking = session.can("createBookingLink") and live and not contact["mergedIntoId"] and contact["email"]
    if booking:
        actions.append(html.button({"className": "btn", "type": "button", "key": "booking",
                                    "onClick": lambda e: set_panel("booking")}, "Send booking link"))
    if "updateContact" in mine and live:
        actions.append(html.button({"className": "btn", "type": "button", "key": "profile",
                                    "onClick": lambda e: set_panel("profile")}, "Profile"))
    if "updateContact" in mine:
        actions.append(html.span({"key": "archive"}, ArchiveButton("Contact", contact, lambda: done(
            f"{contact['name']} is {'back in the lists' if contact['archivedAt'] else 'archived'}."))))
    next_statuses = [s for s in contact["allowedStatuses"] if s != "CONVERTED"] if "updateContact" in mine and live else []
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
                {"className": "hero-title"},
                portrait(contact["picture"], contact["name"], round_=True),
                html.div(
                    html.div({"className": "actions"}, html.h1(contact["name"]), badge(contact["status"]),
                             badge("Primary", "primary") if contact["isPrimary"] else None),
                    html.div({"className": "hero-meta"}, job, social_links(contact["socialLinks"]))
                    if job or contact["socialLinks"] else None,
                ),
            ),
            html.div({"className": "actions"}, *actions),
        ),
        html.div(
            {"className": "status-row", "aria-label": "Contact status"},
            html.span({"className": "muted"}, "Move to: "),
            *(html.button({"className": "btn btn-small", "type": "button", "key": s, "onClick": awaiting(move, s)},
                          fmt.label(s)) for s in next_statuses),
        ) if next_statuses else None,
        archived_notice(contact, "/contacts"),
        html.div({"className": "notice notice-ok", "role": "status"}, message) if message else None,
        error_banner(problem),
        LogActivity(customer["id"] if customer else None, lambda: done("Activity logged."), contact_id=contact["id"])
        if panel == "log" else None,
        EditContact(contact, people(result.data, "assignable"), done) if panel == "edit" else None,
        ConvertContact(contact, done) if panel == "convert" else None,
        ProfileForm("CONTACT", contact, lambda: done("Profile saved.")) if panel == "profile" else None,
        DeleteContact(contact, lambda: set_panel(None), lambda: move("NOT_INTERESTED")) if panel == "delete" else None,
        SendBookingLink(contact, lambda: set_panel(None), lambda: set_links_sent(lambda n: n + 1))
        if panel == "booking" else None,
        html.div(
            {"className": "grid-2"},
            html.div(html.div({"className": "card"}, html.h2("Timeline"),
                              timeline(activities, on_contact_page=True) if activities else empty(
                                  "Nothing logged with this person yet.",
                                  "Use “Log activity” to record a call or a meeting."))),
            html.div(html.div({"className": "card"}, html.h2("Details"), facts(contact)),
                     MailConsentCard(contact, result.reload),
                     BookingLinks(contact["id"], links_sent) if session.can("createBookingLink") else None,
                     html.div({"className": "card"}, html.h2("Files"),
                              AttachmentsPanel("CONTACT", contact["id"], session.can("attachFile") and live))),
        ),
    )
