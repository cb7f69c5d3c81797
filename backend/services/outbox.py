"""The outbox: email written in the same transaction as the change that causes it, delivered by a job.

Nothing is sent for a change that rolls back (its message and delivery job roll back with it), nothing
is lost for one that commits (the job is durable and retried). Delivery is idempotent per message:

1. a message already marked sent is not sent again (a job re-run after the send, e.g. its worker died
   between marking the message and finishing the job);
2. `attempted_at` is committed before talking to the server, so an admin sees a send that may have
   happened;
3. the Message-ID is derived from the message's key, the same on every attempt.

Marketing messages are checked against the recipient's consent once more right before sending: an
address that unsubscribed after the message was queued gets nothing (the message is marked suppressed).
Campaign sends (models/mailing.py) follow their message: sent, failed (retried), or unsubscribed.

The window that remains: a worker that dies after the server accepted the message (its 250 reply to
the data) and before `sent_at` commits — one SMTP reply and one UPDATE long — sends it again on the
retry, with the same Message-ID, which receiving systems may use to drop the twin. SMTP gives no way to
ask a server whether it already holds a message, so this at-least-once window cannot be closed here.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from backend.live import topics
from backend.live.broadcast import publish_all
from backend.live.events import CampaignSendsChanged, Event
from backend.mail import render, smtp
from backend.models import CampaignSend, ConsentStatus, MailConsent, OutboxMessage, SendStatus
from backend.services import queue
from backend.settings import Settings

DELIVER = "outbox.deliver"


async def add_mail(settings: Settings, kind: str, key: str, recipient: str, language: str | None = None, *,
                   attachments: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None,
                   marketing: bool = False, **values: Any) -> OutboxMessage:
    """Write the message `kind` for `recipient` (in `language` where known) and its delivery job: call
    inside the change's write. `attachments`: files sent with it, each {"filename", "content_type",
    "content"} (text), or with "encoding": "base64" a binary file. A `marketing` message is sent only while
    its recipient is subscribed (checked again at send time)."""
    body = render.render(kind, settings.public_url, language, **values)
    message = await OutboxMessage.create(kind=kind, key=key, recipient=recipient, subject=body.subject,
                                         text=body.text, html=body.html, attachments=attachments or [],
                                         headers=headers or {}, marketing=marketing)
    await queue.enqueue(DELIVER, {"id": message.id}, key=f"{DELIVER}:{message.id}")
    return message


def message_id(message: OutboxMessage, sender: str) -> str:
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:24]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<crm.{message.id}.{digest}@{domain}>"


async def deliver(settings: Settings, payload: dict[str, Any]) -> None:
    """The job of DELIVER: send the message once (see the module's notes for the one window left)."""
    message = await OutboxMessage.filter(id=payload["id"]).first()
    if message is None or message.sent_at is not None or message.suppressed_at is not None:
        return
    if message.marketing and not await MailConsent.filter(email=message.recipient.lower(),
                                                          status=ConsentStatus.SUBSCRIBED).exists():
        await OutboxMessage.filter(id=message.id, sent_at=None).update(suppressed_at=queue.now())
        await _sends_now(message.id, SendStatus.UNSUBSCRIBED, "unsubscribed before it was sent")
        return
    await OutboxMessage.filter(id=message.id).update(attempted_at=queue.now())
    mail = smtp.message(settings.mail_from, message.recipient, message.subject, message.text, message.html,
                        message_id(message, settings.mail_from), message.headers, message.attachments)
    try:
        await smtp.send(settings, mail)
    except Exception as error:
        await _sends_now(message.id, SendStatus.FAILED, f"{type(error).__name__}: {error}"[:500])
        raise
    await OutboxMessage.filter(id=message.id, sent_at=None).update(sent_at=queue.now())
    await _sends_now(message.id, SendStatus.SENT, "")


async def _sends_now(message_id: int, status: SendStatus, error: str) -> None:
    """The campaign sends of this message take its outcome; their campaigns' pages hear of it."""
    sends = CampaignSend.filter(message_id=message_id)
    campaigns = set(cast(list[int], await sends.values_list("campaign_id", flat=True)))
    if not campaigns:
        return
    await sends.update(status=status, error=error, updated_at=queue.now())
    await publish_all([Event.of(topics.campaign_sends(c), CampaignSendsChanged(campaign_id=c)) for c in campaigns])
