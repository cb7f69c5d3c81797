"""`scripts/bench [--quick] [--customers N]`: every measurement for each setup, one table, docs/benchmarks.md.

Setups: SQLite with one uvicorn process; PostgreSQL with two processes sharing events through Redis
when both answer (one process when only PostgreSQL does). A measurement whose dependency is missing
says why in its cell instead of showing a number.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import compiled_reads, exports, facts, imports, side_by_side, stack
from bench.documents import NESTED, SEARCH, head_dashboard
from bench.report import ROWS, Column, Figure, Report, mib, ms, p50_p99, percentile, write

OUTPUT = stack.ROOT / "docs" / "benchmarks.md"
REPORT = ("query($input: DealReportInput!) { report(input: $input) { groupCount currency ratesAsOf "
          "rows(first: 100) { stage { name } owner { name } month industry count sum { amount } weightedSum { amount } "
          "average { amount } winRate cycleDays } total { count sum { amount } } } }")
REPORT_MEASURES = ["COUNT", "SUM", "WEIGHTED_SUM", "AVERAGE", "WIN_RATE", "CYCLE_DAYS"]
REPORT_GROUPS = (["STAGE"], ["OWNER"], ["CLOSE_MONTH"], ["OWNER", "CLOSE_MONTH"], ["INDUSTRY"])
LARGE = 100_000
# The head's dashboard is a dozen aggregations over the team's deals: fewer requests keep the run's time in bounds.
DASHBOARD_REQUESTS = 50


@dataclass(frozen=True)
class Plan:
    customers: int
    large: int | None  # grow to this many customers for the large run (None: one size only)
    requests: int  # requests behind each latency figure
    concurrency: int  # clients of the throughput runs
    fanout: tuple[int, int, int]
    deliveries: int  # deliveries behind each fan-out figure (at least)
    likes: int
    dashboards: int
    quick: bool

    @classmethod
    def of(cls, quick: bool, customers: int | None) -> Plan:
        if quick:
            return cls(customers or 1_000, None, 30, 4, (1, 10, 100), 30, 60, 20, True)
        n = customers or 10_000
        return cls(n, LARGE if n < LARGE else None, 1_000, 8, (1, 100, 1_000), 1_000, 1_000, 100, False)


def load(spec: dict[str, Any], timeout: float = 3600) -> dict[str, Any]:
    """Run one scenario in the load generator process and return its results."""
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(spec), capture_output=True,
                          text=True, timeout=timeout, cwd=stack.ROOT)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "the load generator failed")
    return json.loads(done.stdout)


def in_process_limits(setup: stack.Setup, token: str, runs: int) -> dict[str, Any]:
    spec = json.dumps({"email": stack.ADMIN_EMAIL, "token": token, "runs": runs})
    done = subprocess.run([sys.executable, "-m", "bench.limits"], input=spec,
                          capture_output=True, text=True, timeout=3600, cwd=stack.ROOT, env=setup.env())
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout)


def graphql(server: stack.Server, token: str, query: str, **variables: Any) -> dict[str, Any]:
    """Setup traffic (not measured): one document, its data or an error."""
    answer = httpx.post(f"{server.url}/graphql", json={"query": query, "variables": variables},
                        headers={"Authorization": f"Bearer {token}"}, timeout=60).json()
    if answer.get("errors"):
        raise RuntimeError(f"GraphQL error: {answer['errors'][0].get('message')}")
    return answer["data"]


def _errors(result: dict[str, Any]) -> str:
    count = result.get("error_count", 0) or len(result.get("errors", []))
    return f", {count} failed ({result['errors'][0]})" if count else ""


class Bench:
    """The measurements of one setup, filling its column."""

    def __init__(self, setup: stack.Setup, plan: Plan) -> None:
        self.setup, self.plan = setup, plan
        self.column = Column(setup.title)
        self.figures = self.column.figures

    def prepare(self) -> None:
        """A fresh database with the plan's customers, and an API token for the load generator."""
        stack.create_database(self.setup)
        seconds = stack.seed(self.setup, self.plan.customers)
        self.column.notes.append(f"seeded {self.plan.customers:,} customers (with demo data) in {seconds:.0f} s")
        self.token = stack.token(self.setup)

    def run(self) -> Column:
        server = None
        try:
            server = stack.Server(self.setup)
            server.wait_ready()
            self.server = server
            self.figures["memory.idle"] = Figure(mib(server.rss_bytes()) + self._rss_note())
            self.schema = self._introspect()
            self._step(self._nested, "nested.rps", "nested.latency")
            self._step(self._limits, "nested.sql", "nested.floor", "nested.handsql")
            self._step(self._search_base, "search.small", "report.small")
            self._step(self._dashboard_base, "dashboard.small")
            self._step(self._moves, "writes.move")
            self._step(self._fanout, "fanout.few", "fanout.some", "fanout.many", "memory.subscribers")
            self._step(self._likes, "likes")
            self._step(self._large, "search.large", "report.large", "memory.large")
            self._step(self._export, "export.csv", "export.xlsx")
        except Exception as exc:  # a setup that cannot run still says why
            self.column.notes.append(f"stopped: {type(exc).__name__}: {exc}"[:400])
        finally:
            if server is not None:
                server.stop()
                self._keep_log(server)
            stack.drop_database(self.setup)
        return self.column

    def _keep_log(self, server: stack.Server) -> None:
        """The server's output outlives the run's temporary folder when something failed."""
        if any("failed" in note or "stopped" in note for note in self.column.notes):
            kept = Path(tempfile.gettempdir()) / f"crm-bench-{self.setup.database}-server.log"
            shutil.copyfile(server.log, kept)
            self.column.notes.append(f"server output kept in {kept}")

    def _step(self, measure: Callable[[], None], *keys: str) -> None:
        """One measurement; when it fails, its cells say so and the notes say why."""
        name = measure.__name__.lstrip("_")
        print(f"bench: {self.setup.title}: {name}", file=sys.stderr, flush=True)
        try:
            measure()
        except Exception as exc:
            self.column.notes.append(f"{name} failed: {type(exc).__name__}: {exc}"[:500])
            for key in keys:
                self.figures.setdefault(key, Figure.missing(f"{name} failed (see below)"))

    def _rss_note(self) -> str:
        return f" (sum of {self.setup.workers} workers)" if self.setup.workers > 1 else ""

    def _http(self, bodies: list[dict[str, Any]], concurrency: int, count: int | None = None,
              token: str | None = None) -> dict[str, Any]:
        return load({"scenario": "http", "url": self.server.url, "token": token or self.token, "bodies": bodies,
                     "count": count or self.plan.requests, "concurrency": concurrency})

    def _introspect(self) -> dict[str, Any]:
        query = """{ __schema { mutationType { fields { name } } subscriptionType { fields { name args { name type { kind } } } } } }"""
        data = graphql(self.server, self.token, query)["__schema"]
        return {
            "mutations": {f["name"] for f in data["mutationType"]["fields"]},
            "subscriptions": {f["name"]: f for f in (data["subscriptionType"] or {"fields": []})["fields"]},
        }

    # 1. nested list query: latency with one client, throughput with several
    def _nested(self) -> None:
        body = [{"query": NESTED, "variables": {"first": 100}}]
        single = self._http(body, 1)
        many = self._http(body, self.plan.concurrency)
        self.nested_p50 = percentile(single["latencies"], 50)
        self.figures["nested.latency"] = Figure(p50_p99(single["latencies"]) + _errors(single))
        self.figures["nested.rps"] = Figure(f"{len(many['latencies']) / many['elapsed']:.1f} req/s "
                                            f"({self.plan.concurrency} clients){_errors(many)}")

    # 2. statements, hand-written SQL and the GraphQL floor
    def _limits(self) -> None:
        found = in_process_limits(self.setup, self.token, self.plan.requests)
        data, auth = found["data_statements"], found["auth_statements"]
        self.figures["nested.sql"] = Figure(f"{data} for data + {auth} for a warm token", data <= 4 and auth == 0)
        floor = percentile(found["floor"], 50)
        sql = percentile(found["handsql"], 50)
        ours = getattr(self, "nested_p50", None)
        if found["floor_statements"]:
            raise RuntimeError(f"the floor sent {found['floor_statements']} SQL statements: not a floor")
        if ours is None:
            self.figures["nested.floor"] = Figure(f"{ms(floor)}; not compared: the nested HTTP run failed")
            self.figures["nested.handsql"] = Figure(f"{ms(sql)}; not compared: the nested HTTP run failed")
            return
        self.figures["nested.floor"] = Figure(f"{ms(floor)} → ours {ours / floor:.2f}×", ours / floor <= 1.5)
        same = "" if found["handsql_same_data"] else " (rows differ from the GraphQL answer!)"
        self.figures["nested.handsql"] = Figure(f"{ms(sql)} → ours {ours / sql:.1f}×{same}")

    # 3. search by a name fragment
    def _search_base(self) -> None:
        self._search("search.small", self.plan.customers)
        self._report("report.small", self.plan.customers)

    def _report(self, key: str, customers: int) -> None:
        """The `report` query as the North sales head (row rules on every deal), one client, over the groupings
        the reports screen and dashboards ask for, every measure."""
        head = stack.crm(self.setup, "token", "create", "--email", stack.HEAD_EMAIL,
                         "--name", f"bench-report-{uuid.uuid4().hex[:6]}").strip()
        bodies = [{"query": REPORT, "variables": {"input": {"groupBy": group, "measures": REPORT_MEASURES}}}
                  for group in REPORT_GROUPS]
        result = self._http(bodies, 1, token=head)
        met = percentile(result["latencies"], 99) < 0.100 if customers >= LARGE else None
        self.figures[key] = Figure(f"{p50_p99(result['latencies'])}{_errors(result)}", met)

    def _search(self, key: str, customers: int) -> None:
        rng = random.Random(customers)
        bodies = [{"query": SEARCH, "variables": {"q": f"{rng.randrange(1, customers):06d}"[1:5]}} for _ in range(50)]
        result = self._http(bodies, 1)
        p99 = percentile(result["latencies"], 99)
        met = p99 < 0.020 if customers >= LARGE else None
        self.figures[key] = Figure(f"{p50_p99(result['latencies'])}{_errors(result)}", met)

    # 3b. the sales head's dashboard: every figure of the landing page, one request
    def _dashboard_base(self) -> None:
        self._dashboard("dashboard.small", self.plan.customers)

    def _dashboard_large(self) -> None:
        self._dashboard("dashboard.large", self.plan.large or 0)

    def _dashboard(self, key: str, customers: int) -> None:
        if not hasattr(self, "head_token"):
            self.head_token = stack.token(self.setup, stack.HEAD_EMAIL)
        result = load({"scenario": "http", "url": self.server.url, "token": self.head_token,
                       "bodies": [head_dashboard()], "count": min(self.plan.requests, DASHBOARD_REQUESTS),
                       "concurrency": 1})
        p99 = percentile(result["latencies"], 99)
        met = p99 < 0.100 if customers >= LARGE else None
        self.figures[key] = Figure(f"{p50_p99(result['latencies'])}{_errors(result)}", met)

    def _deal_input(self) -> str | None:
        if "moveDeal" not in self.schema["mutations"]:
            return "moveDeal is not in the schema yet"
        return None

    def _open_deals(self, count: int) -> list[list[Any]]:
        """[id, version, [open stage ids of its pipeline, starting at its own]] of deals in open stages."""
        pipelines = graphql(self.server, self.token, "{ pipelines { id stages { id kind } } }")["pipelines"]
        open_stages = {p["id"]: [s["id"] for s in p["stages"] if s["kind"] == "OPEN"] for p in pipelines}
        query = """query($first: Int) { deals(first: $first, filter: {stageKind: [OPEN]}) {
                     edges { node { id version stage { id } pipeline { id } } } } }"""
        found = []
        for edge in graphql(self.server, self.token, query, first=min(100, count * 2))["deals"]["edges"]:
            deal = edge["node"]
            stages = open_stages[deal["pipeline"]["id"]]
            if len(stages) > 1 and deal["stage"]["id"] in stages:
                at = stages.index(deal["stage"]["id"])
                found.append([deal["id"], deal["version"], stages[at:] + stages[:at]])
        if not found:
            raise RuntimeError("no deal in an open stage to move")
        return found[:count]

    MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id version } }"

    # 4. writes: moveDeal
    def _moves(self) -> None:
        if reason := self._deal_input():
            self.figures["writes.move"] = Figure.missing(reason)
            return
        deals = self._open_deals(self.plan.concurrency * 4)
        result = load({"scenario": "moves", "url": self.server.url, "token": self.token, "deals": deals,
                       "document": self.MOVE, "count": self.plan.requests, "concurrency": self.plan.concurrency})
        rate = len(result["latencies"]) / result["elapsed"]
        p99 = percentile(result["latencies"], 99) if result["latencies"] else float("nan")
        self.figures["writes.move"] = Figure(f"{rate:.1f}/s, p99 {ms(p99)} ({self.plan.concurrency} clients){_errors(result)}")

    # 5. live fan-out
    def _fanout(self) -> None:
        keys = ("fanout.few", "fanout.some", "fanout.many")
        reason = self._deal_input() or (None if "dealChanged" in self.schema["subscriptions"] else "dealChanged is not in the schema yet")
        if reason:
            for key in keys:
                self.figures[key] = Figure.missing(reason)
            self.figures["memory.subscribers"] = Figure.missing(reason)
            return
        deal = self._open_deals(1)[0]
        # what a pipeline board asks for
        subscription = "subscription { dealChanged { kind dealId stageId deal { id version title stage { name } } } }"
        for key, subscribers in zip(keys, self.plan.fanout, strict=True):
            mutations = max(3, math.ceil(self.plan.deliveries / subscribers))
            result = load({"scenario": "fanout", "url": self.server.url, "ws_url": self.server.url.replace("http", "ws") + "/graphql",
                           "token": self.token, "subscribers": subscribers, "mutations": mutations, "deal": deal,
                           "mutation": self.MOVE, "subscription": subscription, "variables": {},
                           "server_pids": self.server.pids()})
            deal = self._open_deals(1)[0]  # its version moved on: read it again
            lost = f", {result['missing']} not delivered" if result["missing"] else ""
            met = (percentile(result["latencies"], 99) < 0.100 and not result["missing"]) if subscribers >= 1000 else None
            self.figures[key] = Figure(f"{p50_p99(result['latencies'])}{lost}", met)
            self.figures["memory.subscribers"] = Figure(f"{mib(result['rss'])} with {subscribers:,} subscribers{self._rss_note()}")

    # 6. public likes with dashboards subscribed
    def _likes(self) -> None:
        created = graphql(self.server, self.token, """mutation { createCampaign(input: {title: "Bench likes",
            type: PROMOTION, visibility: PUBLIC}) { id version } }""")["createCampaign"]
        campaign, version = created["id"], created["version"]
        for status in ("NEW", "ACTIVE"):
            version = graphql(self.server, self.token, """mutation($input: ChangeCampaignStatusInput!) {
                changeCampaignStatus(input: $input) { version } }""",
                input={"id": campaign, "version": version, "status": status})["changeCampaignStatus"]["version"]
        subscription = "subscription($campaignId: ID!) { campaignEngagement(campaignId: $campaignId) { kind totals { likes } } }"
        result = load({"scenario": "likes", "url": self.server.url, "ws_url": self.server.url.replace("http", "ws") + "/graphql",
                       "token": self.token, "campaign_id": campaign, "dashboards": self.plan.dashboards,
                       "likes": self.plan.likes, "concurrency": self.plan.concurrency, "subscription": subscription})
        lost = result["before"] + result["counted"] - result["after"]
        uncounted = result["sent"] - result["counted"] - result["error_count"]
        ok = lost == 0 and uncounted == 0 and result["dashboards_behind"] == 0 and not result["error_count"]
        self.figures["likes"] = Figure(
            f"{len(result['latencies']) / result['elapsed']:.0f} likes/s ({self.plan.concurrency} clients, "
            f"{self.plan.dashboards} dashboards); {result['sent']:,} sent, {result['after'] - result['before']:,} counted, "
            f"lost {lost}, dashboards behind {result['dashboards_behind']}{_errors(result)}", ok)

    # the large run: grow the database, search again, then the server's memory
    def _large(self) -> None:
        if self.plan.large is None:
            reason = "--quick measures one size" if self.plan.quick else f"--customers is already ≥ {LARGE:,}"
            self.figures["search.large"] = Figure.missing(reason)
            self.figures["report.large"] = Figure.missing(reason)
            self.figures["dashboard.large"] = Figure.missing(reason)
            self.figures["memory.large"] = Figure.missing(reason)
            return
        seconds = stack.seed(self.setup, self.plan.large)
        self.column.notes.append(f"grown to {self.plan.large:,} customers in {seconds:.0f} s")
        self._search("search.large", self.plan.large)
        self._report("report.large", self.plan.large)
        self._step(self._dashboard_large, "dashboard.large")
        self._http([{"query": NESTED, "variables": {"first": 100}}], 1)
        self.figures["memory.large"] = Figure(f"{mib(self.server.rss_bytes())}{self._rss_note()}")


    # 7. exports of the whole customer list (at the large size when it ran): streamed, memory flat
    def _export(self) -> None:
        total = graphql(self.server, self.token, "{ customers(first: 1) { totalCount } }")["customers"]["totalCount"]
        for key, kind in (("export.csv", "csv"), ("export.xlsx", "xlsx")):
            before = self.server.rss_bytes()
            start, first, size = time.perf_counter(), None, 0
            with httpx.stream("GET", f"{self.server.url}/ui/export/customers.{kind}", timeout=3600,
                              headers={"Authorization": f"Bearer {self.token}"}) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    first = first if first is not None else time.perf_counter() - start
                    size += len(chunk)
            elapsed = time.perf_counter() - start
            self.figures[key] = Figure(
                f"{total:,} rows ({mib(size)}) in {elapsed:.1f} s = {total / elapsed:,.0f} rows/s, first byte "
                f"{ms(first or elapsed)}; server {mib(before)} → {mib(self.server.rss_bytes())}{self._rss_note()}")


def setups(plan: Plan) -> tuple[list[stack.Setup], list[str]]:
    chosen = [stack.Setup("SQLite, 1 process", "sqlite")]
    skipped = []
    if why := stack.postgres_answers():
        skipped.append(f"PostgreSQL not measured: {why}")
    elif why := stack.redis_answers():
        skipped.append(f"two processes not measured: {why}")
        chosen.append(stack.Setup("PostgreSQL, 1 process", "postgres"))
    else:
        chosen.append(stack.Setup("PostgreSQL, 2 processes + Redis", "postgres", workers=2, broadcast_url=stack.REDIS_URL))
    return chosen, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description="Benchmarks; writes docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="a small version (about two minutes)")
    parser.add_argument("--customers", type=int, metavar="N", help="customers to seed (default 10,000; 1,000 with --quick)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the markdown file to write")
    args = parser.parse_args(argv)
    plan = Plan.of(args.quick, args.customers)
    started = time.monotonic()
    load_before = facts.load_average()
    chosen, skipped = setups(plan)
    benches = [Bench(setup, plan) for setup in chosen]
    columns = []
    with ThreadPoolExecutor(len(benches)) as pool:  # seeding overlaps; no measurement runs alongside it
        failed = [f.exception() for f in [pool.submit(bench.prepare) for bench in benches]]
    for bench, error in zip(benches, failed, strict=True):
        print(f"bench: {bench.setup.title} …", file=sys.stderr, flush=True)
        if error is None:
            columns.append(bench.run())
        else:
            stack.drop_database(bench.setup)
            bench.column.notes.append(f"not measured: preparing failed: {error}"[:500])
            bench.figures.update({row.key: Figure.missing("preparing the database failed (see below)") for row in ROWS})
            columns.append(bench.column)
    report = Report(
        title=f"{'Quick run' if plan.quick else 'Full run'} of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        facts=facts.describe(plan, load_before, time.monotonic() - started, skipped, stack.service_versions()),
        columns=columns,
        labels=_labels(plan),
    )
    print(report.table())
    for column in columns:
        for note in column.notes:
            print(f"{column.title}: {note}", file=sys.stderr)
    write(args.output, report)
    # The import's own section: 100,000 rows timed on each database, 1,000,000 for memory (a tenth with --quick).
    imports.write(args.output, imports.section(LARGE // 10 if plan.quick else LARGE, None if plan.quick else 10 * LARGE))
    # The export's own section: 100,000 customers to CSV on each database (a tenth with --quick).
    exports.write(args.output, exports.section(LARGE // 10 if plan.quick else LARGE))
    # The compiled reads' own section: the nested document both ways, in-process, on each database.
    stack.write_section(args.output, compiled_reads.BEGIN, compiled_reads.END,
                        compiled_reads.section(plan.customers, 20 if plan.quick else 100))
    # The nested document side by side with PostGraphile and the hand-written statement, on PostgreSQL.
    stack.write_section(args.output, side_by_side.BEGIN, side_by_side.END, side_by_side.section(plan.customers))
    print(f"bench: wrote {args.output}", file=sys.stderr)
    return 0


def _labels(plan: Plan) -> dict[str, str]:
    few, some, many = plan.fanout
    return {
        "search.small": f"Search customers by a name fragment at {plan.customers:,}: p50 / p99",
        "search.large": f"Search at {plan.large or LARGE:,} customers: p50 / p99",
        "report.small": f"report (deals grouped, every measure) as a sales head at {plan.customers:,}: p50 / p99",
        "report.large": f"report as a sales head at {plan.large or LARGE:,} customers: p50 / p99",
        "fanout.few": f"Live fan-out, mutation → delivery, {few:,} subscriber{'s' if few > 1 else ''}: p50 / p99",
        "fanout.some": f"Live fan-out, {some:,} subscribers: p50 / p99",
        "fanout.many": f"Live fan-out, {many:,} subscribers: p50 / p99",
        "likes": f"Public likes with {plan.dashboards} dashboards subscribed: likes/s, lost counts",
        "memory.subscribers": f"Server resident memory: with {many:,} subscribers",
        "memory.large": f"Server resident memory: after the {plan.large or LARGE:,}-customer run",
    }


if __name__ == "__main__":
    sys.exit(main())
