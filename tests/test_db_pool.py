"""PostgreSQL's pool gives a connection back without the reset round trip (backend/db.py keep_session), and a
connection given back in the middle of a transaction is rolled back all the same."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from backend.models import Customer

ROOT = Path(__file__).resolve().parents[1]
# Session state a pooled connection would carry to its next user without asyncpg's default reset, as SQL in a
# string literal: LISTEN, a session-level advisory lock, a session SET or set_config(…, false).
SESSION_STATE = re.compile(r"""["'][^"'\n]*?(\bLISTEN\b|\bpg_(?:try_)?advisory_lock(?:_shared)?\b"""
                           r"""|\bSET (?!LOCAL\b)\w+ (?:TO|=)|set_config\([^)]*false)""")
# The one place that takes a session-level lock, on a connection of its own (never the pool's).
OWN_CONNECTION = {"backend/server_lock.py"}


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement asyncpg's connections send by `execute` (Tortoise's scripts, and the pool's reset)."""
    statements: list[str] = []
    execute = asyncpg.connection.Connection.execute

    async def spy(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        statements.append(query)
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", spy)
    yield statements


def postgres_only(database: str) -> None:
    if not database.startswith(("postgres://", "postgresql://")):
        pytest.skip("the pool's reset is asyncpg's (PostgreSQL)")


async def test_a_statement_outside_a_transaction_costs_no_reset(database: str, sent: list[str]) -> None:
    postgres_only(database)
    for _ in range(5):
        await Customer.all().count()
    assert not [s for s in sent if "RESET ALL" in s or "UNLISTEN" in s]


async def test_a_connection_given_back_inside_a_transaction_is_rolled_back(database: str, sent: list[str]) -> None:
    postgres_only(database)
    pool = connections.get("default")._pool
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    await connection.execute("CREATE TEMP TABLE left_open (x int) ON COMMIT DROP")
    await pool.release(connection)
    assert "ROLLBACK" in sent
    async with in_transaction() as conn:  # a pooled connection is usable, and what the transaction made is gone
        _, rows = await conn.execute_query("SELECT count(*) FROM pg_class WHERE relname = 'left_open'")
    assert rows[0][0] == 0


def test_the_app_leaves_no_session_state_on_pooled_connections() -> None:
    """What keep_session relies on: no session-level SET, LISTEN or advisory lock in the app's code but on the
    connection server_lock opens for itself."""
    found = [f"{path.relative_to(ROOT)}: {match.group(0)!r}"
             for path in sorted((ROOT / "backend").rglob("*.py"))
             if str(path.relative_to(ROOT)) not in OWN_CONNECTION and "migrations" not in path.parts
             for match in SESSION_STATE.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
