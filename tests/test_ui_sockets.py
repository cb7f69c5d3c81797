"""A UI websocket's live subscriptions end with the websocket (frontend/sockets.py), also when ReactPy's
unmount raises on the way (ReactPy 2.0.0b13 raised KeyError in Layout._unmount_model_states when a page
closed mid-render, and every subscription below stayed registered); and what made it raise."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from reactpy import component, html, use_scope, use_state
from reactpy.config import REACTPY_ASYNC_RENDERING
from reactpy.core.layout import Layout
from reactpy.executors.asgi import ReactPyMiddleware
from reactpy.types import Component, VdomDict
from starlette.types import Message

from backend.live import topics
from backend.live.broadcast import hub
from backend.models import Role
from frontend.session import Session, SessionContext, use_live
from frontend.sockets import UiSockets
from tests.factories import make_user
from tests.test_frontend_session import ui_actor

ACTOR_KEY = "crm.test.actor"  # the test hands the signed-in actor to the root through the socket's scope
DEAL_CHANGED = "subscription { dealChanged { kind dealId } }"


@component
def Following() -> VdomDict:
    use_live(DEAL_CHANGED, None, lambda event: None)
    return html.p("following deals")


@component
def LiveRoot() -> Component:
    actor = use_scope()[ACTOR_KEY]  # type: ignore[literal-required]  # the test's own key in the socket's scope
    session = Session(actor=actor, me={"allowedActions": []}, signed_out=lambda: None)
    return SessionContext(Following(), value=session)


class Socket:
    """One UI websocket driven by hand through the ASGI app."""

    def __init__(self, app: Any, actor: Any) -> None:
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        scope = {"type": "websocket", "path": "/reactpy/tests.test_ui_sockets.LiveRoot/", "query_string": b"path=%2F",
                 "headers": [], "subprotocols": [], ACTOR_KEY: actor}
        self.served = asyncio.ensure_future(app(scope, self.incoming.get, self._sent))

    async def _sent(self, message: Message) -> None:
        pass  # what the layout sends is not what this test is about

    async def close(self) -> None:
        self.incoming.put_nowait({"type": "websocket.disconnect", "code": 1001})
        await asyncio.wait_for(self.served, 10)


@pytest.fixture
async def app() -> AsyncIterator[Any]:
    yield UiSockets(ReactPyMiddleware(lambda *args: None, ["tests.test_ui_sockets.LiveRoot"]))


async def test_a_closed_ui_socket_leaves_no_subscriber(db, app):
    socket = Socket(app, await ui_actor(await make_user(Role.ADMIN)))
    await asyncio.wait_for(hub.wait_for_subscribers(topics.deals()), 10)
    await socket.close()
    assert hub.subscriber_count(topics.deals()) == 0


async def test_a_ui_socket_whose_layout_fails_to_unmount_still_leaves_no_subscriber(db, app, monkeypatch):
    async def failing_unmount(self: Layout, states: list[Any]) -> None:
        raise KeyError("lifecycle state already unmounted")  # what ReactPy raised: no effect below is stopped

    monkeypatch.setattr(Layout, "_unmount_model_states", failing_unmount)
    socket = Socket(app, await ui_actor(await make_user(Role.ADMIN)))
    await asyncio.wait_for(hub.wait_for_subscribers(topics.deals()), 10)
    await socket.close()
    assert hub.subscriber_count(topics.deals()) == 0


ROWS: dict[str, Any] = {}


@component
def Row(text: str) -> VdomDict:
    return html.li(text)


@component
def Rows(keyed_by_value: bool) -> VdomDict:
    generation, set_generation = use_state(0)
    ROWS["next"] = lambda: set_generation(generation + 1)
    return html.ul(*(Row(f"{generation}-{i}", key=f"{generation}-{i}" if keyed_by_value else f"row-{i}")
                     for i in range(5)))


@component
def RowsPage(keyed_by_value: bool) -> VdomDict:
    return html.div(Rows(keyed_by_value))


async def _close_mid_render(keyed_by_value: bool, steps: int) -> None:
    """Open a layout, change what its rows show, and close it `steps` scheduler turns into that render, as a
    closing socket does: its render loop cancelled wherever it was, then the layout closed."""
    async with Layout(RowsPage(keyed_by_value)) as layout:
        await layout.render()
        ROWS["next"]()
        rendering = asyncio.ensure_future(layout.render())
        for _ in range(steps):
            await asyncio.sleep(0)  # lets the render run up to one of its own awaits: a page closing there
        rendering.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await rendering


@pytest.mark.parametrize("keyed_by_value", [True, False])
@pytest.mark.parametrize("concurrent", [True, False])
async def test_a_page_closed_while_rows_render_unmounts_cleanly_only_when_rows_keep_their_keys(keyed_by_value, concurrent):
    """Rows keyed by what they show are unmounted and mounted again on every change; ReactPy 2.0.0b13 unmounts
    the old ones first, and a page closed before the render ends unmounts them a second time: KeyError, the
    rest of the page is never unmounted. So with its concurrent renderer (its default) and with the serial
    one the app installs (frontend/serial_render.py), where the render is cut off by the closing socket's
    cancelled render loop. Admin stage rows are therefore keyed by stage (components/admin/pipelines.py).
    Should ReactPy stop raising, the first case fails here, and the rule can go."""
    raised = []
    was = REACTPY_ASYNC_RENDERING.current
    REACTPY_ASYNC_RENDERING.current = concurrent
    try:
        for steps in range(12):
            try:
                await _close_mid_render(keyed_by_value, steps)
            except KeyError:
                raised.append(steps)
    finally:
        REACTPY_ASYNC_RENDERING.current = was
    assert bool(raised) == keyed_by_value, raised
