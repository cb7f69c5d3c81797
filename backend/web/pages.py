"""The few server-rendered pages of signing in and out, and the gate in front of the UI's pages."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backend import security_headers
from backend.auth.actor import Actor
from backend.web.requests import authenticate

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}"
    "h1{font-size:1.5rem}button,a.button{font:inherit;padding:.5rem 1rem;border-radius:.3rem;"
    "border:1px solid #3e4c59;background:#3e4c59;color:#fff;text-decoration:none;cursor:pointer}"
)

_HEADERS = {"Cache-Control": "no-store", **security_headers.auth_page()}


def page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """A minimal page; `body` is trusted HTML, so callers escape what they put in it."""
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · CRM</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">'
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers=_HEADERS)


def _sign_out_form(label: str = "Sign out") -> str:
    return f'<form method="post" action="/auth/logout"><button type="submit">{escape(label)}</button></form>'


def sign_in_failed(reason: str, status_code: int = 400) -> HTMLResponse:
    return page(
        "Sign-in failed",
        f"<p>{escape(reason)}</p><p><a class=\"button\" href=\"/auth/login\">Try again</a></p>",
        status_code,
    )


def refused(reason: str) -> HTMLResponse:
    return page("You cannot sign in", f"<p>{escape(reason)}</p>", 403)


def no_role(actor: Actor) -> HTMLResponse:
    return page(
        "No access yet",
        f"<p>You are signed in as <strong>{escape(actor.email)}</strong>, but your account has no CRM role. "
        "Ask an administrator to grant you one; this page works again once they have.</p>"
        + _sign_out_form(),
        403,
    )


def confirm_sign_out(actor: Actor) -> HTMLResponse:
    who = f" as <strong>{escape(actor.email)}</strong>" if actor.signed_in else ""
    return page("Sign out", f"<p>You are signed in{who}.</p>" + _sign_out_form())


def signed_out() -> HTMLResponse:
    return page("Signed out", '<p>You are signed out.</p><p><a class="button" href="/auth/login">Sign in</a></p>')


def safe_next(target: str | None) -> str:
    """Only a path on this site may be a post-sign-in destination (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or any(
        ch in target for ch in "\r\n\t\\"
    ):
        return "/"
    return target


def login_url(next_path: str) -> str:
    return f"/auth/login?next={quote(safe_next(next_path), safe='/')}"


async def ui_gate(request: Request) -> tuple[Actor, Response | None]:
    """For the UI's pages: the actor, and the response to send instead of the page when there is one.

    Signed out → redirect to sign-in (returning here afterwards); signed in without a role → a 403 page
    saying so; otherwise None, and the page renders.
    """
    actor = await authenticate(request, via="ui")
    if not actor.signed_in:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return actor, RedirectResponse(login_url(path), status_code=303)
    if actor.role is None:
        return actor, no_role(actor)
    return actor, None
