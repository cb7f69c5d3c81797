"""What the server accepts at the HTTP door: bodies up to a size, JSON whose strings are real Unicode."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_000_000


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"errors": [{"message": f"Request body over {self.max_bytes} bytes", "extensions": {"code": "BAD_USER_INPUT", "field": "body"}}]},
            status_code=413,
        )
        await response(scope, receive, send)


def decode_json_text(data: str | bytes) -> object:
    """JSON as the GraphQL endpoint accepts it: strings must be real Unicode. A lone surrogate
    (`"\\ud800"`) is valid JSON but cannot be stored or encoded, so it is refused as bad JSON up front."""
    value = json.loads(data)
    _check_unicode(value, data)
    return value


def _check_unicode(value: object, document: str | bytes) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
            raise json.JSONDecodeError("text contains a lone surrogate, which is not Unicode", text, 0) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_unicode(key, document)
            _check_unicode(item, document)
    elif isinstance(value, list):
        for item in value:
            _check_unicode(item, document)
