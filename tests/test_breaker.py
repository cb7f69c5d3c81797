"""The circuit breaker's states, with a probe the test answers (Redis itself: test_ratelimit, test_broadcast)."""

from __future__ import annotations

import asyncio

from backend.breaker import Breaker
from tests.servers import until


async def test_a_failure_opens_the_circuit_until_a_background_probe_succeeds() -> None:
    answers: asyncio.Queue[Exception | None] = asyncio.Queue()  # each probe waits for its answer

    async def probe() -> None:
        if (failure := await answers.get()) is not None:
            raise failure

    breaker = Breaker("test", probe)
    try:
        assert breaker.closed
        breaker.trip(ConnectionError("down"))
        assert breaker.status() == {"circuit": "open", "trips": 1, "lastError": "ConnectionError: down"}
        await until(lambda: breaker.state == "half_open", what="the first probe")
        breaker.trip(TimeoutError())  # calls failing meanwhile start no second probe and count no new trip
        await answers.put(TimeoutError("still down"))
        await until(lambda: breaker.state == "open", what="the failed probe to reopen the circuit")
        assert breaker.last_error == "TimeoutError: still down" and not breaker.closed
        await until(lambda: breaker.state == "half_open", what="the next probe")
        await answers.put(None)
        await until(lambda: breaker.closed, what="the circuit to close")
        assert breaker.trips == 1
        breaker.trip(ConnectionError("again"))  # a new outage is a new trip
        assert (breaker.state, breaker.trips) == ("open", 2)
    finally:
        await breaker.stop()
    assert breaker.closed
