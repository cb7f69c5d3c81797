"""Data subject requests (issue 21): everything the CRM holds about a person, and its erasure. Admins only.

A person is known by an email address; their names are those their contacts and enrolments gave. The
export is inline JSON: one person's rows are small, nothing has to be stored (a stored file would be one
more copy of the data to erase), and the caller saves it as a file. Erasure anonymises the records whose
history must stay (contacts keep their deals and activities, enrolments and sends keep campaign counts),
deletes the consent records, and replaces every mention of the email or names in any table's text or JSON
columns (notes, activities, tickets, audit payloads, outbox mail, the search text) by "[erased]". Its audit
entry says how many rows changed, never whose. It cannot be undone.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from tortoise.expressions import F

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Activity, CampaignSend, ConsentChange, Contact, Enrolment, Lead, MailConsent, Ticket
from backend.permissions import Action
from backend.services import mentions
from backend.services import validate as v
from backend.services.unit import write

# Shorter names ("Al") would be scrubbed from unrelated words; such a name stays where it appears apart from
# the person's own records, which are anonymised whole.
MIN_NAME = 4


async def _needles(email: str) -> list[str]:
    names = set(await Contact.filter(email__iexact=email).values_list("name", flat=True))
    names |= set(await Enrolment.filter(email__iexact=email).values_list("name", flat=True))
    return [email, *sorted(str(n).strip() for n in names if len(str(n).strip()) >= MIN_NAME)]


async def export_person_data(actor: Actor, raw_email: Any) -> str:
    """Every row mentioning the person's email or names, or linked to their contacts, by table, as JSON."""
    permissions.require(actor, Action.EXPORT_PERSON_DATA)
    email = v.email("email", raw_email, required=True)
    needles = await _needles(email)
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    contact_ids = cast(list[int], await Contact.filter(email__iexact=email).values_list("id", flat=True))
    found: dict[str, list[dict[str, Any]]] = {}
    for table in mentions.tables():
        pks = [row["pk"] for row in await mentions.mentioning(table, needles)]
        rows = await mentions.rows_by_pk(table, pks)
        if contact_ids and table.name in ("lead", "activity", "ticket", "campaign_send"):
            known = {row[table.pk] for row in rows}
            linked = await mentions.rows_by_pk(table, [pk for pk in await _linked(table.name, contact_ids)
                                                       if pk not in known])
            rows += linked
        if rows:
            found[table.name] = [{k: mentions.plain(value) for k, value in row.items()} for row in rows]
    document = {"email": email, "names": needles[1:], "exportedAt": datetime.now(UTC).isoformat(), "records": found}
    return json.dumps(document, default=str, ensure_ascii=False, indent=1)


async def _linked(table: str, contact_ids: list[int]) -> list[Any]:
    model: Any = {"lead": Lead, "activity": Activity, "ticket": Ticket, "campaign_send": CampaignSend}[table]
    return list(await model.filter(contact_id__in=contact_ids).values_list("id", flat=True))


async def erase_person(actor: Actor, raw_email: Any) -> int:
    """Remove or anonymise everything held about the person; the number of rows changed or deleted."""
    permissions.require(actor, Action.ERASE_PERSON)
    email = v.email("email", raw_email, required=True)
    async with write(actor) as unit:
        needles = await _needles(email)
        changed = await Contact.filter(email__iexact=email).update(
            name=mentions.ERASED, email="", phone="", job_title="", department="", role_at_customer="",
            social_links=[], picture_id=None, version=F("version") + 1,
        )
        for enrolment in await Enrolment.filter(email__iexact=email):
            await Enrolment.filter(id=enrolment.id).update(
                name=mentions.ERASED, email=f"erased-{enrolment.id}@erased.invalid", referrer_code="")
            changed += 1
        for send in await CampaignSend.filter(email__iexact=email):
            await CampaignSend.filter(id=send.id).update(email=f"erased-{send.id}@erased.invalid")
            changed += 1
        changed += await Ticket.filter(requester_email__iexact=email).update(requester_email="")
        changed += await ConsentChange.filter(email__iexact=email).delete()
        changed += await MailConsent.filter(email__iexact=email).delete()
        for table in mentions.tables():
            changed += await mentions.scrub(table, needles)
        # No email, name or hash of them: the entry proves an erasure happened, not whose.
        await unit.audit("person.erase", "person", "erased", {"rows": [None, changed]})
    return changed
