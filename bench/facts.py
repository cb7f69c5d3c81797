"""What the table's figures depend on: the machine, its load, the versions, the plan of the run."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("starlette", "strawberry-graphql", "uvicorn", "tortoise-orm", "aiosqlite", "ciso8601", "asyncpg",
            "redis", "httpx", "websockets")


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
    return "unknown RAM"


def _versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, " + ", ".join(found)


def describe(plan: Any, load_before: str, seconds: float, skipped: list[str], servers: list[str]) -> list[tuple[str, str]]:
    facts = [
        ("Machine", f"{_cpu()}, {os.cpu_count()} cores, {_memory()}, {platform.system()} {platform.release()}"),
        ("Load average", f"{load_before} before, {load_average()} after (1/5/15 min; the machine is shared: "
                         f"a load above the core count means other work ran alongside)"),
        ("Versions", _versions()),
        ("Services", "; ".join(servers) or "none"),
        ("Run", f"{'--quick' if plan.quick else 'full'}: {plan.customers:,} customers (3 contacts, 2 deals, "
                f"5 activities each){f', then {plan.large:,}' if plan.large else ''}; {plan.requests:,} requests "
                f"behind each latency figure; {plan.concurrency} clients for throughput; took {seconds / 60:.1f} min"),
        ("Method", "`crm serve` (uvicorn; `--workers 2` for two processes) on 127.0.0.1; "
         "load from a separate Python process (httpx, websockets) "
                   "on the same machine, so client time is inside every latency; latencies with one client, "
                   "throughput with several; statements counted in-process on the served schema; "
                   "memory is VmRSS from /proc"),
    ]
    facts += [("Skipped", reason) for reason in skipped]
    return facts
