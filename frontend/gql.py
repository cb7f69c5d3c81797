"""The UI's only door to data: GraphQL documents run in-process against the API's schema.

The UI holds no data access of its own: it sends the same documents an API client would, as the
signed-in user, so permissions, validation, audit and events are exactly those of the API.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from backend.auth.actor import Actor
from backend.auth.liveness import ENDED, recheck
from backend.graphql.root import schema
from backend.reads.context import Context

log = logging.getLogger("crm.ui")


@dataclass
class GqlError(Exception):
    """A GraphQL error as the UI shows it: plain message, contract code, and the input field if any."""

    message: str
    code: str = "INTERNAL"
    field: str | None = None
    extensions: dict[str, Any] = default(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_graphql(cls, error: GraphQLError) -> GqlError:
        ext = dict(error.extensions or {})
        field_name = ext.get("field")
        message = error.message
        # BadUserInput prefixes the field ("email: is not valid"); next to the field the name is noise.
        if field_name and message.startswith(f"{field_name}: "):
            message = message[len(field_name) + 2 :]
        return cls(message=message, code=str(ext.get("code", "INTERNAL")), field=field_name, extensions=ext)


async def _context(actor: Actor, subscribed: Callable[[], None] | None = None) -> Context:
    """The UI's websocket was opened long ago: each operation re-checks its user's sign-in, so a signed-out,
    deactivated or demoted user's open page acts with no rights they lost (auth/liveness.py)."""
    now, reason = await recheck(actor)
    if now is None or reason is not None:
        raise GqlError(reason or ENDED, code="UNAUTHENTICATED")
    return Context(actor=now, request_id=uuid.uuid4().hex[:16], subscribed=subscribed)


async def execute(actor: Actor, document: str, **variables: Any) -> dict[str, Any]:
    """Run a query or mutation; the data, or GqlError for the first error."""
    result = await schema.execute(document, variable_values=variables, context_value=await _context(actor))
    if result.errors:
        raise GqlError.from_graphql(result.errors[0])
    return result.data or {}


async def subscribe(actor: Actor, document: str, *, subscribed: Callable[[], None] | None = None,
                    **variables: Any) -> AsyncIterator[dict[str, Any]]:
    """Each event of a subscription, as data; GqlError when it cannot start or fails. `subscribed` is
    called once the server registered the subscription (before any event)."""
    context = await _context(actor, subscribed)
    stream = await schema.subscribe(document, variable_values=variables, context_value=context)
    if isinstance(stream, ExecutionResult):  # it could not start: a result with its errors
        raise GqlError.from_graphql((stream.errors or [])[0])
    try:
        async for result in stream:
            if result.errors:
                raise GqlError.from_graphql(result.errors[0])
            yield result.data or {}
    finally:
        await stream.aclose()


# The server ended a working stream (the subscriber fell behind, or events may have been missed while
# Redis failed), or something unexpected broke it: subscribing again is the remedy.
RETRYABLE = ("STREAM_CLOSED", "INTERNAL")
FIRST_RETRY, MAX_RETRY = 0.5, 10.0  # seconds between attempts, doubling while the stream keeps ending


async def follow(actor: Actor, document: str, variables: dict[str, Any],
                 on_event: Callable[[dict[str, Any]], None], on_resubscribed: Callable[[], None]) -> GqlError:
    """Follow a subscription for as long as it can be followed; the error that ends it for good.

    When the server ends the stream, subscribe again with backoff, and once the new subscription is
    registered call `on_resubscribed` so the caller refetches what it may have missed: refetching
    before that could miss an event published in between, and refetching only on the next event
    would leave the screen stale until then.
    """
    delay, resubscribed = FIRST_RETRY, None
    while True:
        try:
            async for data in subscribe(actor, document, subscribed=resubscribed, **variables):
                delay = FIRST_RETRY
                on_event(data)
        except GqlError as error:
            if error.code not in RETRYABLE:
                return error
            log.info("live updates interrupted (%s); subscribing again in %.1f s", error.message, delay)
        await asyncio.sleep(delay)  # backoff while the broadcast is still down, not a synchronisation
        delay, resubscribed = min(delay * 2, MAX_RETRY), on_resubscribed
