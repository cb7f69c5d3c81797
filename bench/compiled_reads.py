"""The nested document (bench.documents.NESTED, 100 customers by name with contacts, deals with amount and
stage, the last 5 activities) both ways, in-process: through the resolvers (CRM_COMPILED_READS=0) and
compiled into one statement (CRM_COMPILED_READS=1), beside the hand-written statement of bench.limits; as an
admin and as a sales head (row rules in the statement). And the screens' own documents (a contact's, a deal's,
a campaign's and a ticket's page, the support queue, a customer's newest activities and tickets), as the UI asks
for them, both ways. Each way's answer must equal the other's.

`python -m bench.compiled_reads [--customers N] [--runs R]` prints the figures and writes them as their own
section of docs/benchmarks.md; `scripts/bench` runs it after the export's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bench import facts, stack
from bench.report import mib, ms, percentile

BEGIN, END = "<!-- compiled-reads-bench:begin -->", "<!-- compiled-reads-bench:end -->"

RUN = """
import asyncio, json, os, sys, time, tracemalloc
from backend import db, permissions
from backend.auth.actor import Actor
from backend.graphql import frames
from backend.graphql.root import schema
from backend.models import User
from backend.reads.context import Context
from backend.settings import get_settings, reset_settings
from bench.documents import NESTED
from bench.limits import hand_written
from tests.sqlcount import count_statements

EVENT_SELECTIONS = {  # the pipeline board's (and the fan-out bench's), and an API client's richer one
    "the board's": "id version title stage { name }",
    "an API client's": "id title probability amount { amount currency } weightedAmount { amount currency } "
                       "stage { name kind } customer { id name } owner { id name } contact { id name } expectedCloseDate",
}

async def way(actor, compiled, runs, document=NESTED, variables=None):
    os.environ["CRM_COMPILED_READS"] = "1" if compiled else "0"
    reset_settings()
    async def once():  # the answer's text, as the server writes it out
        result = await schema.execute(document, variable_values=variables or {"first": 100},
                                      context_value=Context(actor=actor, wire=True))
        if result.errors:
            raise RuntimeError(str(result.errors[0]))
        return frames.encode(result.data)
    data = await once()
    with count_statements() as statements:
        await once()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await once()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    await once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"times": times, "statements": len(statements), "data": data, "peak": peak}

async def main(runs):
    await db.init(get_settings())
    found = {}
    for email in ("admin@example.com", "head@example.com"):
        actor = Actor.for_user(await User.get(email=email), via="bench")
        resolved, compiled = await way(actor, False, runs), await way(actor, True, runs)
        found[email] = {"resolved": resolved["times"], "compiled": compiled["times"],
                        "statements": [resolved["statements"], compiled["statements"]],
                        "peak": [resolved["peak"], compiled["peak"]],
                        "same": json.loads(resolved["data"]) == json.loads(compiled["data"])}
    found["handsql"], _ = await hand_written(get_settings().database_url, runs)
    head = Actor.for_user(await User.get(email="head@example.com"), via="bench")
    found["screens"] = await screens(head, runs)
    found["events"] = await events(head, runs)
    await db.close()
    return found

async def events(actor, runs):
    # A dealChanged event as the live path handles it for one audience (resolvers.live): the visibility read
    # (once per audience), then the selection run on the rows it read (once per view and document,
    # graphql.shared_events); beside the same selection compiled into one statement, as a query of that deal.
    from graphql import execute, parse
    from backend.compiled.run import answer, compile_operation
    from backend.live.events import DealMoved
    from backend.models import Deal
    from backend.resolvers.live import _deal_as_seen_by
    deal = await Deal.filter(permissions.deal_rule(actor)).order_by("-id").first()
    moved = DealMoved(id=deal.id, customer_id=deal.customer_id, owner_id=deal.owner_id, stage_id=deal.stage_id,
                      actor_id=None, from_stage_id=deal.stage_id)
    async def timed(step, prepare=None):  # prepare: made afresh for each run, outside its time
        times = []
        for n in range(runs + 1):
            given = [await prepare()] if prepare else []
            start = time.perf_counter()
            await step(*given)
            if n:  # the first run warms up
                times.append(time.perf_counter() - start)
        return times
    figures = {}
    for name, selection in EVENT_SELECTIONS.items():
        subscription = parse(f"subscription {{ dealChanged {{ kind dealId deal {{ {selection} }} }} }}")
        query = parse(f"query($id: ID!) {{ deal(id: $id) {{ {selection} }} }}")
        async def read():
            return (await _deal_as_seen_by(actor, moved))[0]
        async def run_selection(seen):  # on the event's own loaders, primed with the rows read, as each event's
            context = Context(actor=actor)
            context.loaders = seen.loaders
            result = execute(schema._schema, subscription, root_value=seen.change, context_value=context)
            result = await result if hasattr(result, "__await__") else result
            if result.errors:
                raise RuntimeError(str(result.errors[0]))
        async def statement():
            compiled = await compile_operation(schema._schema, query, None, {"id": str(deal.id)}, actor)
            if compiled is None or await answer(compiled) is None:
                raise RuntimeError(f"{name}: the selection does not compile")
        figures[name] = {"read": await timed(read), "selection": await timed(run_selection, read),
                         "compiled": await timed(statement)}
    return figures

async def screens(actor, runs):
    from backend.models import Campaign, Contact, Customer, Deal, Ticket
    from frontend.components.customer_tabs import RECENT_QUERY
    from frontend.pages.campaign import CAMPAIGN_QUERY
    from frontend.pages.contact import CONTACT_QUERY
    from frontend.pages.deal import DEAL_QUERY
    from frontend.pages.tickets import QUEUE_QUERY, TICKET_QUERY
    def first(model):  # the record the sales head sees with the most to show: its newest
        return model.filter(permissions.row_rule(actor, model)).order_by("-id").first()
    pages = [("a contact's page", CONTACT_QUERY, Contact), ("a deal's page", DEAL_QUERY, Deal),
             ("a campaign's page", CAMPAIGN_QUERY, Campaign), ("a ticket's page", TICKET_QUERY, Ticket),
             ("a customer's newest activities and tickets", RECENT_QUERY, Customer)]
    found = []
    for name, document, model in pages:
        row = await first(model)
        found.append((name, document, {"id": str(row.id)}))
    found.append(("the support queue (50 tickets)", QUEUE_QUERY, {}))
    figures = {}
    for name, document, variables in found:
        resolved = await way(actor, False, runs, document, variables)
        compiled = await way(actor, True, runs, document, variables)
        figures[name] = {"resolved": resolved["times"], "compiled": compiled["times"],
                         "statements": [resolved["statements"], compiled["statements"]],
                         "same": json.loads(resolved["data"]) == json.loads(compiled["data"])}
    return figures

print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
"""


def measure(setup: stack.Setup, customers: int, runs: int) -> dict[str, Any]:
    stack.create_database(setup)
    try:
        stack.seed(setup, customers)
        return stack.python_json(setup, RUN, str(runs))
    finally:
        stack.drop_database(setup)


def _p50(times: list[float]) -> str:
    return ms(percentile(times, 50))


def section(customers: int, runs: int, databases: tuple[str, ...] = ("sqlite", "postgres")) -> str:
    lines = [f"## Compiled reads ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"The nested document (100 customers by name with contacts, deals with amount and stage, the last 5 "
             f"activities) in-process at {customers:,} customers (`crm seed --demo --customers N`), p50 of {runs} runs: "
             "through the resolvers (`CRM_COMPILED_READS=0`), compiled into one SQL statement that builds the JSON "
             "(`CRM_COMPILED_READS=1`, the default), and the hand-written statement of bench/limits.py (rows only, "
             "no GraphQL). Each way is timed to the response's JSON text, as the server writes it out: the compiled "
             "statement writes the answer's JSON itself (ids, enums and instants as the resolvers write them) and that "
             "text goes out as it is, never parsed into Python objects. Peak memory: what tracemalloc saw allocated at "
             "most during one answer.", "",
             f"Load average before: {facts.load_average()} (1 / 5 / 15 min): on a shared machine every figure grows, "
             "the resolvers' most.", "",
             "| database | caller | resolvers | compiled | speed-up | statements (resolvers → compiled) "
             "| peak memory (resolvers → compiled) | hand-written SQL | same answer |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    screens_found: list[tuple[str, dict[str, Any]]] = []
    for database in databases:
        title = "SQLite" if database == "sqlite" else "PostgreSQL"
        if database == "postgres" and (why := stack.postgres_answers()):
            lines.append(f"| {title} | | not measured: {why} | | | | | | |")
            continue
        print(f"bench.compiled_reads: {title}, {customers:,} customers …", file=sys.stderr, flush=True)
        found = measure(stack.Setup(title, database), customers, runs)
        screens_found.append((title, found))
        for email, who in (("admin@example.com", "admin"), ("head@example.com", "sales head")):
            r = found[email]
            speedup = percentile(r["resolved"], 50) / percentile(r["compiled"], 50)
            lines.append(f"| {title} | {who} | {_p50(r['resolved'])} | {_p50(r['compiled'])} | {speedup:.1f}× | "
                         f"{r['statements'][0]} → {r['statements'][1]} | {mib(r['peak'][0], 2)} → {mib(r['peak'][1], 2)} | "
                         f"{_p50(found['handsql'])} | "
                         f"{'yes' if r['same'] else 'NO'} |")
    lines += ["", f"The screens' own documents, as the UI asks for them (frontend/pages, frontend/components), as the "
              f"sales head, p50 of {runs} runs each way; the record is the newest the sales head sees:", "",
              "| database | screen | resolvers | compiled | speed-up | statements (resolvers → compiled) | same answer |",
              "|---|---|---:|---:|---:|---:|---|"]
    for title, found in screens_found:
        for name, r in found["screens"].items():
            speedup = percentile(r["resolved"], 50) / percentile(r["compiled"], 50)
            lines.append(f"| {title} | {name} | {_p50(r['resolved'])} | {_p50(r['compiled'])} | {speedup:.1f}× | "
                         f"{r['statements'][0]} → {r['statements'][1]} | {'yes' if r['same'] else 'NO'} |")
    lines += ["", "A subscription's event, for one audience (a deal moved, `dealChanged { kind dealId deal { … } }`, as the "
              f"sales head), p50 / p99 of {runs} runs: the live path's read of the deal through the audience's row rule "
              "(once per event and audience, resolvers.live), its run of the selection on the rows that read primed "
              "(once per event, document and view, graphql.shared_events), and the same selection compiled into one "
              "statement (a query of that deal):", "",
              "| database | selection | visibility read | selection on the read rows | compiled statement |",
              "|---|---|---:|---:|---:|"]
    for title, found in screens_found:
        for name, r in found["events"].items():
            lines.append(f"| {title} | {name} | {_spread(r['read'])} | {_spread(r['selection'])} | "
                         f"{_spread(r['compiled'])} |")
    return "\n".join(lines) + "\n"


def _spread(times: list[float]) -> str:
    return f"{ms(percentile(times, 50))} / {ms(percentile(times, 99))}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compiled_reads", description="Compiled reads vs resolvers")
    parser.add_argument("--customers", type=int, default=10_000, help="customers seeded (default 10,000)")
    parser.add_argument("--runs", type=int, default=50, help="runs of each way (default 50)")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--output", type=Path, default=stack.ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    text = section(args.customers, args.runs, databases)
    print(text)
    stack.write_section(args.output, BEGIN, END, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
