"""Signing in through the identity provider's form, watching that no request leaves the server, and
waiting for live subscriptions to be registered (a condition, never a fixed sleep)."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

VIEWPORT = {"width": 1360, "height": 860}
OPEN_PAGES: list[Page] = []  # closed after each test, so no test's live pages linger into the next


class Session:
    """A signed-in browser context; `foreign` lists requests our pages tried to send elsewhere."""

    def __init__(self, context: BrowserContext, server: str) -> None:
        self.context = context
        self.server = server
        self.foreign: list[str] = []

    def page(self, path: str = "/customers") -> Page:
        page = self.context.new_page()
        OPEN_PAGES.append(page)
        page.goto(self.server + path)
        expect(page.locator(".topbar")).to_be_visible()
        return page

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        """The API as this user (the session cookie), e.g. to look up ids a test needs."""
        # A connection of its own each time: a kept-alive one that the server closes as idle (uvicorn, after
        # 5 s) at the moment it is reused answers ECONNRESET, and a POST is not retried.
        response = self.context.request.post(f"{self.server}/graphql", data={"query": query, "variables": variables},
                                             headers={"connection": "close"})
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]


def sign_in(browser: Browser, server: str, issuer: str, email: str, timezone_id: str | None = None) -> Session:
    """`timezone_id`: the browser's zone (an IANA name) where a test reads times; the machine's otherwise."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id=timezone_id)
    session = Session(context, server)

    def only_our_hosts(route: Route) -> None:
        url = route.request.url
        if url.startswith((server, issuer)):
            route.continue_()
            return
        frame_url = route.request.frame.url if route.request.frame else ""
        if frame_url.startswith(server):
            session.foreign.append(url)
        route.abort()  # the provider's own page links a CDN stylesheet; nothing may leave the machine

    context.route("**/*", only_our_hosts)
    page = context.new_page()
    page.goto(f"{server}/customers")
    page.wait_for_url(f"{issuer}/**")
    page.fill("input[name=sub]", email)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/**")
    page.close()
    return session


# A live screen holds two subscriptions: the header's notification bell and the screen's own stream.
LIVE_PER_PAGE = 2


HEALTH_TOKENS: dict[str, str] = {}  # server → an admin's API token: /healthz shows details to admins only


def subscribers(server: str, client: httpx.Client | None = None) -> int:
    """Live subscriptions the server holds now (all users)."""
    headers = {"Authorization": f"Bearer {HEALTH_TOKENS[server]}"}
    answer = (client or httpx).get(f"{server}/healthz", headers=headers)
    return int(answer.json()["broadcast"]["subscribers"])


def wait_for_no_subscribers(server: str) -> None:
    """Wait until the pages of earlier tests have let go of their live subscriptions."""
    with httpx.Client(timeout=2.0) as client:
        for _ in range(300):
            if subscribers(server, client) == 0:
                return
            time.sleep(0.05)  # polling a condition, not waiting for time to pass
    raise AssertionError("live subscriptions of closed pages were not released")


def wait_for_subscribers(server: str, at_least: int, page: Page) -> None:
    """Wait until the server has registered `at_least` live subscriptions (the other page is listening)."""
    for _ in range(200):
        if subscribers(server) >= at_least:
            return
        page.wait_for_timeout(50)  # yields to the browser between polls of the condition
    raise AssertionError(f"fewer than {at_least} live subscriptions registered")


def drag_card(page: Page, card: Locator, target: Locator) -> None:
    """Drag a pipeline card onto `target` at a person's pace: the button is let go once the board shows the
    card as dragged, i.e. once the server has the drag. Playwright's `drag_to` lets go within milliseconds,
    before a loaded server has handled the drag's start, which no hand on a mouse does."""
    card.locator(".deal-title").hover()
    page.mouse.down()
    box = target.bounding_box()
    assert box is not None, "the drop target is not on the page"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    expect(card).to_have_class(re.compile(r"\bdragging\b"))
    page.mouse.up()


def shot(page: Page, folder: Path, name: str, full_page: bool = False) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


def resized(page: Page, size: dict[str, int]) -> None:
    """The page at `size`, laid out and painted; on a phone once the sidebar has slid away into its drawer
    (unless the drawer is open), as a shot taken while it slides shows it half across the screen."""
    page.set_viewport_size(size)
    # Two animation frames: the browser has laid out and painted at the new size.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    # The resize starts transitions: let the finite ones end, or a picture catches them half-way.
    page.evaluate("() => Promise.all(document.getAnimations()"
                  ".filter(a => a.effect && a.effect.getTiming().iterations !== Infinity).map(a => a.finished))")
    if size == PHONE:
        expect(page.locator(".sidebar:not(.open)")).to_be_hidden()


def shot_sizes(page: Page, folder: Path, name: str) -> list[Path]:
    """`name`-desktop and `name`-phone: the page at 1440×900 and 390×844, then back at the usual size."""
    taken = []
    for suffix, size in (("desktop", DESKTOP), ("phone", PHONE)):
        resized(page, size)
        taken.append(shot(page, folder, f"{name}-{suffix}"))
    page.set_viewport_size(VIEWPORT)
    return taken


def exported_csv(session: Session, page: Page) -> list[list[str]]:
    """The rows (header first) of the page's "Export CSV" download, as the signed-in user gets it."""
    href = page.get_attribute("a:has-text('Export CSV')", "href")
    assert href
    exported = session.context.request.get(session.server + href)
    assert exported.ok
    return list(csv.reader(io.StringIO(exported.text().removeprefix("\ufeff"))))
