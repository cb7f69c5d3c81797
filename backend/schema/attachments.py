"""Files attached to records as the API shows them, the inputs of attachFile and deleteAttachment, and the
attachmentsChanged event."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload

from backend import permissions
from backend.auth.actor import Actor
from backend.files.sniff import IMAGES, PREVIEWABLE
from backend.models import Attachment
from backend.models import AttachmentRecord as AttachmentRecordModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.schema.common import BigInt
from backend.schema.rows import Shows
from backend.schema.users import UserType

AttachmentRecord = AttachmentRecordModel
strawberry.enum(AttachmentRecord, name="AttachmentRecord",
                description="The kinds of record files are attached to")


@strawberry.type(name="Attachment", description="A file attached to a record; its bytes are served at `url` to "
                 "those who may see the record")
class AttachmentType(Shows[Attachment]):
    id: strawberry.ID = strawberry.field(description="Random id (also the file's address)")
    file_name: str = strawberry.field(description="The file's name as uploaded, cleaned of folders and odd characters")
    content_type: str = strawberry.field(description="What the bytes are (read from them, not from the uploader)")
    size: BigInt = strawberry.field(description="Bytes")
    created_at: datetime = strawberry.field(description="Uploaded at")

    @strawberry.field(description="Download address (signed-in; sent as an attachment, never shown inline)",
                      metadata=reads("id"))
    @staticmethod
    def url(row: strawberry.Parent[Attachment]) -> str:
        return f"/files/{row.id}"

    @strawberry.field(description="Inline preview address for images and PDFs; null for other files",
                      metadata=reads("id", "content_type"))
    @staticmethod
    def preview_url(row: strawberry.Parent[Attachment]) -> str | None:
        return f"/files/{row.id}/preview" if row.content_type in PREVIEWABLE else None

    @strawberry.field(description="Whether it is an image (PNG, JPEG, GIF, WebP): a logo or picture may be one",
                      metadata=reads("content_type"))
    @staticmethod
    def is_image(row: strawberry.Parent[Attachment]) -> bool:
        return row.content_type in IMAGES

    @strawberry.field(description="Who uploaded it", metadata=reads("uploaded_by_id"))
    @staticmethod
    async def uploaded_by(row: strawberry.Parent[Attachment], info: Info) -> UserType | None:
        user_id = row.uploaded_by_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None

    @strawberry.field(description="What you may do with it (deleteAttachment)", metadata=reads("uploaded_by_id"))
    @staticmethod
    def allowed_actions(row: strawberry.Parent[Attachment], info: Info) -> list[str]:
        return row_actions(info.context.actor, row)


def row_actions(actor: Actor, attachment: Attachment) -> list[str]:
    """What `actor` may do with this (visible) file: deleteAttachment, or nothing."""
    action = permissions.Action.DELETE_ATTACHMENT
    return [action.value] if permissions.may(actor, action, attachment) else []


async def attachments_of(info: Info, record: AttachmentRecord, record_id: int) -> list[AttachmentType]:
    """The `attachments` field of a record's type: one statement for a whole page of records."""
    return AttachmentType.of_all(await info.context.loaders.attachments_of(record).load(record_id))


@strawberry.input(description="A file to attach: send the request as a GraphQL multipart request "
                  "(graphql-multipart-request-spec) with the file in `file`")
class AttachFileInput:
    record_type: AttachmentRecord = strawberry.field(description="What kind of record")
    record_id: strawberry.ID = strawberry.field(description="Which record")
    file: Upload = strawberry.field(description="The file (size limit CRM_ATTACHMENT_MAX_BYTES, types "
                                    "CRM_ATTACHMENT_TYPES; the type is read from the bytes)")


@strawberry.input(description="An attachment to delete (its file is removed once the deletion commits)")
class DeleteAttachmentInput:
    id: strawberry.ID = strawberry.field(description="Attachment id")


@strawberry.enum(description="What happened to a record's files")
class AttachmentChangeKind(Enum):
    ADDED = "added"
    DELETED = "deleted"


@strawberry.type(description="A file attached to or removed from the record you follow: read its attachments again")
class AttachmentsChange:
    kind: AttachmentChangeKind = strawberry.field(description="Added or deleted")
    attachment_id: strawberry.ID = strawberry.field(description="The attachment")
    record_type: AttachmentRecord = strawberry.field(description="The record's kind")
    record_id: strawberry.ID = strawberry.field(description="The record")
