"""Consent to marketing mail, per email address: who agreed or unsubscribed, when and how.

An address receives marketing mail only while its state is `subscribed`; an address never asked is not
subscribed. The state is checked when a mail is queued and again when the outbox sends it, so an
unsubscribe wins over mail queued before it. Links in mail carry a signed token naming the address
(no expiry: an unsubscribe link must keep working for as long as the mail sits in someone's inbox).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import ConsentChange, ConsentSource, ConsentStatus, Contact, MailConsent
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import write
from backend.settings import get_settings

TOKEN_SALT = "crm.mail.preferences"


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt=TOKEN_SALT)


def token_for(email: str) -> str:
    return _signer().dumps(email.strip().lower())


def email_of(token: str) -> str | None:
    """The address a preferences token names, or None for a token this server did not sign."""
    try:
        email = _signer().loads(token)
    except BadSignature:
        return None
    return email if isinstance(email, str) and email else None


def preferences_url(email: str) -> str:
    return f"{get_settings().public_url}/u/{token_for(email)}"


def unsubscribe_url(email: str) -> str:
    return f"{preferences_url(email)}/unsubscribe"


def marketing_headers(email: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe (RFC 2369 List-Unsubscribe with the POST marker)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(email)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


async def states(emails: Collection[str]) -> dict[str, ConsentStatus]:
    """The recorded state of each address that has one (lower-case keys)."""
    rows = await MailConsent.filter(email__in=[e.lower() for e in emails])
    return {row.email: row.status for row in rows}


async def is_subscribed(email: str) -> bool:
    return await MailConsent.filter(email=email.lower(), status=ConsentStatus.SUBSCRIBED).exists()


async def record(email: str, status: ConsentStatus, source: ConsentSource, *, user_id: int | None = None,
                 note: str = "", at: datetime | None = None) -> bool:
    """Set the address's state inside the caller's write; returns whether it changed (the history keeps
    changes only: a second unsubscribe click is not a new event)."""
    email = email.strip().lower()
    at = at or datetime.now(UTC)
    changed = await MailConsent.filter(email=email).exclude(status=status).update(status=status, source=source, changed_at=at)
    if not changed:
        if await MailConsent.filter(email=email).exists():
            return False
        # First record of the address; a concurrent first record of it loses on the unique key and rolls back.
        await MailConsent.create(email=email, status=status, source=source, changed_at=at)
    await ConsentChange.create(email=email, status=status, source=source, user_id=user_id, note=note[:200], occurred_at=at)
    return True


async def change_by_token(actor: Actor, token: str, status: ConsentStatus, source: ConsentSource) -> tuple[str, bool]:
    """The public pages' change (one-click, link, preferences buttons): the token names the address."""
    email = email_of(token)
    if email is None:
        raise BadUserInput("token", "this link is not valid")
    async with write(actor) as unit:
        changed = await record(email, status, source)
        if changed:
            await unit.audit(f"consent.{status.value}", "mail_consent", email, {"status": [None, status.value],
                                                                                 "source": [None, source.value]})
    return email, changed


async def set_for_contact(actor: Actor, raw_contact_id: Any, subscribed: Any, note: str | None) -> Contact:
    """A user marks a contact's address subscribed (they agreed, e.g. by phone) or unsubscribed (they asked)."""
    permissions.require(actor, Action.SET_MAIL_CONSENT)
    contact_id = v.parse_id("contactId", raw_contact_id)
    if not isinstance(subscribed, bool):
        raise BadUserInput("subscribed", "true or false")
    cleaned_note = v.text("note", note, max_length=200)
    status = ConsentStatus.SUBSCRIBED if subscribed else ConsentStatus.UNSUBSCRIBED
    async with write(actor) as unit:
        contact = await v.one(Contact.filter(permissions.contact_rule(actor), id=contact_id), "Contact", raw_contact_id, "contactId")
        if not contact.email:
            raise BadUserInput("contactId", "this contact has no email address")
        if await record(contact.email, status, ConsentSource.MANUAL, user_id=actor.user_id, note=cleaned_note):
            await unit.audit(f"consent.{status.value}", "contact", contact.id,
                             {"email": [None, contact.email], "status": [None, status.value], "note": [None, cleaned_note]})
    return contact
