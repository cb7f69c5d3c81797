"""What a UI websocket holds open (live subscriptions, the watch on its sign-in) ends with the websocket.

ReactPy stops a component's effects only when its layout unmounts cleanly. An unmount that raises (seen:
ReactPy 2.0.0b13's KeyError in Layout._unmount_model_states when a page closed mid-render) skipped the
rest of the tree, and every live subscription below stayed registered with the hub for the life of the
process. So each UI websocket gets its own set of tasks (`SocketTasks`, put in its ASGI scope by
`UiSockets`), long-lived work runs there, and the socket's end cancels it all and waits until it has
unwound, whatever ReactPy's unmount does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

from reactpy import config, use_scope
from starlette.types import ASGIApp, Receive, Scope, Send

T = TypeVar("T")
SCOPE_KEY = "crm.ui.socket"


class SocketTasks:
    """The tasks of one UI websocket."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`'s result; it ends when its caller is cancelled (the component unmounted) or when the
        websocket closes, whichever comes first (then CancelledError)."""
        if self.closed:
            work.close()
            raise asyncio.CancelledError
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await task  # cancelling the caller cancels the task it awaits

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        self.closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def socket_tasks(scope: dict[str, Any]) -> SocketTasks:
    """The tasks of the websocket a component is rendered for. Outside UiSockets (a layout rendered
    without a server) a set of its own, which ends only with the component as before."""
    found = scope.get(SCOPE_KEY)
    return found if isinstance(found, SocketTasks) else SocketTasks()


def use_socket_tasks() -> SocketTasks:
    # cast: reactpy types the scope as asgiref's TypedDicts; it is the mapping UiSockets built.
    return socket_tasks(cast(dict[str, Any], use_scope()))


class UiSockets:
    """ASGI wrapper around ReactPy's middleware: gives each UI websocket its SocketTasks and ends them when
    the socket's handler returns (the client went away, or the server is stopping)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope["path"].startswith(config.REACTPY_PATH_PREFIX.current):
            await self.app(scope, receive, send)
            return
        tasks = SocketTasks()
        try:
            await self.app({**scope, SCOPE_KEY: tasks}, receive, send)
        finally:
            await tasks.close()
