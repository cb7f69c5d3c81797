"""Consistent copies of the database: SQLite's online backup API, or pg_dump / pg_restore on PostgreSQL;
attached files go beside it, in FILE.files.tar.

A backup may run while the server runs. A restore replaces everything: `crm restore` refuses while a
server holds the database (backend/server_lock.py).

Files are copied after the database: an attachment's file is written before its row commits and removed only
after its deletion commits, so every row in the copy has its file, unless it was deleted in the seconds
between the two copies (its row then points at nothing and is served as 404). A file with no row in the copy
is never served.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from backend.settings import Settings

MARKER_TABLE = "crm_migration"  # every CRM database has it: refuse to restore anything else


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path:
    return Path(database_url[len("sqlite://"):])


def backup(settings: Settings, target: Path) -> None:
    """Write the copy next to `target` first: an existing backup is replaced only by a complete one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if settings.is_sqlite:
            _sqlite_backup(sqlite_path(settings.database_url), partial)
        else:
            _pg("pg_dump", settings.database_url, "--format=custom", "--no-owner", f"--file={partial}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _files_backup(settings, files_archive(target))


def restore(settings: Settings, source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    _check_files_archive(files_archive(source))  # a damaged archive stops the restore before the database changes
    if settings.is_sqlite:
        _sqlite_restore(source, sqlite_path(settings.database_url))
    else:
        _pg_restore(settings.database_url, source)
    _files_restore(settings, files_archive(source))


def files_archive(backup_file: Path) -> Path:
    """Where a backup's attached files are: beside it, as FILE.files.tar."""
    return backup_file.with_name(backup_file.name + ".files.tar")


def _attachments(settings: Settings) -> Path:
    return settings.data_dir / "attachments"


def _files_backup(settings: Settings, archive: Path) -> None:
    partial = archive.with_name(archive.name + ".partial")
    try:
        with tarfile.open(partial, "w") as tar:
            folder = _attachments(settings)
            for path in sorted(folder.glob("*/*")) if folder.is_dir() else []:
                if path.is_file() and path.parent.name != "incoming":  # uploads not yet attached are not data
                    tar.add(path, arcname=f"{path.parent.name}/{path.name}")
        partial.replace(archive)
    finally:
        partial.unlink(missing_ok=True)


def _check_files_archive(archive: Path) -> None:
    if not archive.is_file():
        return
    try:
        with tarfile.open(archive) as tar:
            tar.getmembers()
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a readable archive of attached files ({exc})") from None


def _files_restore(settings: Settings, archive: Path) -> None:
    """The backup's files replace the attachments folder (the previous one is kept as
    attachments.before-restore). A backup made before attachments existed has no archive: files stay."""
    if not archive.is_file():
        return
    folder = _attachments(settings)
    fresh = folder.with_name("attachments.restoring")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(fresh, filter="data")  # no absolute paths, links or parent folders out of it
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise BackupError(f"{archive} is not a readable archive of attached files ({exc})") from None
    kept = folder.with_name("attachments.before-restore")
    shutil.rmtree(kept, ignore_errors=True)
    if folder.exists():
        folder.replace(kept)
    fresh.replace(folder)


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database} yet: run `crm migrate` first")
    # The online backup API copies a consistent snapshot even while the server writes.
    with _connect(database) as src, _connect(target) as dst:
        src.backup(dst)


def _sqlite_restore(source: Path, database: Path) -> None:
    _check_sqlite_backup(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    if database.is_file():
        kept = database.with_name(database.name + ".before-restore")
        kept.unlink(missing_ok=True)
        _sqlite_backup(database, kept)
    # Copying through the backup API (rather than over the file) writes the whole database in one
    # locked transaction and keeps the WAL and -shm files consistent with it.
    with _connect(source) as src, _connect(database) as dst:
        src.backup(dst)


def _check_sqlite_backup(source: Path) -> None:
    try:
        with _connect(source) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            problem = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite backup ({exc})") from None
    if MARKER_TABLE not in tables:
        raise BackupError(f"{source} is not a backup of a CRM database")
    if problem != "ok":
        raise BackupError(f"{source} is damaged: {problem}")


class _connect:
    """sqlite3's own context manager commits but does not close; this one closes."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install -y postgresql-client)")
    return path


def _pg(tool: str, database_url: str, *args: str) -> None:
    result = subprocess.run([_tool(tool), *args], env=_pg_environment(database_url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip() or result.returncode}")


def _pg_restore(database_url: str, source: Path) -> None:
    """Replace the whole schema with the backup's, in one transaction: tables newer than the backup go
    too (migrations then bring them back properly), and a failure leaves everything as it was.

    pg_restore first turns the dump into a complete SQL script (so a damaged dump fails before anything
    is touched); psql runs it after emptying the schema, all in one transaction."""
    with tempfile.TemporaryDirectory(prefix="crm-restore-") as tmp:
        script = Path(tmp) / "restore.sql"
        made = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(source)],
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise BackupError(f"{source} is not a readable pg_dump backup: {made.stderr.strip()}")
        _pg("psql", database_url, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
            "--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public", f"--file={script}",
            "--command=ANALYZE")  # a restored table is planned as empty until its statistics exist


def _pg_environment(database_url: str) -> dict[str, str]:
    """Connection settings as libpq variables: the password never shows in the process list."""
    url = urlparse(database_url)
    env = dict(os.environ)
    env.update({
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": unquote(url.username or "postgres"),
        "PGDATABASE": url.path.lstrip("/") or "postgres",
    })
    if url.password:
        env["PGPASSWORD"] = unquote(url.password)
    return env
