"""/leads in Chromium: a rep captures a lead, qualifies it, edits it and converts it into a customer and a deal
in one step; lost asks why; search and filters narrow the list and say what to do when nothing matches;
marketing reads leads but is offered no control, and the API refuses them too. The open lead is in the
address (?lead=ID), so a link opens it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, shot, shot_sizes, subscribers, wait_for_subscribers

LEAD = "query($id: ID!) { lead(id: $id) { status deal { title } customer { name } owner { email } } }"
FIND = "query($q: String) { leads(first: 1, search: $q) { edges { node { id } } } }"


def open_lead(page, title: str) -> None:
    page.locator("input[aria-label='Search leads']").fill(title)
    page.get_by_role("button", name=title, exact=True).click()
    expect(page.get_by_role("dialog", name=f"Lead {title}")).to_be_visible()


def test_a_rep_captures_qualifies_edits_and_converts_a_lead(rep: Session, shots: Path) -> None:
    page = rep.page("/leads")
    expect(page.locator("h1")).to_have_text("Leads")
    expect(page.locator("table[aria-label=Leads] tbody tr").first).to_be_visible()
    shot_sizes(page, shots, "leads")

    page.click("button:has-text('+ New lead')")
    form = page.get_by_role("dialog", name="New lead")
    form.locator("button[type=submit]").click()
    expect(form.locator("label.field", has=page.locator("input[name=title]"))).to_contain_text("is required")
    form.locator("input[name=title]").fill("Fleet service – Nordbahn Logistik")
    form.locator("input[name=companyName]").fill("Nordbahn Logistik")
    form.locator("select[name=source]").select_option("Trade fair")  # from the list admins keep
    form.locator("button[type=submit]").click()
    panel = page.get_by_role("dialog", name="Lead Fleet service – Nordbahn Logistik")
    expect(panel).to_be_visible()
    expect(page.locator("[role=status]").filter(has_text="Lead created.")).to_be_visible()

    panel.get_by_role("button", name="Mark contacted").click()
    expect(panel.locator("[aria-label='Lead status'] .badge")).to_have_text("Contacted")
    panel.get_by_role("button", name="Mark qualified").click()
    expect(panel.locator("[aria-label='Lead status'] .badge")).to_have_text("Qualified")
    edit = panel.locator("form[aria-label='Edit lead']")
    edit.locator("textarea[name=scopeOfWork]").fill("40 trucks, two depots")
    edit.locator("button[type=submit]").click()
    expect(page.locator("[role=status]").filter(has_text="Lead saved.")).to_be_visible()
    lead_id = rep.graphql(FIND, q="Nordbahn Logistik")["leads"]["edges"][0]["node"]["id"]
    assert rep.graphql(LEAD, id=lead_id)["lead"]["owner"]["email"] == "rep@example.com"

    panel.get_by_role("button", name="Convert…").click()
    convert = page.get_by_role("dialog", name="Convert lead")
    expect(convert.locator("input[name=name]")).to_have_value("Nordbahn Logistik")
    convert.locator("input[name=amount]").fill("48000")
    shot_sizes(page, shots, "lead-convert")
    convert.locator("button[type=submit]").click()
    expect(convert.locator("label.field", has=page.locator("input[name=email]"))).to_contain_text("required")
    convert.locator("input[name=email]").fill("info@nordbahn.example")
    convert.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/customers/\d+\?tab=deals$"))
    expect(page.locator("h1")).to_have_text("Nordbahn Logistik")
    expect(page.locator("table[aria-label=Deals]")).to_contain_text("Fleet service – Nordbahn Logistik")
    expect(page.locator("table[aria-label=Deals]")).to_contain_text("EUR 48,000")
    lead = rep.graphql(LEAD, id=lead_id)["lead"]
    assert (lead["status"], lead["customer"]["name"], lead["deal"]["title"]) == (
        "CONVERTED", "Nordbahn Logistik", "Fleet service – Nordbahn Logistik")


def test_converting_a_lead_brings_its_contact_to_the_new_customer(rep: Session) -> None:
    contact = rep.graphql("mutation($input: CreateContactInput!) { createContact(input: $input) { id } }",
                          input={"name": "Greta Walk", "email": "greta@home.example"})["createContact"]
    lead = rep.graphql("mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
                       input={"title": "Walk-in – Greta", "contactId": contact["id"]})["createLead"]
    page = rep.page(f"/leads?lead={lead['id']}")
    page.get_by_role("dialog", name="Lead Walk-in – Greta").get_by_role("button", name="Convert…").click()
    convert = page.get_by_role("dialog", name="Convert lead")
    convert.get_by_label("New customer").check()
    expect(convert.locator("input[name=email]")).to_have_value("")  # a person's address is not the company's
    convert.locator("input[name=name]").fill("Greta Walk GmbH")
    convert.locator("input[name=email]").fill("info@gretawalk.example")
    convert.locator("input[name=amount]").fill("12000")
    convert.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+\?tab=deals$"))
    customer_id = page.url.split("/customers/")[1].split("?")[0]
    found = rep.graphql("query($id: ID!) { customer(id: $id) { contacts { id isPrimary } deals { contact { id } } } }",
                        id=customer_id)["customer"]
    assert found["contacts"] == [{"id": contact["id"], "isPrimary": True}]
    assert found["deals"] == [{"contact": {"id": contact["id"]}}]


def test_marking_a_lead_lost_asks_why(rep: Session, shots: Path) -> None:
    page = rep.page("/leads")
    page.click("button:has-text('+ New lead')")
    page.get_by_role("dialog", name="New lead").locator("input[name=title]").fill("Dock doors – Harbor Eleven")
    page.get_by_role("dialog", name="New lead").locator("button[type=submit]").click()
    panel = page.get_by_role("dialog", name="Lead Dock doors – Harbor Eleven")
    expect(page).to_have_url(re.compile(r"/leads\?lead=\d+$"))  # a link to the open lead
    page.reload()
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Mark lost").click()
    why = page.get_by_role("dialog", name="Mark Dock doors – Harbor Eleven as lost")  # the dialog deals use
    why.get_by_role("button", name="Mark as lost").click()
    expect(why.locator(".field-error")).to_have_text("A reason is required to mark the lead lost.")
    why.locator("textarea[name=lostReason]").fill("Went with a local supplier")  # free text alone will do
    why.get_by_role("button", name="Mark as lost").click()
    expect(why).to_have_count(0)
    expect(panel.locator(".notice-error")).to_have_text("Lost — Went with a local supplier")
    expect(panel.get_by_role("button", name="Mark new")).to_be_visible()  # a lost lead may be reopened
    panel.get_by_role("button", name="Mark new").click()
    panel.get_by_role("button", name="Mark lost").click()
    why.locator("select[name=lostReasonId]").select_option(label="Price too high")  # the admins' list, as deals
    why.locator("textarea[name=lostReason]").fill("20 % over budget")
    shot(page, shots, "lead-lost")
    why.get_by_role("button", name="Mark as lost").click()
    expect(panel.locator(".notice-error")).to_have_text("Lost — Price too high (20 % over budget)")
    lead = rep.graphql('{ leads(search: "Harbor Eleven", first: 1) { edges { node { lostReason '
                       'lostReasonChoice { name } } } } }')["leads"]["edges"][0]["node"]
    assert lead["lostReasonChoice"] == {"name": "Price too high"}  # counted with the deals lost for it
    expect(panel.get_by_role("button", name="Convert…")).to_have_count(0)


def test_search_and_filters_narrow_the_list_and_say_what_to_do_when_empty(rep: Session, shots: Path) -> None:
    page = rep.page("/leads?status=lost")
    rows = page.locator("table[aria-label=Leads] tbody tr")
    expect(rows.first).to_be_visible()
    for status in rows.locator("td:nth-child(5)").all_inner_texts():
        assert status.strip() == "Lost"
    page.locator("select[name=owner]").select_option(label="Me")
    expect(page).to_have_url(re.compile(r"owner=\d+"))
    page.locator("input[aria-label='Search leads']").fill("no such lead anywhere")
    expect(page.locator(".empty")).to_contain_text("No leads match this view.")
    expect(page.locator(".empty")).to_contain_text("clear the filters")
    shot_sizes(page, shots, "leads-empty")
    page.click("button:has-text('Clear filters')")
    expect(page).not_to_have_url(re.compile(r"status="))


def test_marketing_reads_leads_without_controls_and_the_api_refuses_them(marketing: Session) -> None:
    page = marketing.page("/leads")
    expect(page.locator("table[aria-label=Leads] tbody tr").first).to_be_visible()
    expect(page.locator("button:has-text('+ New lead')")).to_have_count(0)
    title = page.locator("table[aria-label=Leads] tbody tr td:first-child button").first.inner_text()
    page.locator("table[aria-label=Leads] tbody tr td:first-child button").first.click()
    panel = page.get_by_role("dialog", name=f"Lead {title}")
    expect(panel).to_be_visible()
    expect(panel.locator("button:has-text('Convert')")).to_have_count(0)
    expect(panel.locator("form")).to_have_count(0)
    answer = marketing.context.request.post(f"{marketing.server}/graphql", data={
        "query": "mutation { createLead(input: {title: \"Sneaky\"}) { id } }"}).json()
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_an_upsell_lead_is_linked_to_an_existing_customer(rep: Session) -> None:
    customer = rep.graphql('{ customers(first: 1, search: "Atlas") { edges { node { id name } } } }')[
        "customers"]["edges"][0]["node"]
    page = rep.page("/leads")
    page.click("button:has-text('+ New lead')")
    form = page.get_by_role("dialog", name="New lead")
    form.locator("input[name=title]").fill(f"Second plant – {customer['name']}")
    form.locator("input[aria-label='Find customer']").fill(customer["name"])
    form.get_by_role("button", name=re.compile(re.escape(customer["name"]))).first.click()
    expect(form.locator(".picked")).to_contain_text(customer["name"])
    expect(form.locator("input[name=companyName]")).to_have_count(0)
    form.locator("button[type=submit]").click()
    panel = page.get_by_role("dialog", name=f"Lead Second plant – {customer['name']}")
    expect(panel).to_be_visible()
    row = page.locator("table[aria-label=Leads] tbody tr").filter(has_text=f"Second plant – {customer['name']}")
    expect(row.get_by_role("link", name=customer["name"])).to_have_attribute("href", f"/customers/{customer['id']}")


CREATE = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version } }"
UPDATE = "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }"


def test_another_users_lead_shows_up_on_an_open_list_without_a_reload(head: Session, rep: Session) -> None:
    before = subscribers(head.server)
    page = head.page("/leads")
    page.locator("input[aria-label='Search leads']").fill("Harbour cranes")
    expect(page.locator(".empty")).to_contain_text("No leads match this view.")
    wait_for_subscribers(head.server, before + LIVE_PER_PAGE, page)  # the bell's, and the list's leadChanged
    page.evaluate("window.__sameDocument = true")

    lead = rep.graphql(CREATE, input={"title": "Harbour cranes retrofit", "companyName": "Kai Hafen"})["createLead"]
    row = page.locator("table[aria-label=Leads] tbody tr", has_text="Harbour cranes retrofit")
    expect(row).to_be_visible()  # the rep's new lead, in the head's open list
    rep.graphql(UPDATE, input={"id": lead["id"], "version": lead["version"], "status": "CONTACTED"})
    expect(row.locator(".badge")).to_have_text("Contacted")
    assert page.evaluate("window.__sameDocument") is True  # followed live, not reloaded
