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
from tortoise.backends.base.client import BaseDBAsyncClient

from backend import db as database_module
from backend.auth.callers import callers
from backend.interop.tortoise import forget_compiled_statements
from backend.live.broadcast import hub
from backend.migrations import apply_all
from backend.settings import get_settings, reset_settings

# Authlib, on its first import, puts an "always" filter for its own deprecation warnings in front of every filter
# in force; imported while this conftest loads, that filter is gone by the time tests are collected and run,
# so pyproject.toml's filterwarnings decide about Authlib's warnings like about any other.

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("CRM_TEST_DATABASE_URL") else [])
KEEP_TABLES = {"crm_migration", "pipeline", "stage", "status_transition"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread for as long
    as its session fixture lives, and every async test after it would fail to start its own. The few long
    tests of SLOW_FIRST first."""
    items.sort(key=lambda item: ("browser" in item.path.parts, item.path.stem not in SLOW_FIRST))
    for item in items:
        if item.path.stem in SHARED_SERVICES:
            item.add_marker(pytest.mark.xdist_group("shared-services"))


# Long tests that need no `database` (so moving them does not set it up twice): started first, so that under
# `pytest -n` (scripts/test) no worker begins one of them while the other is about to run out of work.
SLOW_FIRST = {"test_fuzz", "test_types"}

# Modules whose tests share something outside their own database and ports: the one Redis (its channels and
# rate-limit counters) or the fixed default ports of `crm serve`. Under `pytest -n` (scripts/test) they run in
# one worker, one after another, as in a serial run.
SHARED_SERVICES = {"test_liveness", "test_segments_multiprocess", "test_ratelimit", "test_multiprocess",
                   "test_public_pages", "test_cli", "test_redis_outage"}


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
    await callers.start()  # as the server does: every test's caller lookups go through the cache
    yield url
    await callers.stop()
    await hub.stop()
    await Tortoise.close_connections()
    if pg_name:
        await _pg_admin(os.environ["CRM_TEST_DATABASE_URL"], f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def truncate_all() -> None:
    conn = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps["models"].values() if m._meta.db_table not in KEEP_TABLES]
    if conn.capabilities.dialect == "postgres":
        # One statement deleting from every table (data-modifying CTEs): foreign keys are checked when it
        # ends, with every table empty. TRUNCATE of all tables took PostgreSQL seconds per test (a new file per
        # table); ids go on counting, as they do on SQLite (AUTOINCREMENT).
        deletes = [f'"d{i}" AS (DELETE FROM "{table}")' for i, table in enumerate(tables[1:])]
        await conn.execute_script(f'WITH {", ".join(deletes)} DELETE FROM "{tables[0]}"')
    else:
        deletes = "".join(f'DELETE FROM "{table}"; ' for table in tables)
        await conn.execute_script(f"PRAGMA foreign_keys=OFF; {deletes}PRAGMA foreign_keys=ON")
    await _reference_pipeline(conn)
    await _reference_workflows(conn)


async def _reference_pipeline(conn: BaseDBAsyncClient) -> None:
    """Put the migrations' default pipeline back when a test reshaped pipelines (the admin's createStage and
    co.): one cheap read per test, the rewrite only after such a test (deals are gone by now)."""
    from backend.migrations import m0003_default_pipeline

    reference = [("Sales", True, name, position, probability, kind)
                 for position, (name, probability, kind) in enumerate(m0003_default_pipeline.STAGES)]
    _, rows = await conn.execute_query(
        'SELECT p."name", p."is_default", s."name", s."position", s."probability", s."kind" '
        'FROM "pipeline" p LEFT JOIN "stage" s ON s."pipeline_id" = p."id" ORDER BY p."id", s."position"'
    )
    if [(r[0], bool(r[1]), *tuple(r)[2:]) for r in rows] != reference:
        await conn.execute_script('DELETE FROM "stage"; DELETE FROM "pipeline"')
        await m0003_default_pipeline.apply(conn)


async def _reference_workflows(conn: BaseDBAsyncClient) -> None:
    """Put the migrations' status transitions back when a test changed them (setStatusTransition)."""
    from backend.migrations import m0030_workflows

    reference = sorted((entity, old, new) for entity, steps in m0030_workflows.TRANSITIONS.items()
                       for old, targets in steps.items() for new in targets)
    _, rows = await conn.execute_query('SELECT "entity", "from_status", "to_status" FROM "status_transition"')
    if sorted(tuple(r) for r in rows) != reference:
        await conn.execute_script('DELETE FROM "status_transition"')
        await m0030_workflows.seed_transitions(conn)


@pytest.fixture
async def db(database: str) -> AsyncIterator[str]:
    """A clean database (reference data such as the default pipeline kept)."""
    await truncate_all()
    callers.clear()  # what an earlier test's callers were, its rows are gone
    yield database
