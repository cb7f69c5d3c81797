"""Whether the caller of a long-lived connection still has the rights it was opened with.

A websocket (GraphQL's or the UI's) authenticates once, when it opens. Its session may then end (signed
out, idle or past its absolute end), its token be revoked, its user deactivated or given another role
or team. So each operation on it re-checks its caller (one indexed lookup), and every process re-checks
all its open connections about once a second (CRM_ACCESS_CHECK_SECONDS) in one batched query per kind
of credential, closing those whose rights ended or changed. The pub/sub message about a revocation
only makes that faster (`nudge`): a revocation reaches every process's sockets even when the message
is lost, as it is while Redis is down.

A change of role or team ends the connection too: its open streams were started with the old rights,
and a client reconnecting gets the new ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from backend.auth import sessions
from backend.auth.actor import Actor
from backend.models import ApiToken, Session, User
from backend.settings import get_settings

log = logging.getLogger("crm.auth")

Credential = tuple[str, object]  # ("session", id) | ("token", id) | ("user", id)
# Ids per query: well under SQLite's and PostgreSQL's limits on bound parameters.
BATCH = 500
GONE_KEPT = 10_000

ENDED = "Your sign-in ended (signed out, expired, token revoked or account deactivated); sign in again"
CHANGED = "Your role or team changed; reconnect to continue with your new rights"


def credential(actor: Actor) -> Credential | None:
    """What an actor's rights rest on: its session, else its token, else its user; None for nobody."""
    if actor.session_id is not None:
        return ("session", actor.session_id)
    if actor.token_id is not None:
        return ("token", actor.token_id)
    if actor.user_id is not None:
        return ("user", actor.user_id)
    return None


def verdict(opened: Actor, now: Actor | None) -> str | None:
    """Why a connection opened as `opened` may no longer act, given its caller as it is `now`; None if it may."""
    if now is None:
        return ENDED
    if (now.role, now.team_id) != (opened.role, opened.team_id):
        return CHANGED
    return None


def _as_now(actor: Actor, user: User) -> Actor:
    return Actor.for_user(user, via=actor.via, session_id=actor.session_id, token_id=actor.token_id, scopes=actor.scopes)


async def _users_behind(kind: str, ids: list[object]) -> dict[object, User]:
    """The active users behind live credentials of one kind, by credential id (absent: not live)."""
    found: dict[object, User] = {}
    settings, at = get_settings(), sessions.now()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        if kind == "session":
            for session in await Session.filter(id__in=chunk, ended_at=None).select_related("user"):
                if sessions.alive(session, at, settings):
                    found[session.id] = session.user
        elif kind == "token":
            for token in await ApiToken.filter(id__in=chunk, revoked_at=None).select_related("user"):
                if token.user.active and not token.expired(at):
                    found[token.id] = token.user
        else:
            found.update({user.id: user for user in await User.filter(id__in=chunk, active=True)})
    return found


async def current_all(actors: Iterable[Actor]) -> dict[Credential, Actor | None]:
    """Each actor's credential → the actor as it is now (None: no longer signed in); one query per kind."""
    by_credential = {key: actor for actor in actors if (key := credential(actor)) is not None}
    now: dict[Credential, Actor | None] = {}
    for kind in ("session", "token", "user"):
        ids = [key[1] for key in by_credential if key[0] == kind]
        if not ids:
            continue
        users = await _users_behind(kind, ids)
        for id in ids:
            user = users.get(id)
            now[(kind, id)] = _as_now(by_credential[(kind, id)], user) if user is not None else None
    return now


async def current(actor: Actor) -> Actor | None:
    """The actor as it is now, for one operation; a session's use keeps it from going idle."""
    if actor.session_id is not None:
        session = await sessions.resume_id(actor.session_id, get_settings())
        return _as_now(actor, session.user) if session is not None else None
    key = credential(actor)
    return (await current_all([actor]))[key] if key is not None else actor


async def recheck(actor: Actor) -> tuple[Actor | None, str | None]:
    """(the caller as it is now, why it may no longer act or None) for one operation of a connection."""
    if credential(actor) is None:
        return actor, None  # nobody, or the system: nothing was granted that could be taken back
    now = await current(actor)
    return now, verdict(actor, now)


@dataclass(eq=False)
class Watch:
    """One open connection: told once, through `on_end(reason)`, that its caller's rights ended or changed."""

    actor: Actor
    on_end: Callable[[str], None]
    ended: str | None = None


class Watcher:
    """Per process: the open connections, re-checked together about once a second while there are any."""

    def __init__(self) -> None:
        self._watches: set[Watch] = set()
        self._now: dict[Credential, Actor | None] = {}  # what the last pass found
        # Sessions found ended: final (and their random ids never come back), so remembered after their
        # connections let go, while a page about to reload still holds streams (bounded).
        self._gone: OrderedDict[Credential, None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    def count(self) -> int:
        return len(self._watches)

    def add(self, actor: Actor, on_end: Callable[[str], None]) -> Watch:
        """Watch a connection opened as `actor` (which must have a credential) until `discard`."""
        watch = Watch(actor, on_end)
        self._watches.add(watch)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="crm-access-recheck")
        return watch

    def discard(self, watch: Watch) -> None:
        self._watches.discard(watch)
        if not self._watches:
            self.nudge()  # the loop ends now rather than after its wait

    def nudge(self) -> None:
        """A revocation was announced: re-check now rather than at the next tick."""
        if self._wake is not None:
            self._wake.set()

    def ended(self, actor: Actor) -> str | None:
        """What the last pass found about this actor's rights (None: intact, or not watched here).
        Streams ask before each event, so no event goes out on rights found ended, at no extra query."""
        key = credential(actor)
        if key in self._gone:
            return ENDED
        if key is None or key not in self._now:
            return None
        return verdict(actor, self._now[key])

    async def check(self) -> None:
        """One pass: every watched connection's credential looked up, those whose rights ended told."""
        watches = list(self._watches)
        self._now = await current_all(watch.actor for watch in watches)
        for key, now in self._now.items():
            if now is None and key[0] == "session":
                self._gone[key] = None
        while len(self._gone) > GONE_KEPT:
            self._gone.popitem(last=False)
        for watch in watches:
            held = credential(watch.actor)
            reason = verdict(watch.actor, self._now.get(held)) if held in self._now else None
            if reason and watch.ended is None:
                watch.ended = reason
                watch.on_end(reason)

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        while self._watches:
            try:
                await asyncio.wait_for(wake.wait(), get_settings().access_check_seconds)
            except TimeoutError:
                pass
            wake.clear()
            try:
                await self.check()
            except Exception as exc:  # the database is away: keep the sockets, look again next time
                log.warning("re-checking open connections failed: %s: %s", type(exc).__name__, exc)
        self._now = {}  # nobody watched: what the last pass found will not be kept up to date


watcher = Watcher()
