"""Pickers in a real browser offer only the people the signed-in user may appoint (issue 13): the same
rule the write path applies, asked through users(filter: {assignableFor: …})."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import Session

EVERYONE = "{ users(first: 100) { edges { node { id name team { name } } } } }"


def test_the_account_manager_picker_offers_only_the_heads_team(head: Session) -> None:
    people = [e["node"] for e in head.graphql(EVERYONE)["users"]["edges"]]
    north = sorted(p["name"] for p in people if (p["team"] or {}).get("name") == "North")
    assert len(north) >= 2 and len(people) > len(north)  # the demo has others to leave out
    page = head.page("/customers")
    page.click("button:has-text('New customer')")
    picker = page.locator("[aria-label='New customer'] select[name=accountManagerId] option")
    expect(picker).to_have_count(1 + len(north))  # "Me" and the team
    assert sorted(picker.all_inner_texts()[1:]) == north
