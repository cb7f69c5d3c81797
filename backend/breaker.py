"""A circuit breaker for Redis: after one failure, callers stop waiting for it until a probe says it is back.

Without it a frozen Redis costs every caller a full timeout (2 s per public page, 9 s for a publishing
mutation, measured). Closed: calls go to Redis. A failure or timeout opens it: callers fall back at
once (the rate limit counts in memory, the hub drops the event and ends the streams that needed it),
while one background task probes after a growing cool-down (half-open). A probe that succeeds closes
it; one that fails opens it again for a longer cool-down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("crm.breaker")

FIRST_COOLDOWN = 0.1  # seconds before the first probe: a blip costs callers almost nothing
MAX_COOLDOWN = 5.0  # between probes while Redis stays away

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class Breaker:
    """`closed` says whether to call Redis; `trip(error)` after a failed call; `probe` is tried in the
    background (it raises while Redis is away) until it succeeds."""

    def __init__(self, name: str, probe: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self._probe = probe
        self.state = CLOSED
        self.trips = 0
        self.last_error: str | None = None
        self._recovery: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self.state == CLOSED

    def trip(self, error: BaseException) -> None:
        """A call failed: open, and start probing unless a probe loop already runs."""
        self.last_error = _describe(error)
        if self._recovery is not None and not self._recovery.done():
            return
        self.state = OPEN
        self.trips += 1
        log.warning("%s circuit open: %s", self.name, self.last_error)
        self._recovery = asyncio.create_task(self._recover(), name=f"crm-{self.name}-probe")

    async def _recover(self) -> None:
        delay = FIRST_COOLDOWN
        while True:
            await asyncio.sleep(delay)  # the cool-down between probes, not a synchronisation
            self.state = HALF_OPEN
            try:
                await self._probe()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.state, self.last_error = OPEN, _describe(exc)
                delay = min(delay * 2, MAX_COOLDOWN)
                continue
            self.state = CLOSED
            log.warning("%s circuit closed again after %d trips", self.name, self.trips)
            return

    def status(self) -> dict[str, object]:
        return {"circuit": self.state, "trips": self.trips, "lastError": self.last_error}

    async def stop(self) -> None:
        """Cancel a running probe (the server stops); the breaker starts closed next time."""
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
            self._recovery = None
        self.state = CLOSED


def _describe(error: BaseException) -> str:
    """"TimeoutError" rather than "TimeoutError: " (timeouts carry no message)."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
