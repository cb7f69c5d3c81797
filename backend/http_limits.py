"""What the server accepts at the HTTP door: bodies and websocket messages up to a size, JSON nested
only so deep, whose strings are real Unicode."""

from __future__ import annotations

import json
import logging

import orjson
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.settings import get_settings

MAX_BODY_BYTES = 1_000_000  # an HTTP body, and a websocket message
# ReactPy's client sends every UI event with the clicked element serialised, its subtree and form included:
# a tab click on a customer with a contacts table measured 1.48 MB. The UI's socket gets uvicorn's own cap.
UI_MESSAGE_BYTES = 16 * 1024 * 1024
UI_SOCKET_PREFIX = "/reactpy/"
# A spreadsheet being imported is streamed to disk (backend/web/imports.py), never held in memory.
UPLOAD_BYTES = {"/import/upload": 2 * 1024 * 1024 * 1024}
GRAPHQL_PATH = "/graphql"
MULTIPART_OVERHEAD = 1_000_000  # the operation, the map and the part headers around an attached file
MAX_JSON_DEPTH = 64  # GraphQL variables nest a few input objects; nothing the CRM reads comes near
MESSAGE_TOO_BIG = 1009  # the websocket close codes (RFC 6455)
INVALID_PAYLOAD = 1007

log = logging.getLogger("crm.http")


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = _limit_of(scope.get("path", ""), headers, self.max_bytes)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        started = gone = False

        async def counting_receive() -> Message:
            nonlocal seen, gone
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            gone = gone or message["type"] == "http.disconnect"
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)
        except ClientDisconnect:
            if not gone:
                raise
            # The client left before its request was whole: nobody to answer, and no fault of the server's
            # (Starlette's exception reached uvicorn, which logged it as an error with a traceback).
            log.info("%s %s: the client disconnected before its request was read", scope["method"], scope["path"])

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A message over the limit closes the socket (1009) before the application sees it; the
        application then sees the client gone, and whatever it sends after is dropped."""
        closed = False
        ui = scope.get("path", "").startswith(UI_SOCKET_PREFIX)
        limit = UI_MESSAGE_BYTES if ui else self.max_bytes

        async def close(code: int, reason: str) -> Message:
            nonlocal closed
            closed = True
            await send({"type": "websocket.close", "code": code, "reason": reason})
            return {"type": "websocket.disconnect", "code": code}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            if _message_size(message) > limit:
                return await close(MESSAGE_TOO_BIG, f"message over {limit} bytes")
            if ui and not _is_json_object(message.get("text")):
                # ReactPy parses each message unguarded: anything else would end in a logged traceback.
                return await close(INVALID_PAYLOAD, "the UI sends JSON objects as text")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal closed
            if closed:
                return
            try:
                await send(message)
            except OSError:  # uvicorn's ClientDisconnected: the tab was closed while the UI rendered
                if not ui:
                    raise
                closed = True  # ReactPy would log its render loop's end as a crash, with a traceback

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        upload = limit != self.max_bytes and scope.get("path") == GRAPHQL_PATH
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"Request body over {limit} bytes" + (
                            f" (a file may have {get_settings().attachment_max_bytes} bytes)" if upload else ""),
                        "extensions": {"code": "BAD_USER_INPUT", "field": "file" if upload else "body"},
                    }
                ]
            },
            status_code=413,
        )
        await response(scope, receive, send)


def _limit_of(path: str, headers: dict[bytes, bytes], default: int) -> int:
    """A GraphQL multipart request (attachFile) carries one file: the attachment limit plus room for the
    operation. The service names the file in its answer when the file alone is over (field `file`)."""
    if path == GRAPHQL_PATH and headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
        return get_settings().attachment_max_bytes + MULTIPART_OVERHEAD
    return UPLOAD_BYTES.get(path, default)


def _is_json_object(text: str | None) -> bool:
    try:
        return text is not None and isinstance(orjson.loads(text), dict)  # ReactPy's own parser and its depth limit
    except orjson.JSONDecodeError:
        return False


def _message_size(message: Message) -> int:
    text = message.get("text")
    return len(text.encode("utf-8", "surrogatepass")) if text is not None else len(message.get("bytes") or b"")


def decode_json_text(data: str | bytes) -> object:
    """JSON as the GraphQL endpoint accepts it: nested at most MAX_JSON_DEPTH deep, strings real Unicode.
    A lone surrogate (`"\\ud800"`) is valid JSON but cannot be stored or encoded; deeper nesting than any
    request needs would exhaust the parser's recursion (a RecursionError, answered as a 500). Both are
    refused as bad JSON (JSONDecodeError, a ValueError) whose message says what is wrong."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise _bad_json(f"it is nested deeper than {MAX_JSON_DEPTH} levels", data) from None
    _check_values(value, data)
    return value


def _check_values(value: object, document: str | bytes) -> None:
    """Walks the decoded value without recursion, level by level."""
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise _bad_json(f"it is nested deeper than {MAX_JSON_DEPTH} levels", document)
        below: list[object] = []
        for item in level:
            if isinstance(item, dict):
                below.extend(item.keys())
                below.extend(item.values())
            elif isinstance(item, list):
                below.extend(item)
            elif isinstance(item, str) and not _is_unicode(item):
                raise _bad_json("text contains a lone surrogate, which is not Unicode", document)
        level = below


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_json(problem: str, document: str | bytes) -> json.JSONDecodeError:
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
    return json.JSONDecodeError(problem, text, 0)
