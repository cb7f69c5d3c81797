"""/contacts and /contacts/{id} in Chromium: the list across customers (loose contacts included) with search,
filters, paging and an empty state; a head creates, edits, moves through the status workflow and deletes a
contact, and one with history is refused with the way to keep it offered; a rep sees no Delete and the API
refuses them; support converts a loose contact into a new customer; a meeting with start, end and attendees
lands on the contact's timeline, and someone else's call arrives there live."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, shot_sizes, subscribers, wait_for_subscribers

CREATE = "mutation($input: CreateContactInput!) { createContact(input: $input) { id version } }"
LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }"
CONTACT = "query($id: ID!) { contact(id: $id) { name phone status customer { name } } }"
MANAGED = """query($me: ID!) { customers(first: 1, filter: {accountManagerId: [$me]}) {
  edges { node { id name contacts { id name } } } } }"""
WITH_DEALS = """{ deals(first: 20, filter: {stageKind: [OPEN]}) {
  edges { node { id title customer { id contacts { id name } } } } } }"""
ACTIVE = '{ customers(first: 1, filter: {status: [ACTIVE]}) { edges { node { contacts { id name } } } } }'


def test_the_list_spans_customers_and_loose_contacts_with_search_filters_and_paging(head: Session, shots: Path) -> None:
    page = head.page("/contacts")
    rows = page.locator("table[aria-label=Contacts] tbody tr")
    expect(rows).to_have_count(25)
    shot_sizes(page, shots, "contacts")
    page.click("button:has-text('Next →')")
    expect(page).to_have_url(re.compile(r"after="))
    expect(rows.first).to_be_visible()
    page.locator("select[name=customer]").select_option("no")
    expect(rows.first).to_contain_text("No customer")
    # The first row may say so before the filter's re-render has landed: wait for every row to say so.
    expect(rows.locator("td:nth-child(2)").filter(has_not_text="No customer")).to_have_count(0)
    for cell in rows.locator("td:nth-child(2)").all_inner_texts():
        assert cell.strip() == "No customer"
    page.locator("input[aria-label='Search contacts']").fill("nobody-by-this-name")
    expect(page.locator(".empty")).to_contain_text("No contacts match this view.")
    page.click("button:has-text('Clear filters')")
    expect(page).not_to_have_url(re.compile(r"customer="))


def test_a_head_creates_edits_moves_and_deletes_a_contact(head: Session, shots: Path) -> None:
    page = head.page("/contacts")
    page.click("button:has-text('+ New contact')")
    form = page.get_by_role("dialog", name="New contact")
    form.locator("input[name=name]").fill("Greta Lindqvist")
    form.locator("input[name=email]").fill("not-an-email")
    form.locator("button[type=submit]").click()
    expect(form.locator("label.field", has=page.locator("input[name=email]")).locator(".field-error")).to_be_visible()
    form.locator("input[name=email]").fill("greta@lindqvist.example")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))
    expect(page.locator("h1")).to_have_text("Greta Lindqvist")
    contact_id = page.url.rsplit("/", 1)[1]

    page.click(".hero button:has-text('Edit')")
    edit = page.locator("[aria-label='Edit contact'] form")
    edit.locator("input[name=phone]").fill("+46 8 123 456")
    edit.locator("input[name=jobTitle]").fill("Head of Fleet")
    edit.locator("button[type=submit]").click()
    expect(page.locator("[role=status]").filter(has_text="Contact saved.")).to_be_visible()
    expect(page.locator(".hero-meta")).to_have_text("Head of Fleet")

    page.locator("[aria-label='Contact status']").get_by_role("button", name="Hot").click()
    expect(page.locator(".hero .badge").first).to_have_text("Hot")
    saved = head.graphql(CONTACT, id=contact_id)["contact"]
    assert (saved["phone"], saved["status"]) == ("+46 8 123 456", "HOT")
    shot_sizes(page, shots, "contact")

    page.click(".hero button:has-text('Delete')")
    dialog = page.get_by_role("dialog", name="Delete contact")
    expect(dialog).to_contain_text("Delete Greta Lindqvist?")
    dialog.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/contacts\?deleted=1$"))
    expect(page.locator("[role=status]").filter(has_text="Contact deleted.")).to_be_visible()


def test_a_contact_with_history_is_not_deleted_and_can_be_marked_not_interested(head: Session, shots: Path) -> None:
    made = head.graphql(CREATE, input={"name": "Piet Kept", "email": "piet@kept.example"})["createContact"]
    head.graphql(LOG, input={"kind": "CALL", "title": "First call", "contactId": made["id"]})
    page = head.page(f"/contacts/{made['id']}")
    expect(page.locator(".timeline")).to_contain_text("First call")
    page.click(".hero button:has-text('Delete')")
    dialog = page.get_by_role("dialog", name="Delete contact")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.locator(".notice-error")).to_contain_text("has history (1 activity)")
    shot_sizes(page, shots, "contact-delete-refused")
    dialog.get_by_role("button", name="Mark not interested").click()
    expect(page.locator(".hero .badge").first).to_have_text("Not interested")
    assert head.graphql(CONTACT, id=made["id"])["contact"]["status"] == "NOT_INTERESTED"


def test_a_rep_edits_their_customers_contact_but_may_not_delete_it(rep: Session) -> None:
    me = rep.graphql("{ me { id } }")["me"]["id"]
    customer = rep.graphql(MANAGED, me=me)["customers"]["edges"][0]["node"]
    contact = customer["contacts"][0]
    page = rep.page(f"/contacts/{contact['id']}")
    expect(page.locator("h1")).to_have_text(contact["name"])
    expect(page.locator(".hero button:has-text('Edit')")).to_be_visible()
    expect(page.locator(".hero button:has-text('Delete')")).to_have_count(0)
    answer = rep.context.request.post(f"{rep.server}/graphql", data={
        "query": "mutation($id: ID!) { deleteContact(input: {id: $id, version: 1}) { id } }",
        "variables": {"id": contact["id"]}}).json()
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_support_converts_a_loose_contact_into_a_new_customer(support: Session, shots: Path) -> None:
    made = support.graphql(CREATE, input={"name": "Ada Quell", "email": "ada@quell-optics.example"})["createContact"]
    page = support.page(f"/contacts/{made['id']}")
    page.click(".hero button:has-text('Convert')")
    convert = page.get_by_role("dialog", name="Convert contact")
    convert.locator("button[type=submit]").click()
    expect(convert.locator(".field-error")).to_contain_text("required")
    convert.locator("input[name=companyName]").fill("Quell Optics")
    shot_sizes(page, shots, "contact-convert")
    convert.locator("button[type=submit]").click()
    expect(page.locator("[role=status]").filter(has_text="Converted: Quell Optics created.")).to_be_visible()
    expect(page.locator(".hero .badge").first).to_have_text("Converted")
    expect(page.locator("dl.facts")).to_contain_text("Quell Optics")
    expect(page.locator(".hero button:has-text('Convert')")).to_have_count(0)  # converted is final


def test_a_meeting_with_start_end_and_attendees_and_a_live_call_reach_the_timeline(
        admin: Session, support: Session, shots: Path) -> None:
    contact = admin.graphql(ACTIVE)["customers"]["edges"][0]["node"]["contacts"][0]
    before = subscribers(admin.server)
    page = support.page(f"/contacts/{contact['id']}")
    expect(page.locator("h1")).to_have_text(contact["name"])
    wait_for_subscribers(admin.server, before + LIVE_PER_PAGE, page)

    page.click("button:has-text('Log activity')")
    form = page.locator("[aria-label='Log activity'] form")
    form.locator("select[name=kind]").select_option("meeting")
    form.locator("input[name=title]").fill("Site visit with the plant manager")
    form.locator("input[name=occurredAt]").fill("2030-05-06T10:00")
    form.locator("input[name=endsAt]").fill("2030-05-06T09:00")
    form.locator("input[name=attendees]").fill("Anna Berg, tom@example.com")
    form.locator("button[type=submit]").click()
    ends = form.locator("label.field", has=page.locator("input[name=endsAt]"))
    expect(ends.locator(".field-error")).to_have_text("must be after the start")
    form.locator("input[name=endsAt]").fill("2030-05-06T11:30")
    form.locator("button[type=submit]").click()
    item = page.locator(".timeline li").filter(has_text="Site visit with the plant manager")
    expect(item).to_contain_text("06 May 2030, 10:00–11:30")
    expect(item).to_contain_text("with Anna Berg, tom@example.com")
    expect(item).to_contain_text("90 min")

    admin.graphql(LOG, input={"kind": "CALL", "title": "Follow-up call from the office", "contactId": contact["id"]})
    expect(page.locator(".timeline")).to_contain_text("Follow-up call from the office")
    shot_sizes(page, shots, "contact-timeline")


def test_the_customer_log_form_links_a_contact_and_a_deal(admin: Session) -> None:
    found = next(e["node"] for e in admin.graphql(WITH_DEALS)["deals"]["edges"] if e["node"]["customer"]["contacts"])
    customer = found["customer"]
    page = admin.page(f"/customers/{customer['id']}?tab=activities")
    page.click("button:has-text('Log activity')")
    form = page.locator("[aria-label='Log activity'] form")
    form.locator("select[name=kind]").select_option("email")
    form.locator("input[name=title]").fill("Sent the revised offer")
    form.locator("select[name=contactId]").select_option(label=customer["contacts"][0]["name"])
    form.locator("select[name=dealId]").select_option(label=found["title"])
    form.locator("button[type=submit]").click()
    item = page.locator(".timeline li").filter(has_text="Sent the revised offer")
    expect(item.get_by_role("link", name=customer["contacts"][0]["name"])).to_have_attribute(
        "href", f"/contacts/{customer['contacts'][0]['id']}")
    expect(item.get_by_role("link", name=found["title"])).to_have_attribute("href", f"/deals/{found['id']}")
