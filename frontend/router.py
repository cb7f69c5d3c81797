"""Our small router: the screen for a location, links, and navigation through the History API.

reactpy-router does not support ReactPy 2, so static/router.js intercepts clicks on internal links
and back/forward, and reports the new location here; rendering another `path` moves the browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import parse_qsl, urlsplit

from reactpy import create_context, use_context
from reactpy.reactjs import component_from_file

BrowserLocation = component_from_file(
    Path(__file__).parent / "static" / "router.js", "Router", name="crm-router", allow_children=False
)


@dataclass(frozen=True)
class Route:
    """Where the user is: the screen, its id (if any) and the query parameters."""

    screen: str
    id: str | None
    query: dict[str, str]
    path: str
    href: str

    @classmethod
    def parse(cls, href: str) -> Route:
        parts = urlsplit(href or "/")
        path = parts.path or "/"
        query = dict(parse_qsl(parts.query))
        for screen, pattern in PATTERNS:
            if match := pattern.fullmatch(path):
                return cls(screen, match.groupdict().get("id"), query, path, href)
        return cls("not_found", None, query, path, href)


PATTERNS = (
    # The landing page after sign-in is each role's dashboard (CONTRACT.md, HTTP).
    ("dashboard", re.compile(r"/(?:dashboard/?)?")),
    ("customers", re.compile(r"/customers/?")),
    ("customer", re.compile(r"/customers/(?P<id>[^/]+)")),
    ("pipeline", re.compile(r"/pipeline/?")),
    ("deal", re.compile(r"/deals/(?P<id>[^/]+)")),
    ("campaigns", re.compile(r"/campaigns/?")),
    ("campaign", re.compile(r"/campaigns/(?P<id>[^/]+)")),
    ("tasks", re.compile(r"/tasks/?")),
    ("leads", re.compile(r"/leads/?")),
    ("contacts", re.compile(r"/contacts/?")),
    ("contact", re.compile(r"/contacts/(?P<id>[^/]+)")),
    ("duplicates", re.compile(r"/duplicates/?")),
    ("notifications", re.compile(r"/notifications/?")),
    ("segments", re.compile(r"/segments/?")),
    ("segment", re.compile(r"/segments/(?P<id>[^/]+)")),
    ("admin", re.compile(r"/admin(?:/(?P<id>[^/]+))?/?")),
    ("import", re.compile(r"/import/?")),
    ("reports", re.compile(r"/reports/?")),
    ("relationships", re.compile(r"/relationships/?")),
    ("tickets", re.compile(r"/tickets/?")),
    ("ticket", re.compile(r"/tickets/(?P<id>[^/]+)")),
)


@dataclass(frozen=True)
class Navigation:
    route: Route
    go: Callable[..., None]

    def navigate(self, href: str, replace: bool = False) -> None:
        self.go(href, replace)


# No default: Root provides the navigation around every screen.
NavContext = create_context(cast(Navigation, None))


def use_nav() -> Navigation:
    return use_context(NavContext)

