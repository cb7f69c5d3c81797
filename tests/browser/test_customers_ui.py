"""Customers in a real browser: search, filters, sorting, paging, export, create with an error shown next
to the field, moving between screens without a reload, back button, and the page for users without a role."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import OPEN_PAGES, Session, shot, sign_in


def test_search_filter_sort_and_export(admin: Session, shots: Path) -> None:
    page = admin.page("/customers")
    rows = page.locator("table[aria-label=Customers] tbody tr")
    expect(rows).to_have_count(25)
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    page.fill("input[aria-label='Search customers']", "Alpine")
    expect(page).to_have_url(re.compile(r"q=Alpine"))
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_not_text="Alpine")).to_have_count(0)

    page.select_option("select[name=status]", "active")
    expect(page).to_have_url(re.compile(r"status=active"))
    expect(rows.first).to_be_visible()
    expect(rows.locator(".badge").filter(has_not_text=re.compile(r"^Active$"))).to_have_count(0)
    shot(page, shots, "customers")

    names = rows.locator("td:first-child").all_inner_texts()
    page.click("th button:has-text('Name')")  # ascending → descending
    expect(page).to_have_url(re.compile(r"dir=desc"))
    expect(rows.first.locator("td").first).to_have_text(max(names))

    href = page.get_attribute("a:has-text('Export CSV')", "href")
    assert href and "q=Alpine" in href and "status=active" in href
    exported = admin.context.request.get(admin.server + href)
    assert exported.ok and exported.headers["content-type"].startswith("text/csv")
    text = exported.text()
    assert text.startswith("\ufeff")  # the byte order mark Excel needs to read UTF-8
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert table[0][0] == "Name" and len(table) - 1 == len(names)
    assert all("Alpine" in row[0] and row[7] == "active" for row in table[1:])

    page.click("button:has-text('Clear filters')")
    expect(page).not_to_have_url(re.compile(r"status="))
    rows.first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+$"))
    page.go_back()  # the list comes back as it was: the view is in the URL
    expect(page).to_have_url(re.compile(r"q=Alpine"))
    expect(page.locator("input[aria-label='Search customers']")).to_have_value("Alpine")
    assert page.evaluate("window.__sameDocument") is True


def test_paging_and_back_button(admin: Session) -> None:
    page = admin.page("/customers")
    rows = page.locator("table[aria-label=Customers] tbody tr")
    expect(rows).to_have_count(25)
    first_name = rows.first.locator("td").first
    name = first_name.inner_text()
    page.click("button:has-text('Next')")
    expect(page).to_have_url(re.compile(r"after="))
    expect(first_name).not_to_have_text(name)
    page.click("button:has-text('Previous')")
    expect(first_name).to_have_text(name)

    page.evaluate("window.__sameDocument = true")
    rows.first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+$"))
    expect(page.locator("h1")).to_have_text(name)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/customers(\?.*)?$"))
    expect(first_name).to_have_text(name)
    page.go_forward()
    expect(page.locator("h1")).to_have_text(name)
    page.click(".sidebar >> text=Campaigns")
    expect(page.locator("h1")).to_have_text("Campaigns")
    assert page.evaluate("window.__sameDocument") is True


def new_customer_form(page: Page, name: str, email: str) -> Locator:
    page.click("button:has-text('New customer')")
    form = page.locator("[aria-label='New customer'] form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=email]").fill(email)
    return form


def test_a_keystroke_sends_what_it_is_about_not_the_page_around_it(admin: Session) -> None:
    """ReactPy's client put a control's form, labels and datalist into every event: 5 MB per keystroke in
    this form, a second of a busy browser each (frontend/client_script.py prunes that walk)."""
    page = admin.context.new_page()
    OPEN_PAGES.append(page)
    sent: list[int] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(len(payload))))
    page.goto(f"{admin.server}/customers")
    form = new_customer_form(page, "Quokka Logistics", "hello@quokka.example")
    form.locator("input[name=country]").press_sequentially("Austra")
    expect(form.locator("[data-testid=country-resolved]")).to_have_text("")  # "Austra" is no country yet
    form.locator("input[name=country]").press_sequentially("lia")
    expect(form.locator("[data-testid=country-resolved]")).to_have_text("→ Australia")
    assert len(sent) >= 7 and max(sent) < 16_000, sent


def test_create_customer_shows_the_error_next_to_the_field(admin: Session, shots: Path) -> None:
    page = admin.page("/customers")
    form = new_customer_form(page, "Zephyr Rail Systems", "not-an-email")
    form.locator("input[name=country]").fill("Germany")
    form.locator("button[type=submit]").click()
    email_field = form.locator("label.field", has=page.locator("input[name=email]"))
    expect(email_field.locator(".field-error")).to_be_visible()
    expect(form.locator(".field-error")).to_have_count(1)
    shot(page, shots, "customer-create-error")

    form.locator("input[name=email]").fill("hello@zephyr-rail.example")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+$"))
    expect(page.locator("h1")).to_have_text("Zephyr Rail Systems")
    expect(page.locator(".hero")).to_contain_text("Germany")
    customer_id = page.url.rsplit("/", 1)[1]
    assert admin.graphql("query($id: ID!) { customer(id: $id) { country } }", id=customer_id)["customer"] == {
        "country": "DE"}  # Germany, not GE (Georgia) cut from what was typed


def test_a_country_is_picked_by_name_and_an_unknown_one_is_refused(admin: Session, shots: Path) -> None:
    page = admin.page("/customers")
    form = new_customer_form(page, "Fjord Freight", "hello@fjord-freight.example")
    country = form.locator("input[name=country]")
    offered = page.locator(f"datalist#{country.get_attribute('list')} option")
    assert "Norway" in offered.evaluate_all("options => options.map(o => o.value)")
    country.fill("Norwey")
    form.locator("button[type=submit]").click()
    field = form.locator("label.field", has=page.locator("input[name=country]"))
    expect(field.locator(".field-error")).to_contain_text("not a country")
    expect(country).to_have_value("Norwey")  # nothing is cut or changed behind the user's back
    shot(page, shots, "customer-country-unknown")
    country.fill("norway")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Fjord Freight")
    expect(page.locator(".hero")).to_contain_text("Norway")


def test_creating_a_customer_that_exists_warns_and_links_to_it(admin: Session, shots: Path) -> None:
    existing = admin.graphql("query { customers(first: 1, search: \"Atlas\") { edges { node { id name email } } } }")[
        "customers"]["edges"][0]["node"]
    page = admin.page("/customers")
    page.click("button:has-text('New customer')")
    dialog = page.locator("[aria-label='New customer']")
    form = dialog.locator("form")
    form.locator("input[name=name]").fill(existing["name"].upper())
    warning = dialog.locator("[data-testid=same-customers]")
    expect(warning).to_contain_text("This customer may already be in the CRM")
    expect(warning.locator(f"a[href='/customers/{existing['id']}']")).to_have_text(existing["name"])
    expect(form.locator("input[name=name]")).to_have_value(existing["name"].upper())  # the form kept its values
    shot(page, shots, "customer-create-duplicate")

    form.locator("input[name=name]").fill("Brand New Brewing")
    expect(warning).to_have_count(0)
    form.locator("input[name=email]").fill(existing["email"])  # another name, the same email
    expect(warning.locator(f"a[href='/customers/{existing['id']}']")).to_be_visible()
    expect(form.locator("button[type=submit]")).to_have_text("Create anyway")
    warning.locator("a").first.click()
    expect(page).to_have_url(re.compile(f"/customers/{existing['id']}$"))
    expect(page.locator("h1")).to_have_text(existing["name"])


def test_the_duplicate_warning_finds_a_customer_by_phone_and_web_domain_and_says_why(admin: Session, shots: Path) -> None:
    """Typed without accents, legal form or the same address, it is still the customer that exists."""
    cafe = admin.graphql(
        'mutation { createCustomer(input: {name: "Café Müller Société", email: "contact@cafe-muller.example", '
        'phone: "+33 1 23 45 67 89", website: "https://www.cafe-muller.example"}) { id name } }')["createCustomer"]
    page = admin.page("/customers")
    page.click("button:has-text('New customer')")
    dialog = page.locator("[aria-label='New customer']")
    form = dialog.locator("form")
    form.locator("input[name=name]").fill("Cafe Muller")
    form.locator("input[name=email]").fill("hello@cafe-muller.example")
    warning = dialog.locator("[data-testid=same-customers]")
    expect(warning.locator(f"a[href='/customers/{cafe['id']}']")).to_have_text(cafe["name"])
    expect(warning).to_contain_text("same web domain")
    form.locator("input[name=phone]").fill("01 23 45 67 89")
    expect(warning).to_contain_text("same phone, same web domain")
    # "Société" is a legal form the matcher drops, so "Cafe Muller" is the same name too.
    expect(warning).to_contain_text("same phone, same web domain, similar name, 99 %")
    expect(form.locator("button[type=submit]")).to_have_text("Create anyway")
    shot(page, shots, "customer-create-duplicate-signals")


def test_a_user_without_a_role_sees_a_page_saying_so(chromium: object, server: str, issuer: str) -> None:
    from tests.browser.conftest import NO_ROLE

    session = sign_in(chromium, server, issuer, NO_ROLE)  # type: ignore[arg-type]
    page = session.context.new_page()
    page.goto(f"{server}/customers")
    expect(page.locator("body")).to_contain_text("no CRM role")
    expect(page.locator("table")).to_have_count(0)
    session.context.close()


def test_what_a_role_may_not_do_is_not_offered(marketing: Session) -> None:
    page = marketing.page("/customers")
    expect(page.locator("table[aria-label=Customers] tbody tr").first).to_be_visible()
    expect(page.locator("button:has-text('New customer')")).to_have_count(0)
    page.locator("table[aria-label=Customers] tbody tr a").first.click()
    expect(page.locator(".stats")).to_be_visible()
    for action in ("Log activity", "Change status", "Edit"):
        expect(page.locator(f".hero button:has-text('{action}')")).to_have_count(0)
    page.click(".tab:has-text('Notes')")
    expect(page.locator("form[aria-label='Add note']")).to_have_count(0)
    page.click(".sidebar >> text=Pipeline")
    expect(page.locator(".deal").first).to_be_visible()
    expect(page.locator(".deal select")).to_have_count(0)


def test_a_typed_country_resolves_by_name_first_and_is_shown_before_saving(admin: Session, shots: Path) -> None:
    page = admin.page("/customers")
    form = new_customer_form(page, "Tbilisi Trams", "hello@tbilisi-trams.example")
    country = form.locator("input[name=country]")
    resolved = form.locator("[data-testid=country-resolved]")
    for typed, name in (("Deutschland", "Germany"), ("USA", "United States"), ("UK", "United Kingdom"),
                        ("Turkey", "Türkiye"), ("Holland", "Netherlands"), ("GE", "Georgia")):
        country.fill(typed)
        expect(resolved).to_have_text(f"→ {name}")
    country.fill("Ge")  # the start of a name, not the code of Georgia
    expect(resolved).to_have_text("")
    form.locator("button[type=submit]").click()
    field = form.locator("label.field", has=page.locator("input[name=country]"))
    expect(field.locator(".field-error")).to_contain_text("not a country")
    country.fill("GE")
    expect(resolved).to_have_text("→ Georgia")
    shot(page, shots, "customer-country-resolved")
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Tbilisi Trams")
    customer_id = page.url.rsplit("/", 1)[1]
    assert admin.graphql("query($id: ID!) { customer(id: $id) { country } }", id=customer_id)["customer"] == {
        "country": "GE"}


def test_required_fields_are_marked_all_missing_show_at_once_and_an_edit_clears_its_error(
        admin: Session, shots: Path) -> None:
    page = admin.page("/customers")
    page.click("button:has-text('New customer')")
    form = page.locator("[aria-label='New customer'] form")
    email = form.locator("input[name=email]")
    for key in ("name", "email"):
        expect(form.locator(f"input[name={key}]")).to_have_attribute("required", "")
        label = form.locator("label.field", has=page.locator(f"input[name={key}]"))
        expect(label.locator(".field-required")).to_have_text(" *")
    form.locator("input[name=country]").fill("Atlantis")
    form.locator("button[type=submit]").click()
    errors = form.locator(".field-error")
    expect(errors).to_have_count(3)  # name, email and country in one submit, not one per submit
    shot(page, shots, "customer-create-required")
    email.fill("hello@atlantis.example")
    expect(form.locator("label.field", has=page.locator("input[name=email]")).locator(".field-error")).to_have_count(0)
    expect(errors).to_have_count(2)  # the others stay until their fields are edited
