"""The building blocks of a step: SQL statements, per database dialect where they differ."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

Step = Callable[[BaseDBAsyncClient], Awaitable[None]]


def sql(*statements: str) -> Step:
    """The same statements on every database."""
    return per_dialect(sqlite=statements, postgres=statements)


def per_dialect(*, sqlite: Sequence[str] = (), postgres: Sequence[str] = ()) -> Step:
    """Statements for each dialect, run in order; a dialect without statements is left unchanged."""

    async def run(conn: BaseDBAsyncClient) -> None:
        for statement in postgres if conn.capabilities.dialect == "postgres" else sqlite:
            await conn.execute_script(statement)

    return run
