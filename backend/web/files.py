"""/files/{id} and /files/{id}/preview: attachments' bytes, for those who may see the record they are on.

Every request authenticates (session cookie or API token) and asks the row rules again: an id that is not
visible is 404 whether it exists or not. Downloads are always `Content-Disposition: attachment` with a
sandboxing CSP; only images and PDFs (as sniffed when they were stored) are ever shown inline.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from backend.errors import CrmError
from backend.files import store
from backend.files.sniff import PREVIEWABLE
from backend.security_headers import attachment_download, attachment_preview
from backend.services import attachments
from backend.web.requests import authenticate


def _disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback and the real name in UTF-8, so no quote or byte of the name can break out."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _serve(request: Request, *, preview: bool) -> Response:
    actor = await authenticate(request, via="ui")
    if not actor.signed_in:
        return JSONResponse({"error": "Sign in, or send a valid API token", "code": "UNAUTHENTICATED"}, status_code=401)
    try:
        attachment = await attachments.visible(actor, request.path_params["id"])
    except CrmError as error:
        code = (error.extensions or {}).get("code", "NOT_FOUND")
        status = 403 if code == "FORBIDDEN" else 404
        return JSONResponse({"error": "no such file", "code": code}, status_code=status)
    path = store.path_of(attachment.id)
    if not path.is_file():
        return JSONResponse({"error": "the file is missing from storage", "code": "NOT_FOUND"}, status_code=404)
    if preview and attachment.content_type not in PREVIEWABLE:
        return JSONResponse({"error": "only images and PDFs have a preview", "code": "NOT_FOUND"}, status_code=404)
    pdf = attachment.content_type == "application/pdf"
    headers = attachment_preview(pdf=pdf) if preview else attachment_download()
    headers["Content-Disposition"] = _disposition("inline" if preview else "attachment", attachment.file_name)
    media = attachment.content_type + ("; charset=utf-8" if attachment.content_type == "text/plain" else "")
    return FileResponse(path, media_type=media, headers=headers)


async def download(request: Request) -> Response:
    return await _serve(request, preview=False)


async def preview(request: Request) -> Response:
    return await _serve(request, preview=True)


def file_routes() -> list[BaseRoute]:
    return [
        Route("/files/{id}", download, methods=["GET"]),
        Route("/files/{id}/preview", preview, methods=["GET"]),
    ]
