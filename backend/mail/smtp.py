"""Sending one message over SMTP with aiosmtplib: to CRM_SMTP_URL, or to the development catcher."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, localtime
from urllib.parse import unquote, urlparse

import aiosmtplib

from backend.settings import Settings

TIMEOUT = 30.0  # seconds per SMTP command; a job's lease is longer, so a hung server fails the attempt first


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool  # smtps://: TLS from the first byte; smtp:// still upgrades with STARTTLS when offered


def server(settings: Settings) -> Server:
    """Where mail goes: CRM_SMTP_URL (`smtp://user:pass@host:port`, `smtps://` for TLS) or the catcher."""
    if settings.smtp_url is None:
        return Server("127.0.0.1", settings.dev_smtp_port, None, None, False)
    url = urlparse(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError(f"CRM_SMTP_URL: {url.scheme!r} is not smtp:// or smtps://")
    tls = url.scheme == "smtps"
    return Server(url.hostname or "127.0.0.1", url.port or (465 if tls else 587),
                  unquote(url.username) if url.username else None, unquote(url.password) if url.password else None,
                  tls)


def message(sender: str, recipient: str, subject: str, text: str, html: str, message_id: str,
            headers: dict[str, str] | None = None, attachments: list[dict[str, str]] | None = None
            ) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(localtime())
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    for item in attachments or []:
        if item.get("encoding") == "base64":  # a binary file (an XLSX), kept as text in the outbox's JSON
            maintype, _, subtype = item["content_type"].partition("/")
            mail.add_attachment(base64.b64decode(item["content"]), maintype=maintype, subtype=subtype,
                                filename=item["filename"])
            continue
        # "text/calendar; method=REQUEST; charset=utf-8": the subtype and its parameters (method=…) carried over.
        kind, *params = (part.strip() for part in item["content_type"].split(";"))
        subtype = kind.partition("/")[2]
        extra = dict(p.split("=", 1) for p in params if "=" in p and not p.startswith("charset"))
        mail.add_attachment(item["content"], subtype=subtype, filename=item["filename"], params=extra)
    return mail


async def send(settings: Settings, mail: EmailMessage) -> str:
    """Hand `mail` to the server; returns the server's reply to the message (its queue id, usually)."""
    target = server(settings)
    _, reply = await aiosmtplib.send(
        mail, hostname=target.host, port=target.port, username=target.username, password=target.password,
        use_tls=target.tls, start_tls=None if not target.tls else False, timeout=TIMEOUT,
    )
    return reply
