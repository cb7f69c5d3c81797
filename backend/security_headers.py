"""Every security header the CRM sends, in one place: one function per kind of page, and a middleware that
gives every other response (API, health check, static files, 404) the one header that fits them all.

Kinds differ on purpose: the embedded campaign form must be framable by any site (that is its purpose), the
public campaign page by the CRM itself, every other page by nobody (clickjacking); GraphiQL loads its own
scripts, the UI shell allows only its two inline scripts by hash, the server-rendered pages run no script.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = {"X-Content-Type-Options": "nosniff"}
_NO_FRAMING = "frame-ancestors 'none'"
# Server-rendered pages (sign-in, public campaign): no scripts at all, inline styles, forms post back here.
_NO_SCRIPT = ("default-src 'none'", "style-src 'unsafe-inline'", "img-src data:", "form-action 'self'")


def _policy(*directives: str) -> str:
    return "; ".join(directives)


def auth_page() -> dict[str, str]:
    """Sign-in, sign-out and refusal pages: the sign-out button may not be framed by another site."""
    return {
        "Content-Security-Policy": _policy(*_NO_SCRIPT, _NO_FRAMING),
        **NOSNIFF,
        "Referrer-Policy": "same-origin",
    }


def public_page(*, embed: bool) -> dict[str, str]:
    """A campaign page may be framed only by the CRM itself; its embed form by any site."""
    ancestors = "*" if embed else "'self'"
    headers = {"Content-Security-Policy": _policy(*_NO_SCRIPT, "base-uri 'none'", f"frame-ancestors {ancestors}")}
    if not embed:
        headers["X-Frame-Options"] = "SAMEORIGIN"  # for browsers that predate frame-ancestors
    # Visitors arrive from other sites and links leave to them: those see the CRM's origin, never the path.
    return {**headers, **NOSNIFF, "Referrer-Policy": "strict-origin-when-cross-origin"}


def graphiql() -> dict[str, str]:
    """Everything GraphiQL needs comes from this server; its fonts and icons are data: URLs."""
    policy = _policy(
        "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
        "font-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", _NO_FRAMING,
    )
    return {"Content-Security-Policy": policy, **NOSNIFF}


def ui_shell(inline_script_hashes: Iterable[str]) -> dict[str, str]:
    """The UI shell loads nothing from other hosts; of inline scripts only its own, named by hash, may run."""
    policy = _policy(
        "default-src 'self'",
        " ".join(("script-src 'self'", *inline_script_hashes)),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        _NO_FRAMING,
    )
    return {"Content-Security-Policy": policy, **NOSNIFF, "Referrer-Policy": "same-origin"}


def attachment_download() -> dict[str, str]:
    """A stored file sent as a download: never rendered by the CRM's origin, whatever it holds."""
    return {"Content-Security-Policy": _policy("default-src 'none'", "sandbox", _NO_FRAMING), **NOSNIFF,
            "Cache-Control": "private, no-store"}


def attachment_preview(*, pdf: bool) -> dict[str, str]:
    """An image or PDF shown inline (only those types, sniffed from their bytes): nothing may run. Images are
    also sandboxed; a PDF is not, because Chromium's viewer refuses to open inside a sandboxed document. Only
    the CRM's own pages may frame either."""
    directives = ["default-src 'none'", "img-src 'self'", "style-src 'unsafe-inline'", "object-src 'self'",
                  "frame-ancestors 'self'"]
    if not pdf:
        directives.append("sandbox")
    return {"Content-Security-Policy": _policy(*directives), **NOSNIFF, "Cache-Control": "private, max-age=300"}


class NoSniff:
    """Adds X-Content-Type-Options to every HTTP response that has none, so that no JSON answer or static file
    is ever sniffed into HTML by a browser, whichever route or middleware produced it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in NOSNIFF.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)
