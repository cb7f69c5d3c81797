"""Database and client fixtures. Every database test runs on SQLite, and again on a fresh PostgreSQL
database when CRM_TEST_DATABASE_URL is set (CONTRACT.md, Tests)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlparse, urlunparse

import authlib.deprecate  # noqa: F401  (see the comment below the imports)
import pytest
from tortoise import Tortoise, connections

from backend import db as database_module
from backend.interop.tortoise import forget_compiled_statements
from backend.live.broadcast import hub
from backend.migrations import apply_all
from backend.settings import get_settings, reset_settings

# Authlib, on its first import, puts an "always" filter for its own deprecation warnings in front of every filter
# in force; imported while this conftest loads, that filter is gone by the time tests are collected and run,
# so pyproject.toml's filterwarnings decide about Authlib's warnings like about any other.

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("CRM_TEST_DATABASE_URL") else [])
KEEP_TABLES = {"crm_migration", "pipeline", "stage"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread for as long
    as its session fixture lives, and every async test after it would fail to start its own."""
    items.sort(key=lambda item: "browser" in item.path.parts)


def _pg_url(base: str, name: str) -> str:
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


async def _pg_admin(base: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    data_dir = tmp_path_factory.mktemp(f"crm-{request.param}")
    os.environ["CRM_DATA_DIR"] = str(data_dir)
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite://{data_dir}/crm.sqlite3"
    else:
        base = os.environ["CRM_TEST_DATABASE_URL"]
        pg_name = f"crm_test_{uuid.uuid4().hex[:10]}"
        await _pg_admin(base, f'CREATE DATABASE "{pg_name}"')
        url = _pg_url(base, pg_name)
    os.environ["CRM_DATABASE_URL"] = url
    reset_settings()
    # Tortoise caches each model's INSERT/UPDATE SQL per connection name, not per dialect.
    forget_compiled_statements()
    await database_module.init(get_settings())
    await apply_all()
    await hub.start("memory://", get_settings().subscriber_queue)
    yield url
    await hub.stop()
    await Tortoise.close_connections()
    if pg_name:
        await _pg_admin(os.environ["CRM_TEST_DATABASE_URL"], f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def truncate_all() -> None:
    conn = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps["models"].values() if m._meta.db_table not in KEEP_TABLES]
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f'TRUNCATE {", ".join(chr(34) + t + chr(34) for t in tables)} RESTART IDENTITY CASCADE')
    else:
        await conn.execute_script("PRAGMA foreign_keys=OFF")
        for table in tables:
            await conn.execute_script(f'DELETE FROM "{table}"')
        await conn.execute_script("PRAGMA foreign_keys=ON")


@pytest.fixture
async def db(database: str) -> AsyncIterator[str]:
    """A clean database (reference data such as the default pipeline kept)."""
    await truncate_all()
    yield database
