"""`crm backup` / `crm restore`: a round trip on SQLite, and on PostgreSQL when CRM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

from tests.test_cli import count, crm, free_port, wait_for


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


def test_attached_files_travel_with_the_backup(tmp_path: Path) -> None:
    """Attachments' bytes go beside the database (FILE.files.tar) and come back with it; the files present
    before the restore are kept aside, as the database is."""
    data = tmp_path / "data"
    assert crm(data, "seed", "--customers", "1").returncode == 0
    kept, later = data / "attachments" / "ab" / ("ab" + "c" * 22), data / "attachments" / "xy" / ("xy" + "z" * 22)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"%PDF-1.4 the contract")
    (data / "attachments" / "incoming").mkdir()
    (data / "attachments" / "incoming" / "half-uploaded").write_bytes(b"...")
    backup_file = tmp_path / "backups" / "crm.backup"
    made = crm(data, "backup", str(backup_file))
    assert made.returncode == 0, made.stderr
    with tarfile.open(backup_file.with_name("crm.backup.files.tar")) as tar:
        assert tar.getnames() == [f"ab/{kept.name}"], "attached files only, not uploads in progress"

    kept.unlink()
    later.parent.mkdir(parents=True)
    later.write_bytes(b"attached after the backup")
    restored = crm(data, "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert kept.read_bytes() == b"%PDF-1.4 the contract"
    assert not later.exists()
    assert (data / "attachments.before-restore" / "xy" / later.name).read_bytes() == b"attached after the backup"


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


@contextmanager
def running_server(data: Path, workers: int, **env: str) -> Iterator[str]:
    """`crm serve --workers N` (no dev sign-in provider) until the block ends; yields its URL."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    environment.update({"CRM_DATA_DIR": str(data), "CRM_PORT": str(port), "CRM_OIDC_ISSUER": "http://127.0.0.1:9", **env})
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--workers", str(workers)],
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", server).status_code == 200
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def until(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)  # polling a condition another process must reach
    raise AssertionError(f"timed out waiting for {what}")


def flock_holders(path: Path) -> set[int]:
    """Processes holding a shared flock on `path` (Linux /proc/locks: "FLOCK ADVISORY READ pid dev:inode")."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1:4] == ["FLOCK", "ADVISORY", "READ"] and fields[5].split(":")[-1] == str(inode):
            holders.add(int(fields[4]))
    return holders


def assert_refused_naming(result: subprocess.CompletedProcess[str], url: str) -> None:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "server" in result.stderr and url in result.stderr and "pid" in result.stderr, result.stderr
    assert "stop" in result.stderr, result.stderr


def test_restore_refuses_while_a_server_runs_on_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert crm(data, "seed", "--customers", "3").returncode == 0
    backup_file = tmp_path / "crm.backup"
    assert crm(data, "backup", str(backup_file)).returncode == 0
    assert crm(data, "seed", "--customers", "6").returncode == 0
    with running_server(data, 2) as url:
        # Both worker processes of one server run: each holds the lock shared.
        until(lambda: len(flock_holders(data / "crm.sqlite3.serving")) == 2, "both workers to hold the lock")
        refused = crm(data, "restore", str(backup_file))
        assert_refused_naming(refused, url)
        assert count(data / "crm.sqlite3", "SELECT count(*) FROM customer") == 6, "a refused restore changes nothing"
    restored = crm(data, "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert count(data / "crm.sqlite3", "SELECT count(*) FROM customer") == 3


def test_restore_refuses_while_a_server_runs_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    import asyncpg

    async def fetch(sql: str) -> Any:
        conn = await asyncpg.connect(pg_url.replace("postgres://", "postgresql://", 1))
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    env = {"CRM_DATABASE_URL": pg_url}
    assert crm(tmp_path, "seed", "--customers", "3", **env).returncode == 0
    backup_file = tmp_path / "crm.dump"
    assert crm(tmp_path, "backup", str(backup_file), **env).returncode == 0
    assert crm(tmp_path, "seed", "--customers", "6", **env).returncode == 0
    holders = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted"
    with running_server(tmp_path, 2, **env) as url:
        until(lambda: asyncio.run(fetch(holders)) == 2, "both workers to hold the lock")
        refused = crm(tmp_path, "restore", str(backup_file), **env)
        assert_refused_naming(refused, url)
        assert asyncio.run(fetch("SELECT count(*) FROM customer")) == 6, "a refused restore changes nothing"
    restored = crm(tmp_path, "restore", str(backup_file), **env)
    assert restored.returncode == 0, restored.stderr
    assert asyncio.run(fetch("SELECT count(*) FROM customer")) == 3


@pytest.fixture(params=["sqlite", "postgres"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite://{tmp_path}/crm.sqlite3" if request.param == "sqlite" else request.getfixturevalue("pg_url")


async def test_a_server_does_not_start_while_a_restore_runs_and_servers_share_the_lock(any_database: str) -> None:
    from dataclasses import replace

    from backend import server_lock
    from backend.settings import get_settings

    settings = replace(get_settings(), database_url=any_database)
    async with server_lock.restoring(settings):
        with pytest.raises(server_lock.DatabaseBusy, match="crm restore` is replacing the database"):
            async with server_lock.serving(settings):
                pass
    async with server_lock.serving(settings), server_lock.serving(settings):  # two processes' worth
        with pytest.raises(server_lock.DatabaseBusy, match="stop it first"):
            async with server_lock.restoring(settings):
                pass
