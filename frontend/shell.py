"""The HTML page that hosts the single-page UI, its stylesheet, and the Starlette routes serving them.

Every UI path returns the same shell; the ReactPy app reads the location and renders the screen.
The page loads nothing from other hosts, and its Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from reactpy import config
from reactpy.executors.utils import default_import_map
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from backend import security_headers
from backend.web.pages import ui_gate
from backend.web.requests import authenticate
from frontend import export, router
from frontend.session import ZONE_COOKIE

ROOT_COMPONENT = "frontend.app.Root"
STYLESHEET = Path(__file__).parent / "static" / "crm.css"
FAVICON = Path(__file__).parent / "static" / "favicon.svg"
FAVICON_LINK = '<link rel="icon" type="image/svg+xml" href="/ui/favicon.svg">'


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _mount_script() -> str:
    prefix = config.REACTPY_PATH_PREFIX.current
    return (
        f'import {{ mountReactPy }} from "{prefix}static/index.js";'
        # The browser's time zone, for the UI's websocket to read at sign-in (session.zone_of): set before the
        # websocket opens, so even the first screen shows times in it, with no round trip after mounting.
        f'document.cookie = "{ZONE_COOKIE}=" + encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone || "")'
        ' + "; path=/; SameSite=Lax";'
        "mountReactPy({"
        'mountElement: document.getElementById("root"),'
        f'pathPrefix: "{prefix}",'
        f'componentPath: "{ROOT_COMPONENT}/",'
        f"reconnectInterval: {config.REACTPY_RECONNECT_INTERVAL.current},"
        f"reconnectMaxInterval: {config.REACTPY_RECONNECT_MAX_INTERVAL.current},"
        f"reconnectMaxRetries: {config.REACTPY_RECONNECT_MAX_RETRIES.current},"
        f"reconnectBackoffMultiplier: {config.REACTPY_RECONNECT_BACKOFF_MULTIPLIER.current},"
        "});"
    )


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return STYLESHEET.read_text()


def _stylesheet_version() -> str:
    return hashlib.sha256(_stylesheet().encode()).hexdigest()[:12]


@lru_cache(maxsize=1)
def _page() -> tuple[str, dict[str, str]]:
    """The shell's HTML and its security headers (inline scripts allowed by hash only); callers copy the dict."""
    import_map = default_import_map()
    mount = _mount_script()
    page = (
        "<!doctype html>"
        '<html lang="en"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>CRM</title>"
        f"{FAVICON_LINK}"
        f'<link rel="stylesheet" href="/ui/crm.css?v={_stylesheet_version()}">'
        f'<script type="importmap" id="reactpy-importmap">{import_map}</script>'
        "</head><body>"
        '<div id="root"></div>'
        '<div class="boot" role="status">Loading the CRM…</div>'
        "<noscript>The CRM needs JavaScript.</noscript>"
        f'<script type="module">{mount}</script>'
        "</body></html>"
    )
    return page, security_headers.ui_shell((_sha256(import_map), _sha256(mount)))


async def shell(request: Request, status_code: int = 200) -> Response:
    _, refusal = await ui_gate(request)  # signed out → sign-in; no role → a page saying so
    if refusal is not None:
        return refusal
    page, headers = _page()
    return Response(page, status_code=status_code, media_type="text/html", headers={**headers, "Cache-Control": "no-store"})


async def page(request: Request) -> Response:
    """Every address the server has no other route for. A screen of the UI (the router's patterns are the one
    list of them) gets the app. Any other address gets the app saying "Page not found" with its navigation,
    as a 404; visitors who are not signed in get a plain page: an unknown address is no reason to sign in."""
    if request.method not in ("GET", "HEAD"):
        return PlainTextResponse("Not Found", status_code=404)
    if router.Route.parse(request.url.path).screen != "not_found":
        return await shell(request)
    if not (await authenticate(request, via="ui")).signed_in:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404, headers={"Cache-Control": "no-store"})
    return await shell(request, status_code=404)


NOT_FOUND_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page not found · CRM</title>'
    f'{FAVICON_LINK}<link rel="stylesheet" href="/ui/crm.css"></head><body><div class="page">'
    '<h1>Page not found</h1><p>There is nothing at this address. <a href="/">Go to the CRM</a>.</p>'
    "</div></body></html>"
)


async def favicon(request: Request) -> Response:
    return Response(FAVICON.read_bytes(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


async def stylesheet(request: Request) -> Response:
    return PlainTextResponse(
        _stylesheet(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def ui_routes() -> list[BaseRoute]:
    """The UI's stylesheet, icon and CSV export, then its pages and the not-found page: the last of the app's routes."""
    return [
        Route("/ui/crm.css", stylesheet, methods=["GET"]),
        Route("/ui/export/{name}.{format}", export.download, methods=["GET"]),
        Route("/ui/favicon.svg", favicon, methods=["GET"]),
        # Pages that link no icon (GraphiQL, the public campaign pages) make browsers ask for this one.
        Route("/favicon.ico", lambda request: RedirectResponse("/ui/favicon.svg", status_code=301), methods=["GET"]),
        # Last: every other address is a screen of the UI or unknown (keep it the last route of the app).
        Route("/{path:path}", page, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    ]
