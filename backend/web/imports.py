"""The import's HTTP side: uploading a file (cookie or token auth, origin-checked, with the form's token),
the error report and the templates to download. Everything else about imports goes through GraphQL."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from backend.auth.actor import Actor
from backend.errors import CrmError
from backend.models import ImportEntity
from backend.services import imports
from backend.services.import_fields import template_columns
from backend.services.import_files import csv_line, csv_text
from backend.settings import get_settings
from backend.web.requests import authenticate

TOKEN_MAX_AGE = 12 * 3600
SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="crm-import-upload")


def upload_token(actor: Actor) -> str:
    """The upload form's token, bound to the signed-in session: another site cannot post a file as them."""
    return _signer().dumps(actor.session_id or "")


def _token_ok(actor: Actor, token: object) -> bool:
    if actor.session_id is None:
        return True  # API tokens are not cookies: no other site can send them
    try:
        return isinstance(token, str) and _signer().loads(token, max_age=TOKEN_MAX_AGE) == actor.session_id
    except BadSignature:
        return False


def _answer(request: Request, status: int, body: dict[str, object], redirect: str) -> Response:
    """A browser's form gets the /import page back; API clients get JSON."""
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(redirect, status_code=303)
    return JSONResponse(body, status_code=status)


async def upload(request: Request) -> Response:
    actor = await authenticate(request, via="ui")
    if not actor.signed_in:
        return JSONResponse({"error": "Sign in, or send a valid API token", "code": "UNAUTHENTICATED"}, status_code=401)
    form = await request.form(max_files=1, max_fields=10)
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return _answer(request, 400, {"error": "choose a file", "field": "file"}, "/import?error=file")
        if not _token_ok(actor, form.get("csrf")):
            return JSONResponse({"error": "the form expired: reload the page", "code": "FORBIDDEN"}, status_code=403)
        suffix = Path(file.filename).suffix.lower()
        stored = imports.upload_dir() / f"{uuid.uuid4().hex}{suffix if suffix in SUFFIXES else '.csv'}"
        with stored.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1024 * 1024)
        try:
            job = await imports.create_job(actor, form.get("entity") or "customers", file.filename, stored)
        except CrmError as error:
            stored.unlink(missing_ok=True)
            body = {"error": error.message, **(error.extensions or {})}
            status = 403 if body.get("code") == "FORBIDDEN" else 400
            return _answer(request, status, body, "/import?error=" + str(body.get("field") or "file"))
    finally:
        await form.close()
    return _answer(request, 201, {"id": str(job.id), "columns": job.columns}, f"/import?job={job.id}")


async def problems_csv(request: Request) -> Response:
    actor = await authenticate(request, via="ui")
    try:
        job = await imports.visible_job(actor, request.path_params["id"])
    except CrmError:
        return JSONResponse({"error": "no such import"}, status_code=404)
    header, rows = await imports.problems_report(job)

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + csv_line(header)  # the BOM: Excel then reads it as UTF-8
        async for row in rows:
            yield csv_line(row)

    name = Path(job.file_name).stem + "-problems.csv"
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def template_csv(request: Request) -> Response:
    try:
        entity = ImportEntity(request.path_params["entity"])
    except ValueError:
        return JSONResponse({"error": "no such entity"}, status_code=404)
    header, example = await template_columns(entity)
    return Response(csv_text(header, [example]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{entity.value}-template.csv"'})


def import_routes() -> list[BaseRoute]:
    return [
        Route("/import/upload", upload, methods=["POST"]),
        Route("/import/{id:int}/problems.csv", problems_csv, methods=["GET"]),
        Route("/import/template/{entity}.csv", template_csv, methods=["GET"]),
    ]
