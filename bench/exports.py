"""Export speed and memory: N customers (each with an account manager, tags and a phone) exported to CSV
through the same code as the UI's download and `crm export` (`frontend.export.Export`, keyset pages of flat
rows from the schema's `exportCustomers`), in a process of its own so its peak memory is the export's.

`python -m bench.exports [--rows N]` prints the figures and writes them as their own section of
docs/benchmarks.md; `scripts/bench` runs it after the import's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bench import facts, stack

BEGIN, END = "<!-- export-bench:begin -->", "<!-- export-bench:end -->"

FILL = """
import asyncio, sys
from backend import db
from backend.models import Customer, Role, User
from backend.settings import get_settings

async def main(total):
    await db.migrate(get_settings())
    await db.init(get_settings())
    managers = [await User.create(email=f"m{i}@bench.example", name=f"Manager {i}", role=Role.SALES_REP)
                for i in range(20)]
    for start in range(0, total, 5000):
        await Customer.bulk_create([
            Customer(name=f"Export Kunde {i:07d} Müller", email=f"k{i}@kunde{i}.example", phone=f"+49 30 {1000000 + i}",
                     city="Köln", country="DE", industry="Handel", tags=["export", "bench"],
                     account_manager_id=managers[i % 20].id)
            for i in range(start, min(total, start + 5000))], batch_size=1000)
    await db.close()

asyncio.run(main(int(sys.argv[1])))
"""

RUN = """
import asyncio, json, resource, sys, time
from backend import db
from backend.auth.actor import Actor
from backend.settings import get_settings
from frontend.export import Export

async def main(target):
    await db.init(get_settings())
    wall, cpu = time.perf_counter(), time.process_time()
    running = await Export.open(Actor.system(via="bench"), "customers", {}, "csv")
    first = None
    with open(target, "wb") as out:
        async for chunk in running.chunks():
            first = first or time.perf_counter() - wall
            out.write(chunk.encode())
    result = {"rows": running.rows, "seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
              "first": first, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    await db.close()
    return result

print(json.dumps(asyncio.run(main(sys.argv[1]))))
"""


def measure(setup: stack.Setup, rows: int) -> dict[str, Any]:
    stack.create_database(setup)
    try:
        setup.data_dir.mkdir(parents=True, exist_ok=True)
        stack.python(setup, FILL, str(rows))
        return stack.python_json(setup, RUN, str(setup.data_dir / "customers.csv"))
    finally:
        stack.drop_database(setup)


def section(rows: int, databases: tuple[str, ...] = ("sqlite", "postgres")) -> str:
    lines = [f"## Export ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"{rows:,} customers exported to CSV by `frontend.export.Export` (what `/ui/export/customers.csv` and "
             "`crm export customers` run) on a fresh database, in a process of its own: keyset pages of 2,000 flat "
             "rows from `exportCustomers`, the account managers' names through a DataLoader. CPU is the export "
             "process's own time; memory its peak resident size.", "",
             f"Load average before: {facts.load_average()} (1 / 5 / 15 min): on a loaded machine the wall time "
             "grows, the CPU time much less.", "",
             "| database | rows | seconds (wall) | rows/s (wall) | CPU seconds | rows/s (CPU) | first bytes after | peak memory |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for database in databases:
        title = "SQLite" if database == "sqlite" else "PostgreSQL"
        if database == "postgres" and (why := stack.postgres_answers()):
            lines.append(f"| {title} | {rows:,} | not measured: {why} | | | | | |")
            continue
        print(f"bench.exports: {title}, {rows:,} customers …", file=sys.stderr, flush=True)
        r = measure(stack.Setup(title, database), rows)
        lines.append(f"| {title} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
                     f"{r['cpu']:.1f} | {r['rows'] / r['cpu']:,.0f} | {r['first']:.2f} s | {r['peak_kib'] / 1024:,.0f} MiB |")
    return "\n".join(lines) + "\n"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description="Export speed and memory")
    parser.add_argument("--rows", type=int, default=100_000, help="customers exported (default 100,000)")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--output", type=Path, default=stack.ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    text = section(args.rows, databases)
    print(text)
    stack.write_section(args.output, BEGIN, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
