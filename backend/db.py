"""The database: Tortoise configuration for SQLite (embedded default) or PostgreSQL, and migrations."""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import unquote, urlparse

from tortoise import Tortoise, connections

from backend.migrations import apply_all
from backend.settings import Settings

SQLITE_PRAGMAS = {"journal_mode": "WAL", "foreign_keys": "ON", "busy_timeout": 10000, "synchronous": "NORMAL"}


async def keep_session(connection: Any) -> None:
    """What a pooled PostgreSQL connection needs besides asyncpg's own reset on release: nothing.

    asyncpg rolls back a transaction left open on its own, without this hook. Its default hook then sends
    `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`: one more round trip after every statement
    run outside a transaction, for session state this app never leaves on a pooled connection. It issues no
    session-level SET, LISTEN, cursor or advisory lock there: locks are transaction-scoped
    (services/changes.py) or held on a connection of their own (server_lock.py), and Redis carries the
    pub/sub. tests/test_db_pool.py keeps it that way."""


def _connection(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite://"):]
        return {"engine": "backend.sqlite_engine", "credentials": {"file_path": path, **SQLITE_PRAGMAS}}
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parsed.hostname or "127.0.0.1",
                "port": parsed.port or 5432,
                "user": unquote(parsed.username or "postgres"),
                "password": unquote(parsed.password or ""),
                "database": parsed.path.lstrip("/") or "postgres",
                "minsize": 1,
                "maxsize": 10,
                "reset": keep_session,
            },
        }
    raise ValueError(f"CRM_DATABASE_URL: unsupported database {parsed.scheme!r} (use sqlite:// or postgres://)")


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            "models": {
                "models": ["backend.models"],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def prepare_data_dir(settings: Settings) -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)


class _SqlLog(logging.StreamHandler):
    """The SQL log's handler, of its own class so that configuring the log twice adds it once."""


def configure_sql_log(enabled: bool) -> None:
    """CRM_SQL_LOG=1: every SQL statement on stderr, one per line."""
    logger = logging.getLogger("tortoise.db_client")
    if not enabled or any(isinstance(h, _SqlLog) for h in logger.handlers):
        return
    handler = _SqlLog(sys.stderr)
    handler.setFormatter(logging.Formatter("SQL %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


async def migrate(settings: Settings) -> list[str]:
    """Apply every migration not yet applied; safe to run again. Returns the names applied."""
    await init(settings)
    try:
        return await apply_all()
    finally:
        await close()


async def init(settings: Settings) -> None:
    prepare_data_dir(settings)
    configure_sql_log(settings.sql_log)
    # A server's lifespan runs in its own task: requests find the connections through the global fallback.
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)


async def analyze() -> None:
    """After a bulk load. PostgreSQL plans from table statistics that autovacuum refreshes only a while
    later: until then a freshly filled table is planned as if nearly empty, with sequential scans where
    an index would serve. (SQLite keeps no statistics unless asked and plans by its own rules.)"""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("ANALYZE")


async def close() -> None:
    await Tortoise.close_connections()
