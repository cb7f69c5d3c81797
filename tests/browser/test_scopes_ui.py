"""Admin → API tokens in a real browser: a rep makes a deals-only token that expires, and a read-only one;
the list shows each token's scopes, last use and expiry, and a past expiry is refused next to its field."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes


def token_scopes(server: str, token: str) -> list[str]:
    answer = httpx.post(f"{server}/graphql", json={"query": "{ me { allowedActions } }"},
                        headers={"Authorization": f"Bearer {token}"}).json()
    return answer["data"]["me"]["allowedActions"]


def test_a_rep_makes_scoped_tokens_and_sees_their_scopes(rep: Session, shots: Path) -> None:
    page = rep.page("/admin/tokens")
    form = page.locator("form[aria-label='New token']")
    form.locator("input[name=name]").fill("deal bot")
    form.get_by_role("checkbox", name="Deals", exact=True).check()
    form.locator("input[name=expiresAt]").fill((datetime.now(UTC) - timedelta(days=2)).date().isoformat())
    form.locator("button[type=submit]").click()
    expect(form).to_contain_text("must be in the future")  # refused next to the field, nothing made
    until = (datetime.now(UTC) + timedelta(days=30)).date()
    form.locator("input[name=expiresAt]").fill(until.isoformat())
    form.locator("button[type=submit]").click()
    secret = page.locator("input[aria-label='New token']")
    expect(secret).to_have_value(re.compile(r"^crm_"))
    actions = token_scopes(rep.server, secret.input_value())
    assert "moveDeal" in actions and "updateCustomer" not in actions
    page.get_by_role("button", name="Done, I copied it").click()
    row = page.locator("tr[data-token='deal bot']")
    expect(row).to_contain_text("Deals")
    expect(row).to_contain_text(until.strftime("%d %b %Y"))

    form.locator("input[name=name]").fill("reporting")
    form.locator("button[type=submit]").click()
    expect(secret).to_have_value(re.compile(r"^crm_"))
    read_only = secret.input_value()
    assert not {"moveDeal", "createCustomer"} & set(token_scopes(rep.server, read_only))
    page.get_by_role("button", name="Done, I copied it").click()
    expect(page.locator("tr[data-token='reporting']")).to_contain_text("Read only")
    shot_sizes(page, shots, "admin-token-scopes")
