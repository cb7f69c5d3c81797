"""The credentials behind this process's recent requests, held so that finding the caller of a request
costs no SQL on a warm connection.

An entry is a live API token or session as last read, its user loaded. It is trusted only while every way
its rights can end is seen here:
- Revocation, sign-out, deactivation and a change of role or team publish on `topics.access_revoked()`.
  The write path forgets what such an event names as soon as it commits (`forget`), before it answers; the
  cache also listens on the topic for the other processes' writes (Redis). It holds entries only while that
  listening holds: with Redis while its connection stands, or in a server on the in-process broadcast (every
  such write is made by a server: its own ones hold at once; another `crm serve` started apart on the same
  database is heard at the re-check below). The workers of `crm serve --workers N` without Redis, `crm mcp`
  and the CLI hold nothing: one indexed lookup per request, as before.
- A listening that ends (Redis lost, another process's events dropped, this one fallen behind) empties the
  cache at once: the subscription's end is read on every lookup, before the listener even wakes.
- The times a credential ends by (a token's expiry; a session's idle and absolute end) are checked on each
  use, and each use past a minute is written as before (a write that finds the row ended ends the entry).
- Every entry is read again about once a second (CRM_ACCESS_CHECK_SECONDS), one batched query per kind,
  for what no event announces: a row changed by hand, a user renamed, a message lost on its way.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from backend.live import topics
from backend.live.broadcast import StreamClosed, Subscription, hub
from backend.live.events import Event, SessionEnded, TokenRevoked, UserAccessChanged
from backend.models import ApiToken, Session
from backend.serving import WorkerLoop
from backend.settings import get_settings

log = logging.getLogger("crm.auth")

Key = tuple[str, str]  # ("session", session id) | ("token", token hash)
Held = Session | ApiToken
KEPT = 10_000  # entries per process; the least recently used go first
UNUSED = timedelta(minutes=10)  # an entry not used for this long is let go at the next re-check
BATCH = 500  # ids per re-check query: well under both databases' limits on bound parameters


def hears_every_revocation(broadcast_url: str, loop: asyncio.AbstractEventLoop) -> bool:
    """Whether every revocation reaches this process: through Redis, or because it is the only server."""
    return urlparse(broadcast_url).scheme != "memory" or not isinstance(loop, WorkerLoop)


def _names(event: Event, key: Key, held: Held) -> bool:
    """Whether an access_revoked event is about this entry."""
    match event.data:
        case UserAccessChanged(user_id=user_id):
            return held.user_id == user_id
        case SessionEnded(session_id=session_id):
            return key == ("session", session_id)
        case TokenRevoked(token_id=token_id):
            return key[0] == "token" and held.id == token_id
    return False


async def _read(kind: str, ids: list[str]) -> dict[Key, Held]:
    """The live credentials among `ids` of one kind, user loaded (ended, revoked and missing ones absent)."""
    found: dict[Key, Held] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        if kind == "session":
            for session in await Session.filter(id__in=chunk, ended_at=None).select_related("user"):
                found[("session", session.id)] = session
        else:
            for token in await ApiToken.filter(token_hash__in=chunk, revoked_at=None).select_related("user"):
                found[("token", token.token_hash)] = token
    return found


class Callers:
    """Per process: recently used credentials by key, with when each was last used."""

    def __init__(self) -> None:
        self._held: OrderedDict[Key, tuple[Held, datetime]] = OrderedDict()
        # Bumped by every forgetting: a read begun before it must not store what it read (it may predate the
        # revocation), nor a re-check pass overwrite entries with rows read before it.
        self.generation = 0
        self._subscription: Subscription | None = None
        self._listener: asyncio.Task[None] | None = None
        self._rechecker: asyncio.Task[None] | None = None

    @property
    def holding(self) -> bool:
        return self._subscription is not None and self._subscription.closed_reason is None and hub.connected

    def count(self) -> int:
        return len(self._held)

    def get(self, key: Key, at: datetime) -> Held | None:
        """The entry for `key` (its use noted at `at`), or None when there is none or it cannot be trusted."""
        if not self.holding:
            if self._held:
                self.clear()
            return None
        entry = self._held.get(key)
        if entry is None:
            return None
        self._held[key] = (entry[0], at)
        self._held.move_to_end(key)
        return entry[0]

    def put(self, key: Key, held: Held, read_at_generation: int, at: datetime) -> None:
        """Keep a credential read while `generation` was `read_at_generation`, unless something was forgotten
        since (the row may have been read before a revocation) or nothing is held now."""
        if not self.holding or read_at_generation != self.generation or key in self._held:
            return
        self._held[key] = (held, at)
        while len(self._held) > KEPT:
            self._held.popitem(last=False)
        if self._rechecker is None or self._rechecker.done():
            self._rechecker = asyncio.get_running_loop().create_task(self._recheck(), name="crm-callers-recheck")

    def drop(self, key: Key) -> None:
        self.generation += 1
        self._held.pop(key, None)

    def clear(self) -> None:
        self.generation += 1
        self._held.clear()

    def forget(self, events: Iterable[Event]) -> None:
        """Drop what access_revoked events among `events` name (the write path calls this once committed)."""
        revoked = topics.access_revoked()
        for event in events:
            if event.topic != revoked:
                continue
            self.generation += 1
            for key in [key for key, (held, _) in self._held.items() if _names(event, key, held)]:
                del self._held[key]

    async def start(self) -> None:
        """Hold entries from now on, if every revocation reaches this process (the server's lifespan)."""
        loop = asyncio.get_running_loop()
        if hears_every_revocation(hub.url, loop):
            self._listener = loop.create_task(self._listen(), name="crm-callers-listen")

    async def stop(self) -> None:
        tasks = [task for task in (self._listener, self._rechecker) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._listener = self._rechecker = self._subscription = None
        self.clear()

    async def _listen(self) -> None:
        """Subscribed for good: a subscription that ends (Redis lost or back, this cache fallen behind)
        empties the cache and is made anew. One made while Redis is away holds nothing until it is back."""
        while True:
            try:
                async with hub.subscribe(topics.access_revoked(), counted=False) as subscription:
                    self._subscription = subscription
                    async for event in subscription:
                        self.forget([event])
            except StreamClosed as closed:
                log.info("caller cache emptied: %s", closed.reason)
            except Exception as exc:  # not expected; nothing is held until the next subscription
                log.warning("caller cache stopped listening: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(1)  # a pause before trying again, not a synchronisation
            finally:
                self._subscription = None
                self.clear()

    async def _recheck(self) -> None:
        """While anything is held: each entry read again, about once a second."""
        while self._held:
            await asyncio.sleep(get_settings().access_check_seconds)  # a period, not a synchronisation
            try:
                await self.recheck()
            except Exception as exc:  # the database is away: hold nothing that cannot be checked
                log.warning("re-checking held callers failed: %s: %s", type(exc).__name__, exc)
                self.clear()

    async def recheck(self) -> None:
        """One pass: every entry replaced by its row as it is now, or dropped; unused ones let go."""
        generation, keys = self.generation, list(self._held)
        fresh: dict[Key, Held] = {}
        for kind in ("session", "token"):
            fresh.update(await _read(kind, [id for held_kind, id in keys if held_kind == kind]))
        let_go = datetime.now(UTC) - UNUSED
        for key in keys:
            entry = self._held.get(key)
            if entry is None:
                continue
            row, used = fresh.get(key), entry[1]
            if row is None or used < let_go:
                del self._held[key]
            elif generation == self.generation:
                self._held[key] = (row, used)


callers = Callers()
