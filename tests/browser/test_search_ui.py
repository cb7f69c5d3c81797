"""The top bar's search in a real browser: Ctrl+K and "/" focus it, results come grouped by kind within
the caller's row rules, the arrows and Enter open one, and a search that finds nothing says so."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, shot, subscribers, wait_for_subscribers

BOX = "input[data-global-search]"


def results(page: Page) -> object:
    return page.locator(".search-results")


def test_search_groups_by_kind_and_opens_a_result_from_the_keyboard(head: Session, shots: Path) -> None:
    customer = head.graphql("{ customers(first: 1, orderBy: {field: NAME, direction: ASC}) "
                            "{ edges { node { id name } } } }")["customers"]["edges"][0]["node"]
    before = subscribers(head.server)
    page = head.page("/tasks")
    expect(page.locator("html[data-keys=bound]")).to_have_count(1)  # the page's script is listening
    wait_for_subscribers(head.server, before + LIVE_PER_PAGE, page)  # the screen as it stays, not while it loads
    page.keyboard.press("Control+k")
    expect(page.locator(BOX)).to_be_focused()
    page.keyboard.type(customer["name"])
    group = results(page).get_by_role("group", name="Customers")
    expect(group.locator(".search-hit").first).to_contain_text(customer["name"])
    page.set_viewport_size({"width": 1440, "height": 900})
    shot(page, shots, "search")
    page.keyboard.press("ArrowDown")
    expect(group.locator(".search-hit").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{customer['id']}")
    expect(page.locator("h1")).to_contain_text(customer["name"])
    expect(page.locator(BOX)).to_have_value("")

    # "/" focuses the box from anywhere outside a field; words that match nothing say so.
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator(BOX)).to_be_focused()
    page.keyboard.type("zzqx nothing")
    expect(results(page)).to_contain_text("Nothing matches")
    page.keyboard.press("Escape")
    expect(results(page)).to_be_hidden()


def test_search_keeps_to_the_row_rules(admin: Session, rep: Session) -> None:
    """A customer only South sees is found by the admin, never by a rep of North."""
    users = admin.graphql("{ users(first: 100) { edges { node { id email } } } }")["users"]["edges"]
    south = next(u["node"]["id"] for u in users if u["node"]["email"] == "rep2@example.com")
    managed = admin.graphql("query($id: [ID!]) { customers(first: 50, filter: {accountManagerId: $id}) "
                            "{ edges { node { name } } } }", id=south)["customers"]["edges"]
    name = next(c["node"]["name"] for c in managed
                if not rep.graphql("query($q: String!) { customers(first: 1, search: $q) { totalCount } }",
                                   q=c["node"]["name"])["customers"]["totalCount"])

    page = admin.page("/customers")
    page.locator(BOX).fill(name)
    expect(results(page).get_by_role("group", name="Customers")).to_contain_text(name)

    page = rep.page("/customers")
    page.locator(BOX).fill(name)
    expect(results(page).locator(".search-note, .search-group").first).to_be_visible()
    expect(results(page).get_by_text(name, exact=True)).to_have_count(0)
