"""Pickers in a real browser offer only the people the signed-in user may appoint (issue 13): the same
rule the write path applies, asked through users(filter: {assignableFor: …})."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot, sign_in

EVERYONE = "{ users(first: 100) { edges { node { id name team { name } } } } }"


def test_the_account_manager_picker_offers_only_the_heads_team(head: Session) -> None:
    people = [e["node"] for e in head.graphql(EVERYONE)["users"]["edges"]]
    north = sorted(p["name"] for p in people if (p["team"] or {}).get("name") == "North")
    assert len(north) >= 2 and len(people) > len(north)  # the demo has others to leave out
    page = head.page("/customers")
    page.click("button:has-text('New customer')")
    picker = page.locator("[aria-label='New customer'] select[name=accountManagerId] option")
    me = head.graphql("{ me { name } }")["me"]["name"]
    expect(picker).to_have_count(len(north))  # the team, the head among them once, as "Me"
    texts = picker.all_inner_texts()
    assert texts.count("Me") == 1 and me not in texts
    assert sorted(t if t != "Me" else me for t in texts) == north


def test_the_admin_is_offered_only_salespeople_as_account_managers(admin: Session) -> None:
    people = admin.graphql("{ users(first: 100) { edges { node { name role active } } } }")["users"]["edges"]
    sales = sorted(p["node"]["name"] for p in people
                   if p["node"]["role"] in ("SALES_REP", "SALES_HEAD") and p["node"]["active"])
    page = admin.page("/customers")
    page.click("button:has-text('New customer')")
    picker = page.locator("[aria-label='New customer'] select[name=accountManagerId] option")
    expect(picker).to_have_count(len(sales))
    assert sorted(picker.all_inner_texts()) == sales


def test_a_rep_handing_a_new_customer_to_someone_else_is_told_they_cannot_edit_it(
        chromium: object, server: str, issuer: str, shots: Path) -> None:
    rep = sign_in(chromium, server, issuer, "rep@example.com")  # type: ignore[arg-type]
    try:
        page = rep.page("/customers")
        page.click("button:has-text('New customer')")
        form = page.locator("[aria-label='New customer'] form")
        notice = form.locator("label.field", has=page.locator("select[name=accountManagerId]")).locator(
            ".field-notice")
        expect(notice).to_have_count(0)
        other = form.locator("select[name=accountManagerId] option").filter(has_not_text="Me").first
        page.select_option("select[name=accountManagerId]", other.get_attribute("value"))
        expect(notice).to_contain_text("you will not be able to edit it")
        shot(page, shots, "customer-create-handover")
        page.select_option("select[name=accountManagerId]", label="Me")
        expect(notice).to_have_count(0)
    finally:
        rep.context.close()
