"""The Files panel of customers, contacts and deals: drop files or pick them, see them with their size, type,
uploader and date (images as thumbnails), preview images and PDFs, download, delete after a confirmation.

The files travel from the browser straight to /graphql as multipart requests (static/attach.js): the UI's
websocket carries events, not bytes. The list follows attachmentsChanged, so a file someone else attaches
appears without a reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.reactjs import component_from_file
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import awaiting, cell, empty, error_banner, pending
from frontend.gql import GqlError
from frontend.session import use_live, use_query, use_session

Uploader = component_from_file(
    Path(__file__).parent.parent / "static" / "attach.js", "Uploader", name="crm-attach", allow_children=False
)

FILE_FIELDS = "id fileName contentType size createdAt url previewUrl isImage allowedActions uploadedBy { name }"
ROOT_FIELDS = {"CUSTOMER": "customer", "CONTACT": "contact", "DEAL": "deal", "ACTIVITY": "activity", "TICKET": "ticket"}
CHANGED = """subscription AttachmentsChanged($type: AttachmentRecord!, $id: ID!) {
  attachmentsChanged(recordType: $type, recordId: $id) { kind attachmentId } }"""
DELETE = "mutation DeleteAttachment($input: DeleteAttachmentInput!) { deleteAttachment(input: $input) { id } }"
KINDS = {"application/pdf": "PDF", "text/plain": "Text", "application/x-ole-storage": "Office"}


def files_query(record_type: str) -> str:
    root = ROOT_FIELDS[record_type]
    return f"query Files($id: ID!) {{ {root}(id: $id) {{ id attachments {{ {FILE_FIELDS} }} }} }}"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def kind_text(content_type: str) -> str:
    if content_type in KINDS:
        return KINDS[content_type]
    if content_type.startswith("image/"):
        return content_type.split("/", 1)[1].upper()
    if "wordprocessing" in content_type or content_type.endswith(".text"):
        return "Document"
    if "spreadsheet" in content_type:
        return "Spreadsheet"
    if "presentation" in content_type:
        return "Slides"
    return "File"


def thumbnail(item: dict[str, Any]) -> VdomDict:
    if item["isImage"]:
        return html.img({"className": "file-thumb", "src": item["previewUrl"], "alt": "", "loading": "lazy"})
    return html.span({"className": "file-thumb file-icon", "aria-hidden": "true"}, kind_text(item["contentType"])[:4])


@component
def AttachmentsPanel(record_type: str, record_id: str, can_attach: bool) -> VdomDict:
    session = use_session()
    result = use_query(files_query(record_type), {"id": record_id})
    use_live(CHANGED, {"type": record_type, "id": record_id}, lambda _: result.reload())
    problems, set_problems = use_state(cast(list[str], []))
    confirming, set_confirming = use_state(cast(str | None, None))
    failure, set_failure = use_state(cast(GqlError | None, None))

    def uploaded(event: dict[str, Any]) -> None:
        if event.get("ok"):
            set_problems(lambda old: [p for p in old if not p.startswith(f"{event.get('name')} was not attached")])
            result.reload()
        else:
            reason = str(event.get("message") or "").removeprefix("file: ")
            set_problems(lambda old: [*old[-4:], f"{event.get('name')} was not attached: {reason}"])

    async def delete(item: dict[str, Any]) -> None:
        try:
            await gql.execute(session.actor, DELETE, input={"id": item["id"]})
        except GqlError as error:
            set_failure(error)
            return
        set_confirming(None)
        set_failure(None)
        result.reload()

    files = ((result.data or {}).get(ROOT_FIELDS[record_type]) or {}).get("attachments")

    def actions(item: dict[str, Any]) -> list[Any]:
        if confirming == item["id"]:
            return [html.span({"className": "subtle", "key": "q"}, "Delete this file? "),
                    html.button({"className": "btn btn-small btn-danger", "type": "button", "key": "yes",
                                 "onClick": awaiting(delete, item)}, "Delete"),
                    html.button({"className": "btn btn-small btn-ghost", "type": "button", "key": "no",
                                 "onClick": lambda e: set_confirming(None)}, "Keep")]
        shown = [html.a({"className": "btn btn-small", "href": item["url"], "download": item["fileName"], "key": "dl"},
                        "Download")]
        if item["previewUrl"]:
            shown.append(html.a({"className": "btn btn-small btn-ghost", "href": item["previewUrl"], "key": "pv",
                                 "target": "_blank", "rel": "noopener"}, "Preview"))
        if "deleteAttachment" in item["allowedActions"]:
            shown.append(html.button({"className": "btn btn-small btn-ghost", "type": "button", "key": "del",
                                      "aria-label": f"Delete {item['fileName']}",
                                      "onClick": lambda e, i=item["id"]: set_confirming(i)}, "Delete"))
        return shown

    if files is None:
        body = pending(result, "Loading files…")
    elif not files:
        body = empty("No files yet.", "Contracts, offers, photos: drop them here to keep them with the record."
                     if can_attach else "Nothing has been attached here.")
    else:
        body = html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards files", "aria-label": "Files"},
            html.thead(html.tr(html.th(""), html.th("Name"), html.th("Type"), html.th("Size"), html.th("Uploaded by"),
                               html.th("Date"), html.th(""))),
            html.tbody(*(
                html.tr(
                    {"key": item["id"]},
                    cell("", thumbnail(item), className="file-thumb-cell"),
                    cell("Name", html.a({"href": item["url"], "download": item["fileName"], "className": "row-link"},
                                        item["fileName"])),
                    cell("Type", kind_text(item["contentType"])),
                    cell("Size", size_text(item["size"])),
                    cell("Uploaded by", (item["uploadedBy"] or {}).get("name", "—")),
                    cell("Date", fmt.day(item["createdAt"])),
                    cell("", *actions(item), className="cell-actions"),
                )
                for item in files
            )),
        ))
    return html.section(
        {"className": "attachments", "aria-label": "Files"},
        Uploader({"recordType": record_type, "recordId": record_id, "onDone": uploaded}) if can_attach else None,
        *(html.p({"className": "notice notice-error", "role": "alert", "key": p}, p) for p in problems),
        error_banner(failure),
        body,
    )
