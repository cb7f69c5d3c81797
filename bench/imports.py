"""Import speed and memory: a generated customers CSV (with invalid rows and duplicates mixed in) imported on
a fresh database, through the same service code the server runs (`backend.services.imports.run`), in a
process of its own so its peak memory is the import's.

`python -m bench.imports [--rows N] [--memory-rows N]` prints the figures and writes them as their own
section of docs/benchmarks.md; `scripts/bench` runs it after the main table.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import facts, stack

BEGIN, END = "<!-- import-bench:begin -->", "<!-- import-bench:end -->"
COUNTRIES = ("DE", "FR", "GB", "NL", "AT", "ES", "IT", "Germany", "France")


def make_csv(path: Path, rows: int) -> dict[str, int]:
    """`rows` customers, semicolon-separated as a German Excel writes them: every 100th row has a bad email,
    every 50th repeats an earlier row's email (a duplicate)."""
    expected = {"invalid": 0, "duplicates": 0}
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(["Firma", "E-Mail", "Telefon", "Land", "Stadt", "Branche", "Tags"])
        for i in range(rows):
            email = f"kontakt{i}@firma{i}.example"
            if i % 100 == 99:
                email = f"kaputt-{i}"
                expected["invalid"] += 1
            elif i % 50 == 49:
                email = f"kontakt{i - 7}@firma{i - 7}.example"
                expected["duplicates"] += 1
            out.writerow([f"Firma {i} Handel", email, f"+49 30 {1000000 + i}", COUNTRIES[i % len(COUNTRIES)],
                          "Berlin", "Handel", "import; bench"])
    return expected


RUN = """
import asyncio, json, resource, sys, time
from pathlib import Path
from backend import db
from backend.auth.actor import Actor
from backend.models import Role, User
from backend.services import imports
from backend.settings import get_settings

async def main(path):
    await db.migrate(get_settings())
    await db.init(get_settings())
    user = await User.create(email="importer@example.com", name="Importer", role=Role.SALES_HEAD)
    who = Actor.for_user(user, via="bench")
    job = await imports.create_job(who, "customers", path.name, path)
    await imports.start(who, job.id)
    started = time.perf_counter()
    job = await imports.run(job.id)
    seconds = time.perf_counter() - started
    await db.close()
    return {"seconds": seconds, "rows": job.rows_done, "created": job.created, "skipped": job.skipped,
            "invalid": job.invalid, "status": job.status.value,
            "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}

print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
"""


def measure(setup: stack.Setup, source: Path) -> dict[str, Any]:
    stack.create_database(setup)
    try:
        return stack.python_json(setup, RUN, str(source))
    finally:
        stack.drop_database(setup)


def section(rows: int, memory_rows: int | None) -> str:
    folder = Path(tempfile.mkdtemp(prefix="crm-import-bench-"))
    lines = [f"## Import ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             "A customers CSV (`;`, UTF-8; 1 % invalid emails, 2 % duplicates by email, duplicate policy skip) "
             "imported by `backend.services.imports.run` on a fresh database, in a process of its own; "
             "memory is that process's peak resident size.", "",
             f"Load average before: {facts.load_average()} (1 / 5 / 15 min): a loaded machine divides the rates.", "",
             "Memory should not grow with the file: rows are streamed, one batch is checked ahead, the duplicate "
             "keys live in the table import_key and the error report is written and read page by page, so the "
             "100,000- and 1,000,000-row peaks should be about equal.", "",
             "| database | rows | seconds | rows/s | created / skipped / invalid | peak memory |",
             "|---|---:|---:|---:|---|---:|"]
    sizes = [(rows, "sqlite"), (rows, "postgres")] + ([(memory_rows, "sqlite")] if memory_rows else [])
    for count, database in sizes:
        if database == "postgres" and (why := stack.postgres_answers()):
            lines.append(f"| PostgreSQL | {count:,} | not measured: {why} | | | |")
            continue
        source = folder / f"customers-{count}.csv"
        if not source.exists():
            expected = make_csv(source, count)
            print(f"bench.imports: {source.name} ({source.stat().st_size / 2**20:.0f} MiB, {expected})",
                  file=sys.stderr, flush=True)
        title = "SQLite" if database == "sqlite" else "PostgreSQL"
        print(f"bench.imports: {title}, {count:,} rows …", file=sys.stderr, flush=True)
        r = measure(stack.Setup(title, database), source)
        lines.append(f"| {title} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
                     f"{r['created']:,} / {r['skipped']:,} / {r['invalid']:,} | {r['peak_kib'] / 1024:,.0f} MiB |")
    for source in folder.iterdir():
        source.unlink()
    folder.rmdir()
    return "\n".join(lines) + "\n"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description="Import speed and memory")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the timed file (default 100,000)")
    parser.add_argument("--memory-rows", type=int, default=1_000_000,
                        help="rows of the memory run on SQLite (default 1,000,000; 0 skips it)")
    parser.add_argument("--output", type=Path, default=stack.ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    text = section(args.rows, args.memory_rows or None)
    print(text)
    stack.write_section(args.output, BEGIN, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
