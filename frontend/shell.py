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
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from backend.auth.pages import ui_gate
from frontend.export import export_customers_csv

ROOT_COMPONENT = "frontend.app.Root"
UI_PATHS = ("/", "/customers", "/customers/{id}", "/pipeline", "/campaigns", "/campaigns/{id}", "/tasks")
STYLESHEET = Path(__file__).parent / "static" / "crm.css"


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _mount_script() -> str:
    prefix = config.REACTPY_PATH_PREFIX.current
    return (
        f'import {{ mountReactPy }} from "{prefix}static/index.js";'
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
def _page() -> tuple[str, str]:
    """The shell's HTML and its Content-Security-Policy (inline scripts allowed by hash only)."""
    import_map = default_import_map()
    mount = _mount_script()
    page = (
        "<!doctype html>"
        '<html lang="en"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>CRM</title>"
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="/ui/crm.css?v={_stylesheet_version()}">'
        f'<script type="importmap" id="reactpy-importmap">{import_map}</script>'
        "</head><body>"
        '<div id="root"></div>'
        '<div class="boot" role="status">Loading the CRM…</div>'
        "<noscript>The CRM needs JavaScript.</noscript>"
        f'<script type="module">{mount}</script>'
        "</body></html>"
    )
    policy = "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {_sha256(import_map)} {_sha256(mount)}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    return page, policy


async def shell(request: Request) -> Response:
    _, refusal = await ui_gate(request)  # signed out → sign-in; no role → a page saying so
    if refusal is not None:
        return refusal
    page, policy = _page()
    return Response(
        page,
        media_type="text/html",
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


async def stylesheet(request: Request) -> Response:
    return PlainTextResponse(
        _stylesheet(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def ui_routes() -> list[BaseRoute]:
    """The UI's pages, stylesheet and CSV export, to add to the app's routes."""
    return [
        *(Route(path, shell, methods=["GET"]) for path in UI_PATHS),
        Route("/ui/crm.css", stylesheet, methods=["GET"]),
        Route("/ui/export/customers.csv", export_customers_csv, methods=["GET"]),
    ]
