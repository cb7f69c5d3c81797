"""Files on records (issue 18): attach, delete, and the files that leave with a deleted record.

An upload is copied to a temporary file (refused past CRM_ATTACHMENT_MAX_BYTES), its type is sniffed from the
bytes and checked against CRM_ATTACHMENT_TYPES, then it is moved into place and its row is written with the
audit entry in one write; should the write fail, the file goes too. A deleted attachment's file (or the files
of a deleted record's attachments) is removed only after the commit, so a rolled-back delete loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, BinaryIO, Protocol, cast

from tortoise.expressions import Q
from tortoise.models import Model

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, NotFound
from backend.files import sniff, store
from backend.live import topics
from backend.live.events import AttachmentsChanged
from backend.models import Activity, Attachment, AttachmentRecord, Contact, Customer, Deal, Ticket
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import Unit, write
from backend.settings import get_settings

RECORDS: dict[AttachmentRecord, tuple[type[Model], Any]] = {
    AttachmentRecord.CUSTOMER: (Customer, permissions.customer_rule),
    AttachmentRecord.CONTACT: (Contact, permissions.contact_rule),
    AttachmentRecord.DEAL: (Deal, permissions.deal_rule),
    AttachmentRecord.ACTIVITY: (Activity, permissions.activity_rule),
    AttachmentRecord.TICKET: (Ticket, permissions.ticket_rule),
}


class Upload(Protocol):
    """What an upload offers (Starlette's UploadFile, as Strawberry's Upload scalar hands it on)."""

    filename: str | None
    file: BinaryIO


async def visible_record(actor: Actor, kind: Any, raw_id: Any, field: str = "recordId") -> tuple[AttachmentRecord, Model]:
    record = v.choice("recordType", kind, AttachmentRecord)
    model, rule = RECORDS[record]
    record_id = v.parse_id(field, raw_id)
    return record, await v.one(model.filter(rule(actor), id=record_id), model.__name__, raw_id, field)


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Attachment:
    if not isinstance(raw_id, str) or not store.ID_SHAPE.match(raw_id):
        raise NotFound("Attachment", repr(raw_id), field=field)
    return cast(Attachment, await v.one(
        Attachment.filter(permissions.attachment_rule(actor), id=raw_id), "Attachment", raw_id, field))


def _limit_text(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


async def attach_file(actor: Actor, kind: Any, record_id: Any, upload: Upload | None) -> Attachment:
    permissions.require(actor, Action.ATTACH_FILE)
    record, row = await visible_record(actor, kind, record_id)
    permissions.require(actor, Action.ATTACH_FILE, row)
    if upload is None or not hasattr(upload, "file"):
        raise BadUserInput("file", "choose a file to attach")
    settings = get_settings()
    name = store.clean_name(upload.filename)
    try:
        received = await asyncio.to_thread(store.receive, upload.file, settings.attachment_max_bytes)
    except store.TooLarge:
        raise BadUserInput("file", f"is over the {_limit_text(settings.attachment_max_bytes)} limit for one file") from None
    if received.size == 0:
        received.path.unlink(missing_ok=True)
        raise BadUserInput("file", "is empty")
    content_type = await asyncio.to_thread(sniff.sniff, received.path)
    if content_type not in settings.attachment_types:
        received.path.unlink(missing_ok=True)
        raise BadUserInput("file", f"files of this type ({content_type}) are not accepted")
    attachment_id = store.new_id()
    stored = store.keep(received, attachment_id)
    try:
        async with write(actor) as unit:
            attachment = await Attachment.create(
                id=attachment_id, file_name=name, content_type=content_type, size=received.size,
                sha256=received.sha256, uploaded_by_id=actor.user_id, **{f"{record.value}_id": row.pk},
            )
            await unit.audit("attachment.create", record.value, row.pk, {
                "attachment": [None, attachment_id], "fileName": [None, name], "contentType": [None, content_type],
                "size": [None, received.size]})
            unit.publish(topics.attachments(), AttachmentsChanged(
                record=record.value, record_id=row.pk, id=attachment_id, change="added"))
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return attachment


async def delete_attachment(actor: Actor, raw_id: Any) -> str:
    permissions.require(actor, Action.DELETE_ATTACHMENT)
    async with write(actor) as unit:
        attachment = await visible(actor, raw_id)
        permissions.require(actor, Action.DELETE_ATTACHMENT, attachment)
        record, record_id = attachment.record
        await attachment.delete()
        # A logo or picture chosen from this file goes with it (no foreign key: see models/customers.py).
        await Customer.filter(logo_id=attachment.id).update(logo_id=None)
        await Contact.filter(picture_id=attachment.id).update(picture_id=None)
        await unit.audit("attachment.delete", record.value, record_id, {
            "attachment": [attachment.id, None], "fileName": [attachment.file_name, None]})
        unit.publish(topics.attachments(), AttachmentsChanged(
            record=record.value, record_id=record_id, id=attachment.id, change="deleted"))
        unit.after_commit.append(lambda: store.remove([attachment.id]))
    return attachment.id


async def files_leave_with(unit: Unit, query: Q) -> None:
    """Inside a write deleting records: the files of the attachments the database will cascade away with
    them (`query` selects those attachments) are removed once that write commits."""
    ids = cast(Sequence[str], await Attachment.filter(query).values_list("id", flat=True))
    if ids:
        unit.after_commit.append(lambda: store.remove(list(ids)))


async def image_of(record: AttachmentRecord, record_id: int, raw_id: Any, field: str) -> str | None:
    """An attachment of this record that is an image, for a logo or picture (None clears it)."""
    if raw_id in (None, ""):
        return None
    found = await Attachment.filter(id=str(raw_id), **{f"{record.value}_id": record_id}).first()
    if found is None:
        raise BadUserInput(field, "choose one of this record's attached images")
    if found.content_type not in sniff.IMAGES:
        raise BadUserInput(field, "choose an image (PNG, JPEG, GIF or WebP)")
    return found.id
