"""The CRM on a phone (390×844) and on a wide screen (1440×900): the menu opens the sections, a rep in the
field logs a call and moves a deal, lists become cards, the customers list fits a wide screen with the
columns this browser chose, the account manager changes in the edit form, and a search with no match
says what to do next."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import OPEN_PAGES, Session, shot, sign_in

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
MANAGED = """query($q: String) { customers(first: 50, search: $q) {
  edges { node { id name version accountManager { id email } } } } }"""
LOGGED = "query($filter: ActivityFilter, $search: String) { activities(first: 5, filter: $filter, search: $search) { totalCount } }"
USERS = "{ users(first: 100) { edges { node { id email name } } } }"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def rep(chromium: object, server: str, issuer: str) -> Iterator[Session]:
    session = sign_in(chromium, server, issuer, "rep@example.com")  # type: ignore[arg-type]
    yield session
    session.context.close()


def sized(session: Session, path: str, viewport: dict[str, int]) -> Page:
    page = session.context.new_page()
    OPEN_PAGES.append(page)
    page.set_viewport_size(viewport)
    page.goto(session.server + path)
    expect(page.locator(".topbar")).to_be_visible()
    return page


def managed_by(session: Session, email: str, search: str | None = None) -> dict:
    nodes = [e["node"] for e in session.graphql(MANAGED, q=search)["customers"]["edges"]]
    return next(n for n in nodes if (n["accountManager"] or {}).get("email") == email)


def test_the_menu_opens_the_sections_on_a_phone(rep: Session, shots: Path) -> None:
    page = sized(rep, "/customers", PHONE)
    expect(page.locator("table[aria-label=Customers] tbody tr").first).to_be_visible()
    sidebar = page.locator(".sidebar")
    expect(sidebar).to_be_hidden()  # the screen gets the whole width
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # Rows are cards: no table header, each value beside its column's name.
    expect(page.locator("table[aria-label=Customers] thead")).to_be_hidden()
    expect(page.locator("table[aria-label=Customers] tbody tr").first.locator("td[data-label=Status]")).to_be_visible()
    shot(page, shots, "phone-customers")
    page.get_by_role("combobox", name="Sort by").select_option(label="Name ↓")  # the header's sort, hidden here
    expect(page).to_have_url(re.compile(r"dir=desc"))
    page.evaluate("window.__sameDocument = true")

    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(sidebar).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sidebar).to_have_css("transform", "none")  # slid in all the way: the picture shows the whole drawer
    shot(page, shots, "phone-menu")
    sidebar.get_by_role("link", name="Pipeline").click()
    expect(page.locator("h1")).to_have_text("Pipeline")
    expect(sidebar).to_be_hidden()  # closed on the way
    assert page.evaluate("window.__sameDocument") is True

    menu.click()
    page.locator(".nav-scrim").click(position={"x": 370, "y": 400})  # a tap beside the drawer closes it
    expect(sidebar).to_be_hidden()
    page.get_by_role("button", name=re.compile(r"^Notifications \(")).click()  # the bell is reachable
    expect(page.locator(".bell-menu")).to_be_visible()
    box = page.locator(".bell-menu").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("path", ["/customers", "/pipeline"])
def test_the_menu_button_is_whole_and_tappable_beside_the_search(rep: Session, shots: Path, path: str) -> None:
    page = sized(rep, path, PHONE)
    menu = page.get_by_role("button", name="Menu").bounding_box()
    assert menu is not None and menu["x"] >= 0 and menu["x"] + menu["width"] <= PHONE["width"], menu
    assert menu["width"] >= 44 and menu["height"] >= 44, menu  # a finger's target
    search = page.locator(".global-search input").bounding_box()
    assert search is not None and search["x"] >= menu["x"] + menu["width"] and search["width"] >= 80, search
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, shots, f"phone-topbar{path.replace('/', '-')}")


def test_a_rep_logs_a_call_from_a_phone(rep: Session, shots: Path) -> None:
    customer = managed_by(rep, "rep@example.com")
    page = sized(rep, f"/customers/{customer['id']}", PHONE)
    expect(page.locator("h1")).to_have_text(customer["name"])
    page.get_by_role("button", name="+ Log activity").click()
    form = page.locator("[aria-label='Log activity'] form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=title]").fill("Call from the car park")
    form.locator("select[name=outcome]").select_option("Positive")
    form.locator("input[name=durationMinutes]").fill("12")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)  # the form fits the phone
    shot(page, shots, "phone-log-call")
    # A double tap on a slow connection: the second submit is refused while the first is saving.
    saving = form.evaluate("f => { f.requestSubmit(); const busy = f.getAttribute('aria-busy'); f.requestSubmit(); return busy; }")
    assert saving == "true"
    expect(page.locator("[aria-label='Activity timeline']").first).to_contain_text("Call from the car park")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    logged = rep.graphql(LOGGED, filter={"customerId": customer["id"]}, search="Call from the car park")
    assert logged["activities"]["totalCount"] == 1


def test_a_rep_moves_a_deal_from_a_phone(rep: Session, shots: Path) -> None:
    page = sized(rep, "/pipeline", PHONE)
    source = page.locator("section[data-stage='New']")
    card = source.locator(".deal", has=page.locator("select")).first
    expect(card).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)  # the board scrolls inside itself, a column at a time
    column = source.bounding_box()
    assert column is not None and column["width"] <= PHONE["width"]
    deal_id = card.get_attribute("data-deal")
    shot(page, shots, "phone-pipeline")
    card.locator("select").select_option(label="Move to Qualified")
    expect(page.locator(f"section[data-stage='Qualified'] [data-deal='{deal_id}']")).to_have_count(1)
    expect(page.locator(f"section[data-stage='New'] [data-deal='{deal_id}']")).to_have_count(0)

    # Closing it asks in a dialog that fits the phone (a sheet from the bottom); Cancel leaves it where it was.
    moved = page.locator(f"section[data-stage='Qualified'] [data-deal='{deal_id}']")
    moved.scroll_into_view_if_needed()
    moved.locator("select").select_option(label="Move to Lost")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] + box["height"] <= PHONE["height"]
    shot(page, shots, "phone-lost-reason")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(moved).to_have_count(1)


def test_the_customers_list_fits_a_wide_screen_with_the_columns_chosen(admin: Session, shots: Path) -> None:
    page = sized(admin, "/customers", WIDE)
    table = page.locator("table[aria-label=Customers]")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator("th")).to_have_count(10)  # every column but the high-level status (chosen when wanted)…
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")  # …and no sideways scroll
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, shots, "customers-wide")

    page.get_by_text("Columns", exact=True).click()
    page.locator("input[name=column-phone]").uncheck()
    expect(table.locator("th")).to_have_count(9)
    page.locator("input[name=column-created]").uncheck()
    expect(table.locator("th")).to_have_count(8)
    expect(table.locator("th", has_text="Phone")).to_have_count(0)
    try:
        again = sized(admin, "/customers", WIDE)  # this browser remembers the choice
        expect(again.locator("table[aria-label=Customers] th")).to_have_count(8)
        expect(again.locator("table[aria-label=Customers] th", has_text="Created")).to_have_count(0)
    finally:  # the other tests of this session see every column
        page.locator("input[name=column-phone]").check()
        expect(table.locator("th")).to_have_count(9)  # the server's answer, before the next click
        page.locator("input[name=column-created]").check()
        expect(table.locator("th")).to_have_count(10)


def test_every_customer_filter_shows_its_whole_label_on_a_wide_screen(admin: Session, shots: Path) -> None:
    made = admin.graphql("mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id version } }",
                         input={"name": "Wide check", "kind": "DYNAMIC", "filter": {"status": ["ACTIVE"]}})
    try:  # with a saved segment, the list offers "Any saved segment" too
        page = sized(admin, "/customers", WIDE)
        expect(page.get_by_label("Saved segment")).to_be_visible()
        # A select cuts its text off where it is too narrow: the text, its padding and arrow must fit.
        cut = page.evaluate("""() => [...document.querySelectorAll('.filters select')].filter(el => {
            const style = getComputedStyle(el), pen = document.createElement('canvas').getContext('2d');
            pen.font = style.font;
            const text = pen.measureText(el.options[el.selectedIndex].text).width;
            return text + parseFloat(style.paddingLeft) + 24 > el.clientWidth;  // 24: the drop-down arrow
        }).map(el => el.options[el.selectedIndex].text)""")
        assert cut == [], cut
        shot(page, shots, "customers-filters-wide")
    finally:
        admin.graphql("mutation($input: DeleteSegmentInput!) { deleteSegment(input: $input) { id } }",
                      input={"id": made["createSegment"]["id"], "version": made["createSegment"]["version"]})


def test_the_new_customer_form_and_the_column_chooser_fit_a_phone(admin: Session, shots: Path) -> None:
    page = sized(admin, "/customers", PHONE)
    page.get_by_text("Columns", exact=True).click()
    chooser = page.locator(".column-chooser .menu")
    expect(chooser).to_be_visible()
    box = chooser.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.get_by_text("Columns", exact=True).click()
    page.get_by_role("button", name="+ New customer").click()
    form = page.locator("[aria-label='New customer'] form")
    expect(form.locator("select[name=segment]")).to_be_visible()  # as in the edit form
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, shots, "phone-new-customer")


def test_the_account_manager_changes_in_the_edit_form(admin: Session, shots: Path) -> None:
    customer = managed_by(admin, "rep@example.com", "Atlas")
    rita = next(e["node"] for e in admin.graphql(USERS)["users"]["edges"] if e["node"]["email"] == "rep2@example.com")
    page = sized(admin, f"/customers/{customer['id']}", PHONE)
    page.locator(".hero").get_by_role("button", name="Edit").click()
    form = page.locator("[aria-label='Edit customer'] form")
    expect(form.locator("select[name=segment]")).to_be_visible()  # the same control as when creating
    form.locator("select[name=accountManagerId]").select_option(rita["id"])
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, shots, "phone-customer-edit")
    form.get_by_role("button", name="Save changes").click()
    expect(page.locator("[aria-label='Edit customer']")).to_have_count(0)
    expect(page.locator(".stats")).to_contain_text(rita["name"])
    saved = admin.graphql("query($id: ID!) { customer(id: $id) { accountManager { id } } }", id=customer["id"])
    assert saved["customer"]["accountManager"]["id"] == rita["id"]


def test_a_rep_is_told_before_handing_a_customer_over(rep: Session) -> None:
    customer = managed_by(rep, "rep@example.com")
    page = sized(rep, f"/customers/{customer['id']}", WIDE)
    page.locator(".hero").get_by_role("button", name="Edit").click()
    picker = page.locator("[aria-label='Edit customer'] select[name=accountManagerId]")
    expect(picker.locator("option")).not_to_have_count(0)
    others = [v for v in picker.locator("option").evaluate_all("os => os.map(o => o.value)")
              if v != picker.input_value()]
    if not others:
        pytest.skip("the rep's team has no one else to hand over to")
    picker.select_option(others[0])
    expect(page.locator("[aria-label='Edit customer']")).to_contain_text("you will not be able to edit it")


def test_a_search_with_no_match_says_what_to_do(admin: Session, shots: Path) -> None:
    page = sized(admin, "/customers?q=zzqx-nothing-like-it", PHONE)
    empty = page.locator(".empty")
    expect(empty).to_contain_text("No customers match this view.")
    shot(page, shots, "phone-customers-no-match")
    empty.get_by_role("button", name="Clear search and filters").click()
    expect(page.locator("table[aria-label=Customers] tbody tr").first).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search customers", exact=True)).to_have_value("")


def test_every_screen_at_both_sizes(admin: Session, shots: Path) -> None:
    """Screenshots of every screen, wide and on a phone; none scrolls the whole page sideways."""
    customer = managed_by(admin, "rep@example.com", "Atlas")
    campaign = admin.graphql("{ campaigns(first: 1) { edges { node { id } } } }")["campaigns"]["edges"][0]["node"]
    screens = {
        "customers": "/customers", "customer": f"/customers/{customer['id']}",
        "customer-contacts": f"/customers/{customer['id']}?tab=contacts",
        "customer-activities": f"/customers/{customer['id']}?tab=activities",
        "customer-deals": f"/customers/{customer['id']}?tab=deals",
        "pipeline": "/pipeline", "campaigns": "/campaigns", "campaign": f"/campaigns/{campaign['id']}",
        "tasks": "/tasks", "not-found": "/nowhere",
    }
    folder = shots / "screens"  # to look at before calling a screen done; too many to keep in docs/
    folder.mkdir(exist_ok=True)
    for size, viewport in (("wide", WIDE), ("phone", PHONE)):
        for name, path in screens.items():
            page = sized(admin, path, viewport)
            expect(page.locator("h1").first).to_be_visible()
            expect(page.locator(".loading")).to_have_count(0)
            assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways at {viewport['width']} px"
            shot(page, folder, f"{size}-{name}", full_page=True)
            page.close()


def test_times_read_in_the_browsers_time_zone(admin: Session) -> None:
    customer = managed_by(admin, "rep@example.com", "Atlas")
    admin.graphql("mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }",
                  input={"customerId": customer["id"], "kind": "TASK", "title": "Call before the holidays",
                         "dueAt": "2026-12-24T23:30:00+00:00"})
    page = admin.context.new_page()
    OPEN_PAGES.append(page)
    admin.context.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    page.goto(f"{admin.server}/customers/{customer['id']}?tab=activities")
    item = page.locator(".activity", has_text="Call before the holidays")
    expect(item).to_contain_text("due 25 Dec 2026, 08:30")  # UTC+9

    # A due date typed in the form is the user's wall clock too.
    page.get_by_role("button", name="+ Log activity").click()
    form = page.locator("[aria-label='Log activity'] form")
    form.locator("select[name=kind]").select_option("task")
    form.locator("input[name=title]").fill("Tokyo morning follow-up")
    form.locator("input[name=dueAt]").fill("2027-01-05T09:00")
    form.get_by_role("button", name="Save activity").click()
    expect(page.locator(".activity", has_text="Tokyo morning follow-up")).to_contain_text("due 05 Jan 2027, 09:00")
    found = admin.graphql("query($s: String) { activities(first: 1, search: $s) { edges { node { dueAt } } } }",
                          s="Tokyo morning follow-up")["activities"]["edges"][0]["node"]
    assert found["dueAt"].startswith("2027-01-05T00:00:00")
