"""What a benchmark runs against: a fresh database, seeded with the `crm` command, and `crm serve` as users run it.

Everything stays on 127.0.0.1; every wait is bounded; the database made for a run is removed after it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("CRM_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CRM_BENCH_REDIS_URL", "redis://127.0.0.1:6379")
ADMIN_EMAIL = "admin@example.com"  # a demo user (crm seed --demo); admins see every customer
HEAD_EMAIL = "head@example.com"  # North's sales head: row rules on every deal a report counts


@dataclass
class Setup:
    """One column of the table: a database, a broadcast backend and a number of server processes."""

    title: str
    database: str  # "sqlite" or "postgres"
    workers: int = 1
    broadcast_url: str = "memory://"
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="crm-bench-")))
    database_url: str = ""
    pg_name: str = ""
    settings: dict[str, str] = field(default_factory=dict)  # further CRM_* settings of this column

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env.update(
            CRM_DATA_DIR=str(self.data_dir),
            CRM_DATABASE_URL=self.database_url,
            CRM_BROADCAST_URL=self.broadcast_url,
            # The load generator plays many visitors from one address, as a reverse proxy would present
            # them: the rate limiter stays in the path and sees one client IP per visitor.
            CRM_TRUSTED_PROXIES="127.0.0.1",
            CRM_OIDC_ISSUER="http://127.0.0.1:9/unused",  # sign-in is not benchmarked; tokens authenticate
            CRM_OIDC_CLIENT_ID="bench",
            CRM_OIDC_CLIENT_SECRET="bench",
        )
        env.update(self.settings)
        return env


def postgres_answers() -> str | None:
    """None when PostgreSQL accepts a connection, else why not."""
    return asyncio.run(_pg_probe())


async def _pg_probe() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} does not answer ({type(exc).__name__})"
    await conn.close()
    return None


def redis_answers() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1])), timeout=2) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return None
            return "Redis did not answer PING"
    except OSError as exc:
        return f"Redis at {REDIS_URL} does not answer ({type(exc).__name__})"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(setup: Setup) -> None:
    if setup.database == "sqlite":
        setup.database_url = f"sqlite://{setup.data_dir / 'crm.sqlite3'}"
        return
    setup.pg_name = f"crm_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{setup.pg_name}"'))
    setup.database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{setup.pg_name}"


def drop_database(setup: Setup) -> None:
    if setup.pg_name:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{setup.pg_name}" WITH (FORCE)'))
    shutil.rmtree(setup.data_dir, ignore_errors=True)


def crm(setup: Setup, *args: str, timeout: float = 3600) -> str:
    """Run the `crm` command against the setup's database; its output, or an error with its stderr."""
    done = subprocess.run([str(BIN / "crm"), *args], env=setup.env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"crm {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def python(setup: Setup, code: str, *args: str) -> str:
    """Run `code` in a Python process of its own against `setup` (its figures are that process's alone): its
    output; its error's tail if it failed."""
    done = subprocess.run([sys.executable, "-c", code, *args], env=setup.env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-2000:])
    return done.stdout


def python_json(setup: Setup, code: str, *args: str) -> dict[str, Any]:
    """`python`, for code whose last printed line is its figures as a JSON object."""
    return dict(json.loads(python(setup, code, *args).strip().splitlines()[-1]))


def seed(setup: Setup, customers: int) -> float:
    """Seed demo users and `customers` benchmark customers (resumable: only the missing ones); seconds taken."""
    started = time.perf_counter()
    crm(setup, "seed", "--demo", "--customers", str(customers))
    return time.perf_counter() - started


def token(setup: Setup, email: str = ADMIN_EMAIL) -> str:
    return crm(setup, "token", "create", "--email", email, "--name", f"bench-{uuid.uuid4().hex[:6]}").strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`crm serve --workers N`, as users run it (the access log goes to the log file)."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = setup.data_dir / f"server-{self.port}.log"
        command = [str(BIN / "crm"), "serve", "--workers", str(setup.workers)]
        env = {**setup.env(), "CRM_HOST": "127.0.0.1", "CRM_PORT": str(self.port)}
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200 and len(self.pids()) >= self.setup.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s")

    def pids(self) -> list[int]:
        """The processes that serve requests: `crm serve` itself, or its worker processes."""
        if self.setup.workers == 1:
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            return []
        # uvicorn's supervisor also runs multiprocessing's resource tracker, which serves nothing
        return [p for p in pids if "resource_tracker" not in _cmdline(p)]

    def rss_bytes(self) -> int:
        return sum(rss_of(pid) for pid in self.pids())

    def stop(self) -> None:
        end(self.process, signal.SIGINT)


def end(process: subprocess.Popen[bytes], how: signal.Signals) -> None:
    """Stop a server process with `how`, killing it when it has not ended within 20 s."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_of(pid: int) -> int:
    """VmRSS of a process from /proc/<pid>/status, in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def service_versions() -> list[str]:
    """Versions of the services that answer, for the report."""
    found = []
    if postgres_answers() is None:
        found.append(f"PostgreSQL {asyncio.run(_pg_version())}")
    if redis_answers() is None:
        with socket.create_connection(("127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1])), timeout=2) as s:
            s.sendall(b"INFO server\r\n")
            time.sleep(0.1)
            info = s.recv(65536).decode(errors="replace")
        version = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("redis_version:")), "?")
        found.append(f"Redis {version}")
    return found


async def _pg_version() -> str:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def write_section(path: Path, begin: str, end: str, text: str) -> None:
    """Replace the section between `begin` and `end` of `path` (added at its end the first time); the rest of
    the file is left alone."""
    block = f"{begin}\n{text}{end}"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in current and end in current:
        current = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, current, flags=re.S)
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    path.write_text(current)
