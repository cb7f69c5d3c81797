"""Subscription events executed once for every subscriber who would get the same answer.

A live stream hands the same event object to every subscriber of an audience (`streams.FanOut`). What
executing a subscription's selection on that object returns depends only on the object, the document
and its variables, and what the subscriber may see (`permissions.view`). Subscribers who share all four
share one execution: with 1,000 pipeline boards open, a deal move is executed once per audience and
document instead of 1,000 times. Each subscriber still gets its own frame, errors and stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable
from typing import Any, cast

from graphql import ExecutionResult, OperationType

from backend import permissions
from backend.interop.strawberry import CoreExecutionContext
from backend.resolvers.streams import FanOut

event_results = FanOut(keep=1024)


class Same:
    """A key part equal only to itself: the event object, held alive while the key is kept so that its
    id cannot be reused by another object."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


class SharedEventExecutor(CoreExecutionContext):
    """Queries, mutations and a subscription's start run as usual; each event of a subscription runs once
    per (event object, document, variables, view), unless that execution had errors: those are the
    subscriber's own (they carry its request id), so every subscriber then executes for itself."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._key_for(self.root_value) if serially is False else None  # events run with serially=False
        if key is None:
            return super().execute_operation(serially)
        shared = _shareable(event_results.done(key))
        return shared if shared is not None else self._shared(key, serially)

    async def _shared(self, key: Hashable, serially: bool | None) -> ExecutionResult:
        computed_here = False

        async def compute() -> ExecutionResult:
            nonlocal computed_here
            computed_here = True
            return await self._own(serially)

        result = await event_results.once(key, compute)
        if result.errors and not computed_here:
            return await self._own(serially)
        return result

    async def _own(self, serially: bool | None) -> ExecutionResult:
        result = super().execute_operation(serially)
        # cast: the schema has no @defer/@stream, so the result is one ExecutionResult, not incremental ones.
        return cast(ExecutionResult, await result if self.is_awaitable(result) else result)

    def build_per_event_executor(self, payload: Any) -> Any:
        # The document, its name and variables are the subscription's: worked out once, not per event.
        if "_operation_key" not in self.__dict__:
            self._operation_key = self._subscription_key()
        key = self._key_for(payload)
        done = _shareable(event_results.done(key)) if key is not None else None
        if done is not None:
            return Executed(done)  # the event's result exists: no copy of this executor to run it again
        return super().build_per_event_executor(payload)

    def _subscription_key(self) -> tuple[Hashable, ...] | None:
        operation = self.operation
        if operation.operation is not OperationType.SUBSCRIPTION or operation.loc is None:
            return None
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=repr)
        name = operation.name.value if operation.name else None
        return (operation.loc.source.body, name, variables)

    def _key_for(self, event: object) -> tuple[Hashable, ...] | None:
        operation_key = self.__dict__.get("_operation_key")
        actor = getattr(self.context_value, "actor", None)
        if operation_key is None or actor is None:
            return None
        return (Same(event), *operation_key, permissions.view(actor))


class Executed:
    """Stands in for a per-event executor when the event's shared result is already there."""

    __slots__ = ("result",)

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return self.result


def _shareable(done: asyncio.Future[ExecutionResult] | None) -> ExecutionResult | None:
    """A finished shared result another subscriber may take as it is (no coroutine, no await)."""
    if done is None or done.exception() is not None or done.result().errors:
        return None
    return done.result()
