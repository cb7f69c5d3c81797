"""attachFile, deleteAttachment and attachmentsChanged: files on customers, contacts, deals and activities.
Records list their files in their own `attachments` field (schema/attachments.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from backend.errors import NotFound
from backend.live import topics
from backend.live.events import AttachmentsChanged
from backend.reads.context import Info
from backend.resolvers.streams import listen, subscriber
from backend.schema.attachments import (
    AttachFileInput,
    AttachmentChangeKind,
    AttachmentRecord,
    AttachmentsChange,
    AttachmentType,
    DeleteAttachmentInput,
)
from backend.schema.common import Deleted
from backend.services import attachments as service


@strawberry.type
class AttachmentMutation:
    @strawberry.mutation(description="Attach a file to a customer, contact, deal or activity (a GraphQL multipart "
                         "request). BAD_USER_INPUT on `file` when it is too large, empty or of a type not accepted")
    async def attach_file(self, info: Info, input: AttachFileInput) -> AttachmentType:
        return AttachmentType.of(await service.attach_file(info.context.actor, input.record_type, input.record_id,
                                                           input.file))  # type: ignore[arg-type]  # Upload is an UploadFile at run time

    @strawberry.mutation(description="Delete an attachment (your own uploads; heads and admins any they see)")
    async def delete_attachment(self, info: Info, input: DeleteAttachmentInput) -> Deleted:
        return Deleted(id=strawberry.ID(await service.delete_attachment(info.context.actor, input.id)))


@strawberry.type
class AttachmentSubscription:
    @strawberry.subscription(description="Files attached to or removed from one record, as committed; ends when "
                             "the record leaves your view")
    async def attachments_changed(self, info: Info, record_type: AttachmentRecord,
                                  record_id: strawberry.ID) -> AsyncGenerator[AttachmentsChange, None]:
        context = info.context
        subscriber(context)
        record, row = await service.visible_record(context.actor, record_type, record_id)
        async with listen(context, topics.attachments()) as events:
            async for event in events:
                change = event.data
                if not isinstance(change, AttachmentsChanged) or (change.record, change.record_id) != (record.value, row.pk):
                    continue
                try:
                    await service.visible_record(context.actor, record, row.pk)
                except NotFound:
                    return  # deleted, or hidden from this subscriber since
                yield AttachmentsChange(kind=AttachmentChangeKind(change.change), attachment_id=strawberry.ID(change.id),
                                        record_type=record, record_id=strawberry.ID(str(row.pk)))
