"""The sales head's dashboard in-process, whole and field by field, against the database of CRM_DATABASE_URL
(e.g. one seeded by `crm seed --demo --customers 100000`): `python -m bench.dashboard [runs]`.

scripts/bench measures the whole document over HTTP (rows dashboard.small / dashboard.large); this says which
section costs what, without the server, so a slow figure can be found. Prints a markdown table."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING

from bench.report import percentile

if TYPE_CHECKING:
    from backend.auth.actor import Actor

# Each section of the document /dashboard sends, alone (the whole document is bench.documents.head_dashboard).
SECTIONS = {
    "team: pipeline, forecast by month, won": "team { pipelineByStage { count } forecastByMonth { count } won { amount } }",
    "team: reps (revenue, share, quota, win rate, cycle, activities)": "team { reps { won { amount } "
    "quota { attainment } activities { kind count } } }",
    "team: lost by reason, team quota": "team { lostByReason { count } teamQuota { won { amount } } }",
    "team: stalled deals": "team { stalledCount stalledDeals(first: 5) { id } }",
    "own: pipeline, forecast, quotas": "rep { pipelineByStage { count } forecast { expected { amount } } "
    "quotas { won { amount } } }",
    "own: tasks, going cold, wins": "rep { tasksDueToday tasksOverdue quietCount quietDeals(first: 5) { id } "
    "recentWins(first: 5) { id } }",
    "activity targets: own and each rep's week": "rep { activityTargets { calls { done } meetings { done } } } "
    "team { reps { activityTargets { calls { done } meetings { done } } } }",
}


async def main(runs: int, email: str = "head@example.com") -> None:
    from backend import collector, db
    from backend.auth.actor import Actor
    from backend.models import User
    from backend.settings import get_settings
    from bench.documents import head_dashboard

    await db.init(get_settings())
    collector.tune()  # as each server process does once started: the tail is otherwise the collector's
    actor = Actor.for_user(await User.get(email=email), via="bench")
    whole = head_dashboard()
    documents = {"whole dashboard (the screen's document)": (str(whole["query"]), whole["variables"])}
    documents |= {name: (f"{{ dashboard {{ {part} }} }}", {}) for name, part in SECTIONS.items()}
    print(f"| {email}, {runs} runs | p50 | p99 |\n|---|---|---|")
    try:
        await _measure(documents, actor, runs)
    finally:
        await db.close()  # an open aiosqlite connection keeps the process alive after main returns


async def _measure(documents: dict[str, tuple[str, dict[str, object]]], actor: Actor, runs: int) -> None:
    from backend.graphql.root import schema
    from backend.reads.context import Context

    for name, (query, variables) in documents.items():
        took = []
        for _ in range(runs + 1):  # the first run warms the caches and is not counted
            start = time.perf_counter()
            result = await schema.execute(query, variable_values=variables, context_value=Context(actor=actor))
            took.append(time.perf_counter() - start)
            if result.errors:
                raise SystemExit(f"{name}: {result.errors}")
        took = took[1:]
        print(f"| {name} | {percentile(took, 50) * 1000:,.1f} ms | {percentile(took, 99) * 1000:,.1f} ms |")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
