"""The UI's only door to data: GraphQL documents run in-process against the API's schema.

The UI holds no data access of its own: it sends the same documents an API client would, as the
signed-in user, so permissions, validation, audit and events are exactly those of the API.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from graphql import GraphQLError

from backend.auth.actor import Actor
from backend.auth.liveness import ENDED, recheck
from backend.schema.context import Context
from backend.schema.root import schema


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


async def _context(actor: Actor) -> Context:
    """The UI's websocket was opened long ago: each operation re-checks its user's sign-in, so a signed-out,
    deactivated or demoted user's open page acts with no rights they lost (auth/liveness.py)."""
    now, reason = await recheck(actor)
    if now is None or reason is not None:
        raise GqlError(reason or ENDED, code="UNAUTHENTICATED")
    return Context(actor=now, request_id=uuid.uuid4().hex[:16])


async def execute(actor: Actor, document: str, **variables: Any) -> dict[str, Any]:
    """Run a query or mutation; the data, or GqlError for the first error."""
    result = await schema.execute(document, variable_values=variables, context_value=await _context(actor))
    if result.errors:
        raise GqlError.from_graphql(result.errors[0])
    return result.data or {}


async def subscribe(actor: Actor, document: str, **variables: Any) -> AsyncIterator[dict[str, Any]]:
    """Each event of a subscription, as data; GqlError when it cannot start or fails."""
    stream = await schema.subscribe(document, variable_values=variables, context_value=await _context(actor))
    if not hasattr(stream, "__aiter__"):
        raise GqlError.from_graphql(stream.errors[0])  # type: ignore[union-attr]
    try:
        async for result in stream:  # type: ignore[union-attr]
            if result.errors:
                raise GqlError.from_graphql(result.errors[0])
            yield result.data or {}
    finally:
        await stream.aclose()  # type: ignore[union-attr]
