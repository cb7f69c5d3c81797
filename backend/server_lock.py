"""The lock a running server holds on its database, so that `crm restore` cannot replace the database
under it (the server would go on writing into the replaced one, and those writes would be lost).

Every server process holds it shared: the workers of `crm serve --workers N`, and several servers behind
one load balancer, all run side by side. `crm restore` takes it exclusively, and refuses, naming a
server, while any process holds it; a server does not start while a restore runs.

- SQLite: an flock on `<database>.serving` beside the database file, which also says who holds it. The
  operating system releases it when the process ends, even on kill -9.
- PostgreSQL: a session-level advisory lock, held by one connection of each server process opened for
  nothing else (a pooled connection could be closed under it); the lock ends with the connection. The
  connection's application_name says who holds it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.db import tortoise_config
from backend.settings import Settings, get_settings

# pg_advisory_lock(int, int) keys: "CRM" and the purpose; locks are per database, so CRMs sharing a
# PostgreSQL cluster do not meet.
PG_KEY = (0x43524D, 1)
RESTORE_RUNNING = "`crm restore` is replacing the database: start the server when it has finished"
Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]


class DatabaseBusy(Exception):
    """The lock is held by the other side: the message names who holds it and what to do."""


def holding(lifespan: Lifespan) -> Lifespan:
    """The app's lifespan, run while the process holds the lock."""

    @asynccontextmanager
    async def held(app: Any) -> AsyncIterator[None]:
        async with serving(get_settings()), lifespan(app):
            yield

    return held


def _who(settings: Settings) -> str:
    return f"crm server pid {os.getpid()} at http://{settings.host}:{settings.port}"


def _since(moment: datetime) -> str:
    return f"since {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _credentials(settings: Settings) -> dict[str, Any]:
    """Where the database is, read from CRM_DATABASE_URL as the server's own connections read it."""
    return tortoise_config(settings.database_url)["connections"]["default"]["credentials"]


def lock_file(settings: Settings) -> Path:
    return Path(_credentials(settings)["file_path"] + ".serving")


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[None]:
    """Held for as long as a server process runs (its lifespan)."""
    if settings.is_sqlite:
        with _flock(settings, fcntl.LOCK_SH) as fd:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{_who(settings)} {_since(datetime.now(UTC))}\n".encode(), 0)
            yield
        return
    conn = await _pg_connect(settings, application_name=_who(settings)[:63])  # PostgreSQL keeps 63 bytes
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock_shared($1, $2)", *PG_KEY):
            raise DatabaseBusy(RESTORE_RUNNING)
        yield
    finally:
        await conn.close()


@asynccontextmanager
async def restoring(settings: Settings) -> AsyncIterator[None]:
    """Held while `crm restore` replaces the database; DatabaseBusy while a server holds it."""
    if settings.is_sqlite:
        with _flock(settings, fcntl.LOCK_EX):
            yield
        return
    conn = await _pg_connect(settings, application_name="crm restore")
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *PG_KEY):
            raise DatabaseBusy(_refusal(await _pg_holders(conn)))
        yield
    finally:
        await conn.close()


def _refusal(holder: str) -> str:
    return f"a CRM server is using this database ({holder}): stop it first, then restore"


class _flock:
    """flock(mode | LOCK_NB) on the lock file; the file descriptor while held."""

    def __init__(self, settings: Settings, mode: int) -> None:
        self.path, self.mode = lock_file(settings), mode

    def __enter__(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, self.mode | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 1000, 0).decode(errors="replace").strip() or "a process"
            os.close(self.fd)
            if self.mode == fcntl.LOCK_SH:
                raise DatabaseBusy(RESTORE_RUNNING) from None
            raise DatabaseBusy(_refusal(holder)) from None
        return self.fd

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing releases the lock


async def _pg_connect(settings: Settings, application_name: str) -> Any:
    """A connection of its own to the database the server's pool uses."""
    import asyncpg

    credentials = _credentials(settings)
    return await asyncpg.connect(
        **{key: credentials[key] for key in ("host", "port", "user", "database")},
        password=credentials["password"] or None,
        server_settings={"application_name": application_name},
    )


async def _pg_holders(conn: Any) -> str:
    rows = await conn.fetch(
        """SELECT a.application_name, host(a.client_addr) AS address, a.backend_start FROM pg_locks l
           JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           ORDER BY a.backend_start""",
        *PG_KEY,
    )
    held = [f"{r['application_name'] or 'a process'} from {r['address'] or 'a local socket'} {_since(r['backend_start'])}"
            for r in rows]
    return "; ".join(held) or "a process"
