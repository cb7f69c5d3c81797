"""The development mail catcher: with no CRM_SMTP_URL, `crm serve` receives its own mail on
CRM_DEV_SMTP_PORT (aiosmtpd) and admins read it at /dev/mail, like the development identity provider:
for demos and tests only, and off (404) once real SMTP is configured.

Caught messages are files in `$CRM_DATA_DIR/devmail/`, so every server process shows the same mail.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import time
import uuid
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from backend.models import Role
from backend.settings import Settings, get_settings
from backend.web.pages import page, ui_gate

# The shared minimal page (web/pages.py) styles no tables; these few rules make the list readable.
_STYLE = ("<style>body{max-width:60rem}table{border-collapse:collapse;width:100%}"
          "th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e4e7eb;vertical-align:top}"
          "dd{margin:0 0 .5rem 0;overflow-wrap:anywhere}dt{color:#616e7c;font-size:.9em}</style>")
KEEP = 500  # the newest messages kept; the catcher is for looking, not for archiving
NAME = re.compile(r"[0-9]+-[0-9a-f]{32}\.eml")


def mailbox(settings: Settings) -> Path:
    return settings.data_dir / "devmail"


def whole_messages(folder: Path) -> list[Path]:
    """The whole messages in `folder`, oldest first: not those still being written (".…", which `glob`
    lists too), which another catcher thread may rename away at any moment."""
    return sorted(path for path in folder.glob("*.eml") if NAME.fullmatch(path.name))


class _Catch:
    """aiosmtpd's handler: each message becomes one file (written whole, then renamed into place)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        partial = self.folder / f".{name}"
        partial.write_bytes(envelope.original_content or envelope.content)
        os.replace(partial, self.folder / name)
        for old in whole_messages(self.folder)[:-KEEP]:
            old.unlink(missing_ok=True)
        return "250 Message accepted for delivery"


def start_catcher(settings: Settings) -> Controller:
    """Listen on 127.0.0.1:CRM_DEV_SMTP_PORT in a thread of its own; `.stop()` ends it."""
    controller = Controller(_Catch(mailbox(settings)), hostname="127.0.0.1", port=settings.dev_smtp_port)
    controller.start()
    return controller


def _read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _part(message: EmailMessage, kind: str) -> str:
    body = message.get_body(preferencelist=(kind,))
    return body.get_content() if body is not None else ""


async def _gate(request: Request) -> Response | None:
    if get_settings().smtp_url is not None:
        return page("Not found", "<p>The development mail catcher is off: this CRM sends real mail.</p>", 404)
    actor, instead = await ui_gate(request)
    if instead is not None:
        return instead
    if actor.role is not Role.ADMIN:
        return page("Admins only", "<p>Only administrators read the caught mail.</p>", 403)
    return None


async def inbox(request: Request) -> Response:
    if (refused := await _gate(request)) is not None:
        return refused
    files = whole_messages(mailbox(get_settings()))[::-1]
    rows = []
    for path in files:
        message = _read(path)
        rows.append(
            f'<tr><td>{escape(str(message["Date"] or ""))}</td><td>{escape(str(message["To"] or ""))}</td>'
            f'<td><a href="/dev/mail/{path.name}">{escape(str(message["Subject"] or "(no subject)"))}</a></td></tr>'
        )
    body = _STYLE + (
        f"<p>Mail the CRM sent while no SMTP server is configured ({len(files)} kept, newest first).</p>"
        + ("<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>"
           + "".join(rows) + "</tbody></table>" if rows else "<p>Nothing caught yet.</p>")
    )
    return page("Caught mail", body)


async def one(request: Request) -> Response:
    if (refused := await _gate(request)) is not None:
        return refused
    name = request.path_params["name"]
    path = mailbox(get_settings()) / name
    if not NAME.fullmatch(name) or not path.exists():
        return page("Not found", '<p>No such message. <a href="/dev/mail">All caught mail</a></p>', 404)
    message = _read(path)
    if request.url.path.endswith("/html"):
        # The message's own HTML, shown as is but sandboxed: no scripts, no requests, no cookies.
        return HTMLResponse(_part(message, "html"), headers={
            "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"})
    headers = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(message[k] or ''))}</dd>"
                      for k in ("From", "To", "Subject", "Date", "Message-ID"))
    body = _STYLE + (
        f'<p><a href="/dev/mail">← All caught mail</a></p><dl class="mail-headers">{headers}</dl>'
        f'<h2>Text</h2><pre style="white-space:pre-wrap">{escape(_part(message, "plain"))}</pre>'
        f'<p><a class="button" href="/dev/mail/{name}/html">Open the HTML part</a></p>'
    )
    return page(str(message["Subject"] or "(no subject)"), body)


def routes() -> list[Route]:
    return [Route("/dev/mail", inbox), Route("/dev/mail/{name}", one), Route("/dev/mail/{name}/html", one)]
