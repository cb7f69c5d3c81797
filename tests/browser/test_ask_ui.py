"""Questions in the top bar's search box, in a real browser: a question shows how it was understood (chips)
and its first rows, and "Open as list" opens the customer list with those conditions as its own filters;
a plain search offers "Ask" too; a word the CRM does not know is said so, with suggestions."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot, shot_sizes

BOX = "input[data-global-search]"
QUESTION = "active customers in Germany in rail"


def test_a_question_shows_its_chips_and_rows_and_opens_as_the_customer_list(admin: Session, shots: Path) -> None:
    expected = admin.graphql('{ customers(first: 1, filter: {status: [ACTIVE], country: ["DE"], industry: ["Rail"]}) '
                             "{ totalCount edges { node { name } } } }")["customers"]
    assert expected["totalCount"] > 0  # the demo data has active rail customers in Germany
    page = admin.page("/dashboard")
    page.locator(BOX).fill(QUESTION)
    answer = page.get_by_label("Answer")
    chips = answer.get_by_label("Understood as")
    expect(chips.locator(".chip")).to_have_count(3)
    expect(chips).to_contain_text("Status: active")
    expect(chips).to_contain_text("Country: Germany")
    expect(chips).to_contain_text("Industry: Rail")
    expect(answer.locator(".search-heading")).to_contain_text(str(expected["totalCount"]))
    expect(answer.locator(".search-hit").first).to_be_visible()
    shot_sizes(page, shots, "ask-answer")

    answer.get_by_text("Open as list").click()
    page.wait_for_url(re.compile(r"/customers\?"))
    expect(page.locator("select[name=status]")).to_have_value("active")
    expect(page.locator("select[name=industry]")).to_have_value("Rail")
    noun = "customer" if expected["totalCount"] == 1 else "customers"
    expect(page.locator(".page-head .subtle")).to_have_text(f"{expected['totalCount']:,} {noun}")
    shot(page, shots, "ask-open-as-list")


def test_a_plain_search_offers_ask_and_unknown_words_are_explained(admin: Session, shots: Path) -> None:
    page = admin.page("/dashboard")
    page.locator(BOX).fill("hot contacts")  # two words: searched as names first
    option = page.locator(".ask-option")
    expect(option).to_have_text("Ask “hot contacts” as a question")
    option.click()
    expect(page.get_by_label("Understood as")).to_contain_text("Status: hot")

    page.locator(BOX).fill("customers in Atlantis")
    answer = page.get_by_label("Answer")
    expect(answer.get_by_role("status")).to_have_text("Not understood: 'Atlantis'.")
    expect(answer.locator(".ask-suggestions li").first).to_be_visible()
    shot(page, shots, "ask-not-understood")
    answer.get_by_text("Search names for “customers in Atlantis” instead").click()
    expect(page.locator(".search-results")).to_contain_text("Nothing matches “customers in Atlantis”")
