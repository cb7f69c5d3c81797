"""graphql-transport-ws for a caller whose rights may end while the socket is open (auth/liveness.py).

Each `subscribe` message (query, mutation or subscription) re-checks the caller first; the process's
periodic re-check watches the socket in between. When the caller's sign-in ended or their role or team
changed, every operation of the socket is cancelled and the socket closed with 4403 (graphql-ws's
Forbidden): a client whose credentials still hold reconnects and acts with its new rights.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage

from backend.auth.liveness import Watch, credential, recheck, watcher
from backend.errors import Unauthenticated
from backend.reads.context import Context

FORBIDDEN = 4403
MAX_CLOSE_REASON = 123  # bytes a websocket close frame has room for


class RecheckingTransportWS(BaseGraphQLTransportWSHandler[Context, Any]):
    watch: Watch | None = None
    closing: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self.watch is not None:
                watcher.discard(self.watch)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)  # on_ws_connect may switch to the token's actor
        if self.connection_acknowledged and self.watch is None and credential(self.context.actor) is not None:
            self.watch = watcher.add(self.context.actor, self._rights_ended)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.closing is not None:
            return  # closed for lost rights: nothing more runs on this socket
        if self.watch is not None and self.connection_acknowledged:
            now, reason = await recheck(self.watch.actor)
            if reason is not None:
                error = Unauthenticated(reason).formatted
                await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
                self._rights_ended(reason)
                return
            if now is not None and now != self.context.actor:  # a renamed user; or a stream's false alarm undone
                self.context.switch_actor(now)
        await super().handle_subscribe(message)

    def _rights_ended(self, reason: str) -> None:
        if self.closing is None:
            self.closing = asyncio.create_task(self._close(reason), name="crm-ws-rights-ended")

    async def _close(self, reason: str) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with suppress(RuntimeError):  # the client left already
            await self.websocket.close(FORBIDDEN, reason.encode()[:MAX_CLOSE_REASON].decode(errors="ignore"))
