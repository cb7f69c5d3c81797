"""Tortoise's SQLite client, made safe for several writing processes.

Tortoise starts transactions with a deferred BEGIN: two processes that both read and then write can
deadlock, and SQLite answers the second one SQLITE_BUSY at once, whatever the busy timeout. BEGIN
IMMEDIATE takes the write lock up front, so a writer waits (up to busy_timeout) instead of failing
half-way.
"""

import sqlite3

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
