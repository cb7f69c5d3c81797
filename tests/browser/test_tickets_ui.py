"""/tickets and /tickets/{id} in Chromium: a ticket arrives, support works it from new to closed on its page
(assigns it, notes, replies, waits for the customer, resolves, closes) while an admin's queue follows every
step live; the customer's 360 view lists it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, shot_sizes, subscribers, wait_for_subscribers

CUSTOMERS = "{ customers(first: 1) { edges { node { id name } } } }"
CREATE = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }"


def test_support_works_a_ticket_while_the_queue_follows_live(support: Session, admin: Session, shots: Path) -> None:
    customer = support.graphql(CUSTOMERS)["customers"]["edges"][0]["node"]
    queue = admin.page("/tickets?view=all")
    expect(queue.locator("h1")).to_have_text("Tickets")
    wait_for_subscribers(admin.server, LIVE_PER_PAGE, queue)  # the bell and the queue's stream

    ticket = support.graphql(CREATE, input={"subject": "Invoice shows the wrong VAT", "customerId": customer["id"],
                                            "priority": "HIGH", "channel": "EMAIL",
                                            "description": "Our invoice 2026-118 charges 19 % instead of 7 %."})
    ticket = ticket["createTicket"]
    row = queue.locator("table[aria-label=Tickets] tbody tr").filter(has_text=ticket["number"])
    expect(row).to_contain_text("Invoice shows the wrong VAT")  # arrived without a reload
    expect(row).to_contain_text("New")
    shot_sizes(queue, shots, "tickets")

    before = subscribers(support.server)
    page = support.page(f"/tickets/{ticket['id']}")
    expect(page.locator("h1")).to_have_text("Invoice shows the wrong VAT")
    wait_for_subscribers(support.server, before + LIVE_PER_PAGE, page)
    me = support.graphql("{ me { id name } }")["me"]
    page.get_by_label("Assignee").select_option(me["id"])
    expect(row).to_contain_text(me["name"])

    message = page.get_by_label("Message")
    message.fill("Checked: the 7 % rate applies to this product line.")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator(".message.internal")).to_contain_text("the 7 % rate applies")
    expect(row).to_contain_text("New")  # a note is no answer to the customer

    message.fill("Sorry about that: a corrected invoice is on its way.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".message:not(.internal)")).to_contain_text("corrected invoice")
    expect(row).to_contain_text("Open")
    expect(message).to_have_value("")

    page.get_by_role("button", name="Waiting for customer").click()
    expect(row).to_contain_text("Pending customer")
    expect(row).to_contain_text("SLA paused")
    expect(page.get_by_label("SLA")).to_have_text("SLA paused")
    shot_sizes(page, shots, "ticket")

    page.get_by_role("button", name="Resolve").click()
    expect(row).to_contain_text("Resolved")
    page.get_by_role("button", name="Close").click()
    expect(row).to_contain_text("Closed")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()

    page.goto(f"{support.server}/customers/{customer['id']}?tab=tickets")
    tab = page.locator("table[aria-label=Tickets]")
    expect(tab).to_contain_text(ticket["number"])
    page.get_by_role("button", name="Support form link").click()
    link = page.get_by_label("Support form link")
    expect(link).to_have_value(re.compile(r"/support/[\w-]+$"))
    form_path = "/support/" + link.input_value().rsplit("/support/", 1)[1]
    tab.get_by_role("link", name=ticket["number"]).click()
    page.wait_for_url(re.compile(rf"/tickets/{ticket['id']}$"))
    expect(page.locator("h1")).to_have_text("Invoice shows the wrong VAT")

    # The customer's person writes in through the public form: the web ticket arrives in the live queue.
    visitor = support.context.new_page()
    visitor.goto(f"{support.server}{form_path}")
    expect(visitor.locator("h1")).to_have_text("How can we help?")
    visitor.get_by_label("Your name").fill("Heidi Huber")
    visitor.get_by_label("Your email").fill("heidi@example.com")
    visitor.get_by_label("Subject").fill("Delivery note missing")
    visitor.get_by_label("What happened?").fill("The pallet arrived without its delivery note.")
    visitor.get_by_role("button", name="Send").click()
    expect(visitor.get_by_role("status")).to_contain_text("we received your request")
    expect(queue.locator("table[aria-label=Tickets] tbody tr").filter(has_text="Delivery note missing")).to_be_visible()
    visitor.close()


def test_support_opens_a_ticket_from_the_queue(support: Session) -> None:
    customer = support.graphql(CUSTOMERS)["customers"]["edges"][0]["node"]
    page = support.page("/tickets")
    page.get_by_role("button", name="+ New ticket").click()
    form = page.get_by_role("form", name="New ticket")
    form.get_by_role("button", name="Create ticket").click()
    expect(form.locator(".field-error").first).to_be_visible()  # no subject, no customer: said, nothing made
    form.get_by_label("Subject").fill("Login page times out")
    form.get_by_label("Find customer").fill(customer["name"])
    form.get_by_role("list", name="Matching customers").get_by_role("button").first.click()
    expect(form.locator(".picked")).to_contain_text(customer["name"])
    form.get_by_label("Priority").select_option("URGENT")
    form.get_by_role("button", name="Create ticket").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    expect(page.locator("h1")).to_have_text("Login page times out")
    expect(page.get_by_label("SLA")).to_contain_text("Due")


FIELD = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_new_ticket_takes_custom_fields_and_files(support: Session, admin: Session, shots: Path) -> None:
    # Not required: the other tests here create tickets without it.
    admin.graphql(FIELD, input={"entity": "TICKET", "key": "affected_site", "label": "Affected site", "type": "SELECT",
                                "options": ["Hamburg", "Lyon"]})
    customer = support.graphql(CUSTOMERS)["customers"]["edges"][0]["node"]
    page = support.page("/tickets")
    page.get_by_role("button", name="+ New ticket").click()
    form = page.get_by_role("form", name="New ticket")
    form.get_by_label("Subject").fill("Scanner offline in the warehouse")
    form.get_by_label("Find customer").fill(customer["name"])
    form.get_by_role("list", name="Matching customers").get_by_role("button").first.click()
    form.get_by_label("Affected site").select_option("Lyon")
    form.get_by_role("button", name="Create ticket").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    expect(page.locator("dd[data-custom-field=affected_site]")).to_have_text("Lyon")
    page.locator("input.dropzone-input").set_input_files(
        files=[{"name": "scanner-log.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(page.locator("table.files tbody tr").first).to_contain_text("scanner-log.pdf")
    shot_sizes(page, shots, "ticket-extras")
