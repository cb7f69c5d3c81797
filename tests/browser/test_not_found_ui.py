"""An unknown address: a 404 that is still the app (its navigation, a way back), the plain page for visitors
who are not signed in, and the CRM's own icon in the browser tab."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import OPEN_PAGES, Session, shot


def test_an_unknown_address_is_a_404_inside_the_app(admin: Session, shots: Path) -> None:
    page = admin.context.new_page()
    OPEN_PAGES.append(page)
    response = page.goto(f"{admin.server}/customrs/oops")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator(".sidebar")).to_be_visible()
    expect(page).to_have_title("Not found · CRM")
    shot(page, shots, "page-not-found")
    page.evaluate("window.__sameDocument = true")
    page.click(".sidebar >> text=Pipeline")
    expect(page.locator("h1")).to_have_text("Pipeline")
    assert page.evaluate("window.__sameDocument") is True


def test_the_app_has_its_own_icon(admin: Session, server: str) -> None:
    page = admin.page("/customers")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href == "/ui/favicon.svg"
    icon = page.evaluate(
        """async (href) => { const r = await fetch(href); return [r.status, r.headers.get('content-type'), await r.text()]; }""",
        href,
    )
    assert icon[0] == 200 and icon[1].startswith("image/svg+xml") and icon[2].startswith("<svg")
    legacy = httpx.get(f"{server}/favicon.ico", follow_redirects=True)
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("image/svg+xml")


def test_visitors_who_are_not_signed_in_get_a_plain_404(server: str) -> None:
    answer = httpx.get(f"{server}/no/such/page")
    assert answer.status_code == 404 and "Page not found" in answer.text
    assert httpx.post(f"{server}/no/such/page").status_code == 404
    assert httpx.get(f"{server}/customers").status_code == 303  # real screens still ask them to sign in


SCREEN_ADDRESSES = ("/dashboard", "/customers", "/customers/1", "/contacts", "/contacts/1", "/leads", "/pipeline", "/deals/1",
                    "/campaigns", "/campaigns/1", "/tasks", "/notifications", "/admin", "/admin/pipelines",
                    "/duplicates", "/import", "/segments", "/segments/1", "/reports", "/relationships",
                    "/tickets", "/tickets/1")


def test_every_screen_address_is_the_app_opened_directly(admin: Session, server: str) -> None:
    """A bookmark, a new tab or a link in an email lands on the screen: signed out it asks to sign in first,
    signed in it is the app (200), never the not-found page."""
    for address in SCREEN_ADDRESSES:
        assert httpx.get(f"{server}{address}").status_code == 303, address
        answer = admin.context.request.get(f"{server}{address}")
        assert answer.status == 200 and "Loading the CRM" in answer.text(), address

