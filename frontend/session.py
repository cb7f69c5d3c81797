"""The signed-in user behind the UI's websocket, and hooks that load and follow data as that user."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, cast
from urllib.parse import unquote

from reactpy import create_context, use_async_effect, use_context, use_state
from starlette.requests import HTTPConnection

from backend.auth.actor import Actor
from backend.auth.liveness import watcher
from backend.web.requests import authenticate
from frontend import format as fmt
from frontend import gql
from frontend.sockets import use_socket_tasks

log = logging.getLogger("crm.ui")

ME_QUERY = "query Me { me { id name email role allowedActions team { id name } } }"


@dataclass(frozen=True)
class Session:
    actor: Actor
    me: dict[str, Any]
    signed_out: Callable[[], None]
    zone: tzinfo = UTC  # the browser's time zone (zone_of)

    def can(self, action: str) -> bool:
        return action in self.me["allowedActions"]


# No default: Root provides the session around every screen, so a screen always finds one.
SessionContext = create_context(cast(Session, None))


ZONE_COOKIE = "crm_tz"  # the browser's IANA time zone name, written by the page shell (shell.py)


def zone_of(scope: dict[str, Any]) -> tzinfo:
    """The time zone the browser of this websocket said it is in; UTC if it said none we know."""
    return fmt.zone_named(unquote(HTTPConnection(scope).cookies.get(ZONE_COOKIE, "")))


def use_session() -> Session:
    session = use_context(SessionContext)
    if session is not None:
        fmt.use_zone(session.zone)  # every screen asks for the session before it shows a moment
    return session


async def actor_of(scope: dict[str, Any]) -> Actor:
    """The user of the websocket's cookies (the same session the HTML page was served for)."""
    return await authenticate(HTTPConnection(scope), via="ui")


async def until_access_changes(actor: Actor) -> str:
    """Waits while the signed-in actor's rights hold; returns why they ended or changed (sign-out, expiry,
    deactivation, another role or team), found by the process's periodic re-check of open connections."""
    ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def end(reason: str) -> None:
        if not ended.done():
            ended.set_result(reason)

    watch = watcher.add(actor, end)
    try:
        return await ended
    finally:
        watcher.discard(watch)


@dataclass(frozen=True)
class Query:
    data: dict[str, Any] | None
    error: gql.GqlError | None
    loading: bool
    reload: Callable[[], None]


def _key(variables: dict[str, Any] | None) -> str:
    return json.dumps(variables or {}, sort_keys=True, default=str)


def use_query(document: str, variables: dict[str, Any] | None = None, skip: bool = False, refresh: int = 0) -> Query:
    """Run a query as the signed-in user; runs again when the variables or `refresh` change, or on reload()."""
    session = use_session()
    key = _key(variables)
    # (variables the data is for, data, error, still loading)
    result, set_result = use_state(
        cast(tuple[str | None, dict[str, Any] | None, gql.GqlError | None, bool], (None, None, None, True))
    )
    generation, set_generation = use_state(0)

    @use_async_effect(dependencies=[key, generation, skip, refresh])
    async def load() -> None:
        if skip:
            return
        set_result(lambda old: (old[0], old[1], old[2], True))
        try:
            data = await gql.execute(session.actor, document, **(variables or {}))
        except gql.GqlError as error:
            if error.code == "UNAUTHENTICATED":
                session.signed_out()
            set_result((key, None, error, False))
            return
        set_result((key, data, None, False))

    loaded_for, data, error, loading = result
    # Data for other variables is still shown (no flicker), but counts as loading until the new answer.
    busy = (loading or loaded_for != key) and not skip
    return Query(data, error, busy, lambda: set_generation(lambda g: g + 1))


def use_live(document: str, variables: dict[str, Any] | None, on_event: Callable[[dict[str, Any]], None]) -> None:
    """Follow a subscription while the component is shown; subscribes again when the server ended the
    stream (gql.follow). The subscription runs with the websocket's tasks (sockets.py): it ends when the
    component unmounts, and when the websocket closes even if ReactPy's unmount does not get this far.

    `on_event` must be stable for the component's life (a state setter, or a reload()); once a new
    subscription is registered it is called with {} so the screen refetches what it may have missed.
    """
    session = use_session()
    socket = use_socket_tasks()

    @use_async_effect(dependencies=[_key(variables)])
    async def listen() -> None:
        error = await socket.run(gql.follow(session.actor, document, variables or {}, on_event, lambda: on_event({})))
        if error.code == "UNAUTHENTICATED":
            session.signed_out()
        else:
            log.warning("live updates unavailable: %s", error.message)
