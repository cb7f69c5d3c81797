"""The two routers agree: the browser's (router.js, moving between screens without a reload) and the server's
(frontend/router.py, which also decides which addresses the server answers with the app)."""

from __future__ import annotations

import re
from pathlib import Path

from frontend.router import PATTERNS
from tests.browser.test_not_found_ui import SCREEN_ADDRESSES


def test_links_to_every_screen_stay_in_the_page() -> None:
    """A screen missing from router.js's SCREENS reloads the whole app on every click that leads to it."""
    script = (Path(__file__).parents[1] / "frontend" / "static" / "router.js").read_text()
    found = re.search(r"const SCREENS = /(.*)/;", script)
    assert found is not None
    screens = re.compile(found.group(1))
    for address in SCREEN_ADDRESSES:
        assert screens.fullmatch(address), address
    drawn = {name for name, pattern in PATTERNS if any(pattern.fullmatch(a) for a in SCREEN_ADDRESSES)}
    assert drawn == {name for name, _ in PATTERNS}, "a screen of the router has no address in SCREEN_ADDRESSES"
