"""`crm backup` / `crm restore`: a round trip on SQLite, and on PostgreSQL when CRM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.test_cli import count, crm


def test_sqlite_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert crm(data, "seed", "--customers", "4").returncode == 0
    backup_file = tmp_path / "backups" / "crm.backup"

    made = crm(data, "backup", str(backup_file))
    assert made.returncode == 0, made.stderr
    assert count(backup_file, "SELECT count(*) FROM customer") == 4

    assert crm(data, "seed", "--customers", "9").returncode == 0  # changes after the backup
    assert count(data / "crm.sqlite3", "SELECT count(*) FROM customer") == 9

    restored = crm(data, "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    database = data / "crm.sqlite3"
    assert count(database, "SELECT count(*) FROM customer") == 4
    assert count(database, "SELECT count(*) FROM contact") == 12
    assert count(data / "crm.sqlite3.before-restore", "SELECT count(*) FROM customer") == 9, "the replaced data is kept"
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The restored database works for the application, not just for sqlite3.
    assert "6 added" in crm(data, "seed", "--customers", "10").stdout


def test_restore_refuses_what_is_not_a_crm_backup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert crm(data, "seed", "--customers", "2").returncode == 0
    stranger = tmp_path / "other.sqlite3"
    with sqlite3.connect(stranger) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"definitely not a database" * 100)
    for source in (stranger, junk, tmp_path / "missing.backup"):
        result = crm(data, "restore", str(source))
        assert result.returncode == 1, source
        assert "Traceback" not in result.stderr
    assert count(data / "crm.sqlite3", "SELECT count(*) FROM customer") == 2, "a refused restore changes nothing"


def test_backup_before_migrate_says_what_to_do(tmp_path: Path) -> None:
    result = crm(tmp_path, "backup", str(tmp_path / "x.backup"))
    assert result.returncode == 1
    assert "crm migrate" in result.stderr


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = os.environ.get("CRM_TEST_DATABASE_URL")
    if not base:
        pytest.skip("CRM_TEST_DATABASE_URL is not set")
    import asyncpg

    name = f"crm_backup_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield urlunparse(urlparse(base)._replace(path=f"/{name}"))
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_postgresql_round_trip(tmp_path: Path, pg_url: str) -> None:
    import asyncpg

    async def customers() -> int:
        conn = await asyncpg.connect(pg_url.replace("postgres://", "postgresql://", 1))
        try:
            return await conn.fetchval("SELECT count(*) FROM customer")
        finally:
            await conn.close()

    env = {"CRM_DATABASE_URL": pg_url}
    assert crm(tmp_path, "seed", "--customers", "5", **env).returncode == 0
    backup_file = tmp_path / "crm.dump"
    made = crm(tmp_path, "backup", str(backup_file), **env)
    assert made.returncode == 0, made.stderr
    assert backup_file.stat().st_size > 0

    assert crm(tmp_path, "seed", "--customers", "8", **env).returncode == 0
    assert asyncio.run(customers()) == 8
    restored = crm(tmp_path, "restore", str(backup_file), **env)
    assert restored.returncode == 0, restored.stderr
    assert asyncio.run(customers()) == 5
    assert "3 added" in crm(tmp_path, "seed", "--customers", "8", **env).stdout

    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP but not really" * 50)
    refused = crm(tmp_path, "restore", str(junk), **env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert asyncio.run(customers()) == 8, "a refused restore changes nothing"
