"""`crm migrate --check`: does the migrated database have the schema the models describe?

The models' schema is built from Tortoise's own generator in a scratch database (an in-memory SQLite
database, or a schema inside a PostgreSQL transaction that is rolled back), and both catalogues are
compared. Indexes are matched by what they cover, not by name, and indexes, tables and triggers the
steps add beyond the models (search, lookups, the step record) are expected.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.utils import get_schema_sql

from backend.migrations import steps
from backend.migrations.catalogue import Catalogue, Index, Table, postgres_catalogue, sqlite_catalogue

# Tables the steps own beyond the models: the step record and SQLite's full-text indexes with their shadow tables.
STEP_TABLES = re.compile(r"crm_migration|(customer|contact|lead|deal|campaign)_fts(_\w+)?")
SCRATCH_SCHEMA = "crm_migrate_check"


async def check() -> list[str]:
    """The steps not applied, then the differences between the models and the database of the default
    connection, one line each (none: they agree)."""
    conn = connections.get("default")
    live = await live_catalogue(conn)
    done = set()
    if "crm_migration" in live:  # looked up, not created: the check changes nothing
        done = {row["name"] for row in await conn.execute_query_dict('SELECT "name" FROM "crm_migration"')}
    pending = [f"step {name}: not applied (run `crm migrate`)" for name, _ in steps() if name not in done]
    return pending + differences(await models_catalogue(conn), live)


async def live_catalogue(conn: BaseDBAsyncClient) -> Catalogue:
    async def query(sql: str, params: list[Any]) -> list[dict[str, Any]]:
        return list(await conn.execute_query_dict(sql, params))

    if conn.capabilities.dialect == "postgres":
        schema = (await query("SELECT current_schema() AS name", []))[0]["name"]
        return await postgres_catalogue(query, schema)
    return await sqlite_catalogue(query)


async def models_catalogue(conn: BaseDBAsyncClient) -> Catalogue:
    ddl = get_schema_sql(conn, safe=False)
    if conn.capabilities.dialect == "postgres":
        async with conn.acquire_connection() as raw:  # asyncpg's own connection: one transaction for all of it
            transaction = raw.transaction()
            await transaction.start()
            try:
                await raw.execute(f'CREATE SCHEMA "{SCRATCH_SCHEMA}"; SET LOCAL search_path TO "{SCRATCH_SCHEMA}"; {ddl}')

                async def query(sql: str, params: list[Any]) -> list[dict[str, Any]]:
                    return [dict(row) for row in await raw.fetch(sql, *params)]

                return await postgres_catalogue(query, SCRATCH_SCHEMA)
            finally:
                await transaction.rollback()  # DDL is transactional on PostgreSQL: nothing is left behind
    scratch = sqlite3.connect(":memory:")
    scratch.row_factory = sqlite3.Row
    try:
        scratch.executescript(ddl)

        async def sqlite_query(sql: str, params: list[Any]) -> list[dict[str, Any]]:
            return [dict(row) for row in scratch.execute(sql, params)]

        return await sqlite_catalogue(sqlite_query)
    finally:
        scratch.close()


def differences(expected: Catalogue, actual: Catalogue, *, exact: bool = False) -> list[str]:
    """What `actual` lacks or has otherwise than `expected`, one line each. `exact` (two databases that
    should be identical): also every extra table, index and trigger, and index definitions by name."""
    found = [f"table {name}: in the models, not in the database" for name in expected.keys() - actual.keys()]
    found += [
        f"table {name}: in the database, not in the models"
        for name in actual.keys() - expected.keys()
        if exact or not STEP_TABLES.fullmatch(name)
    ]
    for name in sorted(expected.keys() & actual.keys()):
        found += _table_differences(name, expected[name], actual[name], exact)
    return sorted(found)


def _table_differences(name: str, expected: Table, actual: Table, exact: bool) -> list[str]:
    found = [f"column {name}.{c}: in the models, not in the database" for c in expected.columns.keys() - actual.columns.keys()]
    found += [f"column {name}.{c}: in the database, not in the models" for c in actual.columns.keys() - expected.columns.keys()]
    for column in expected.columns.keys() & actual.columns.keys():
        want, have = expected.columns[column], actual.columns[column]
        # The models know no statistics target: a step sets it (m0006), so only two databases compare it.
        for attribute in ("type", "not_null", "default", "primary_key") + (("statistics",) if exact else ()):
            # A default the models lack is how a step adds a NOT NULL column to rows that exist (SQLite cannot
            # drop it without rebuilding the table); the ORM writes every column, so it never applies.
            if attribute == "default" and want.default is None and not exact:
                continue
            if getattr(want, attribute) != getattr(have, attribute):
                found.append(f"column {name}.{column}: {attribute} {getattr(want, attribute)!r} in the models, "
                             f"{getattr(have, attribute)!r} in the database")
    found += [f"foreign key on {name}: {fk} in the models, not in the database" for fk in expected.foreign_keys - actual.foreign_keys]
    found += [f"foreign key on {name}: {fk} in the database, not in the models" for fk in actual.foreign_keys - expected.foreign_keys]
    found += _index_differences(name, expected.indexes, actual.indexes, exact)
    if exact:
        found += [f"trigger {t} on {name}: differs or missing" for t in expected.triggers.keys() | actual.triggers.keys()
                  if expected.triggers.get(t) != actual.triggers.get(t)]
    return found


def _index_differences(table: str, expected: dict[str, Index], actual: dict[str, Index], exact: bool) -> list[str]:
    def label(name: str, index: Index) -> str:
        kind = "unique index" if index.unique else "index"
        return f"{kind} {name} on {table} ({', '.join(index.columns)}){f' WHERE {index.where}' if index.where else ''}"

    if exact:
        return [f"{label(n, (expected.get(n) or actual[n]))}: differs or missing" for n in expected.keys() | actual.keys()
                if expected.get(n) != actual.get(n)]
    # Matched by what they cover: SQLite and PostgreSQL name the index of a UNIQUE column themselves.
    covered = {(i.columns, i.unique, i.where) for i in actual.values()}
    return [f"{label(n, i)}: in the models, not in the database" for n, i in expected.items()
            if (i.columns, i.unique, i.where) not in covered]
