"""The richer profile (issue 18) on customer and contact pages: logo or picture, rating, social links, the
account team, and the form that edits them (an image is chosen among the record's own attachments)."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.customer_fields import managers
from frontend.components.ui import dialog_head, error_banner, field, form_values, select, text_input, use_form_errors
from frontend.gql import GqlError
from frontend.session import use_query, use_session

PROFILE_FIELDS = "rating socialLinks { kind url } logo { id previewUrl } operationsContact { id name }"
CONTACT_PROFILE_FIELDS = "socialLinks { kind url } picture { id previewUrl }"
# The networks the form offers a box for; links of other kinds (sent by API clients) are kept as they are.
SHOWN = (("LINKEDIN", "LinkedIn"), ("X", "X"), ("FACEBOOK", "Facebook"), ("INSTAGRAM", "Instagram"),
         ("YOUTUBE", "YouTube"), ("GITHUB", "GitHub"))
LABELS = dict(SHOWN) | {"XING": "Xing", "WEBSITE": "Website", "OTHER": "Link"}
OWNERS = "assignable: users(first: 100, filter: {assignableFor: OWNER}) { edges { node { id name } } }"
MUTATIONS = {
    "CUSTOMER": "mutation SaveProfile($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
    "CONTACT": "mutation SaveProfile($input: UpdateContactInput!) { updateContact(input: $input) { id } }",
}
IMAGES = {kind: f"query ProfileImages($id: ID!) {{ {kind.lower()}(id: $id) {{ id attachments {{ id fileName isImage }} }} }}"
          for kind in MUTATIONS}
IMAGE_FIELD = {"CUSTOMER": ("logoId", "logo", "Logo"), "CONTACT": ("pictureId", "picture", "Picture")}


def stars(rating: int | None) -> VdomDict | None:
    if not rating:
        return None
    return html.span({"className": "rating", "aria-label": f"Rated {rating} of 5", "title": f"{rating} of 5"},
                     "★" * rating + "☆" * (5 - rating))


def portrait(image: dict[str, Any] | None, name: str, round_: bool = False) -> VdomDict | None:
    if not image:
        return None
    return html.img({"className": "profile-logo" + (" profile-avatar" if round_ else ""), "src": image["previewUrl"],
                     "alt": f"{name} logo" if not round_ else name})


def social_links(links: list[dict[str, str]]) -> VdomDict | None:
    if not links:
        return None
    return html.span({"className": "social-links"}, *(
        html.a({"href": link["url"], "target": "_blank", "rel": "noopener noreferrer nofollow", "key": link["url"]},
               LABELS.get(link["kind"], "Link"))
        for link in links
    ))


def account_team(customer: dict[str, Any]) -> VdomDict | None:
    """The account team as the seeds name it: the account manager runs the relationship, the operations
    contact the day-to-day work; shown once an operations contact is named."""
    operations, manager = customer.get("operationsContact"), customer.get("accountManager")
    if not operations:
        return None
    return html.div({"className": "hero-meta", "aria-label": "Account team"},
                    html.span(f"Relationship: {manager['name'] if manager else 'unassigned'}"),
                    html.span(f"Operations: {operations['name']}"))


def links_payload(values: dict[str, str], current: list[dict[str, str]]) -> list[dict[str, str]]:
    shown = {kind for kind, _ in SHOWN}
    typed = [{"kind": kind, "url": values[f"link-{kind}"].strip()} for kind, _ in SHOWN if values.get(f"link-{kind}", "").strip()]
    return typed + [link for link in current if link["kind"] not in shown]


@component
def ProfileForm(record_type: str, record: dict[str, Any], done: Any) -> VdomDict:
    """Edit the profile of a customer (logo, rating, links, operations contact) or contact (picture, links)."""
    session = use_session()
    form = use_form_errors()
    images = use_query(IMAGES[record_type], {"id": record["id"]})
    customer = record_type == "CUSTOMER"
    owners = use_query(f"query ProfileOwners {{ {OWNERS} }}", skip=not customer)
    image_key, image_field, image_label = IMAGE_FIELD[record_type]
    files = ((images.data or {}).get(record_type.lower()) or {}).get("attachments") or []
    chosen = (record.get(image_field) or {}).get("id", "")
    current = {link["kind"]: link["url"] for link in record["socialLinks"]}

    @event(prevent_default=True)
    async def submit(event: Any) -> None:
        values = form_values(event)
        payload: dict[str, Any] = {"id": record["id"], "version": record["version"],
                                   "socialLinks": links_payload(values, record["socialLinks"]),
                                   image_key: values.get(image_key) or None}
        if customer:
            payload["rating"] = int(values["rating"]) if values.get("rating") else None
            payload["operationsContactId"] = values.get("operationsContactId") or None
        try:
            await gql.execute(session.actor, MUTATIONS[record_type], input=payload)
        except GqlError as error:
            form.show(error)
            return
        done()

    people = managers(owners.data, "assignable")
    ops = (record.get("operationsContact") or {})
    if ops and ops.get("id") not in {p["id"] for p in people}:
        people = [*people, ops]
    controls = [
        field(image_label, select(image_key, [("", "None"), *((f["id"], f["fileName"]) for f in files if f["isImage"])],
                                  chosen), form.errors.get(image_key),
              hint="Attach an image under Files first, then choose it here."),
    ]
    if customer:
        controls += [
            field("Rating", select("rating", [("", "Not rated"), *((str(n), "★" * n) for n in range(1, 6))],
                                   str(record.get("rating") or "")), form.errors.get("rating")),
            field("Operations contact", select("operationsContactId", [("", "None"), *((p["id"], p["name"]) for p in people)],
                                               ops.get("id", "")), form.errors.get("operationsContactId")),
        ]
    controls += [field(label, text_input(f"link-{kind}", current.get(kind, ""), "url",
                                         placeholder="https://…", **{"aria-label": label}))
                 for kind, label in SHOWN]
    return html.div(
        {"className": "panel", "aria-label": "Edit profile", "tabIndex": -1, "autoFocus": True},
        dialog_head("Profile", done),
        html.div(  # always there: a message coming and going never moves (and so remounts) the form
            {"className": "form-notices"},
            error_banner(form.problem),
            html.p({"className": "notice notice-error", "role": "alert"}, links_error)
            if (links_error := form.errors.get("url") or form.errors.get("socialLinks")) else None,
        ),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True},
            *controls,
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save profile"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done()},
                                 "Cancel")),
        ),
    )
