"""Schema migrations: numbered steps, each applied once and recorded in `crm_migration`.

Tortoise's own migration runner drops foreign-key columns on PostgreSQL when a table refers to one
created later in the same migration, so the first step lets Tortoise generate the schema (which orders
tables correctly on every database) and later steps are plain SQL or Python, in order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient

Step = Callable[[BaseDBAsyncClient], Awaitable[None]]


async def _initial(conn: BaseDBAsyncClient) -> None:
    await Tortoise.generate_schemas(safe=True)


def _sql(*statements: str) -> Step:
    async def run(conn: BaseDBAsyncClient) -> None:
        for statement in statements:
            await conn.execute_script(statement)

    return run


async def _default_pipeline(conn: BaseDBAsyncClient) -> None:
    from backend.models import Pipeline, Stage, StageKind

    if await Pipeline.exists():
        return
    pipeline = await Pipeline.create(name="Sales", is_default=True, position=0)
    stages = [
        ("New", 10, StageKind.OPEN),
        ("Contacted", 20, StageKind.OPEN),
        ("Qualified", 40, StageKind.OPEN),
        ("Proposal sent", 60, StageKind.OPEN),
        ("Won", 100, StageKind.WON),
        ("Lost", 0, StageKind.LOST),
    ]
    for position, (name, probability, kind) in enumerate(stages):
        await Stage.create(pipeline=pipeline, name=name, position=position, probability=probability, kind=kind)


SQLITE_SEARCH = [
    # Trigram full-text index over customer.search_text, kept in step by triggers (any writer, any path).
    "CREATE VIRTUAL TABLE customer_fts USING fts5(search_text, content='customer', content_rowid='id', tokenize='trigram')",
    "INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')",
    "CREATE TRIGGER customer_fts_insert AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER customer_fts_delete AFTER DELETE ON customer BEGIN "
    "INSERT INTO customer_fts(customer_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER customer_fts_update AFTER UPDATE OF search_text ON customer BEGIN "
    "INSERT INTO customer_fts(customer_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
POSTGRES_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX "idx_customer_search_trgm" ON "customer" USING gin ("search_text" gin_trgm_ops)',
]


async def _search_index(conn: BaseDBAsyncClient) -> None:
    statements = POSTGRES_SEARCH if conn.capabilities.dialect == "postgres" else SQLITE_SEARCH
    for statement in statements:
        await conn.execute_script(statement)


# Every foreign key not already leading an index: the 360° view, timelines, stage histories, a user's
# tasks, sessions and notifications, and each role's audience all look rows up by these columns, and
# neither SQLite nor PostgreSQL indexes a foreign key by itself (without one, each lookup scans the table).
LOOKUP_INDEXES = [
    ("activity", "assignee_id"), ("activity", "author_id"), ("activity", "contact_id"), ("activity", "deal_id"),
    ("api_token", "user_id"), ("audit_entry", "actor_id"), ("campaign", "owner_id"),
    ("contact", "customer_id"), ("contact", "owner_id"), ("crm_session", "user_id"), ("crm_user", "team_id"),
    ("customer", "account_manager_id"), ("customer_status_change", "changed_by_id"),
    ("customer_status_change", "customer_id"), ("deal", "contact_id"), ("deal", "owner_id"),
    ("deal", "pipeline_id"), ("deal", "stage_id"), ("deal_stage_change", "changed_by_id"),
    ("deal_stage_change", "deal_id"), ("deal_stage_change", "from_stage_id"), ("deal_stage_change", "to_stage_id"),
    ("exchange_rate", "updated_by_id"), ("lead", "contact_id"), ("lead", "customer_id"), ("lead", "deal_id"),
    ("lead", "owner_id"), ("note", "author_id"), ("note", "customer_id"), ("notification", "user_id"),
]


def _on_postgres(*statements: str) -> Step:
    run_all = _sql(*statements)

    async def run(conn: BaseDBAsyncClient) -> None:
        if conn.capabilities.dialect == "postgres":
            await run_all(conn)

    return run


# PostgreSQL estimates how many customers a search fragment matches from this column's histogram. With
# its default 100 entries, a fragment found in one entry is taken for 1 % of all customers, and the
# planner then walks the name index for a page of them instead of asking the trigram index: 30-50 ms at
# 100,000 customers instead of under 1 ms (docs/benchmarks.md). 1,000 entries estimate ten times finer.
SEARCH_STATISTICS = 'ALTER TABLE "customer" ALTER COLUMN "search_text" SET STATISTICS 1000'

STEPS: list[tuple[str, Step]] = [
    ("0001_initial", _initial),
    (
        "0002_indexes",
        _sql(
            # At most one primary contact per customer, enforced by the database so no race can break it.
            'CREATE UNIQUE INDEX "uniq_contact_primary" ON "contact" ("customer_id") WHERE "is_primary"',
            'CREATE INDEX "idx_activity_customer_time" ON "activity" ("customer_id", "occurred_at")',
            'CREATE INDEX "idx_engagement_campaign_time" ON "engagement_event" ("campaign_id", "occurred_at")',
            'CREATE INDEX "idx_deal_customer_stage" ON "deal" ("customer_id", "stage_id")',
        ),
    ),
    ("0003_default_pipeline", _default_pipeline),
    ("0004_search_index", _search_index),
    ("0005_lookup_indexes", _sql(*(f'CREATE INDEX "idx_{t}_{c}" ON "{t}" ("{c}")' for t, c in LOOKUP_INDEXES))),
    ("0006_search_statistics", _on_postgres(SEARCH_STATISTICS, 'ANALYZE "customer"')),
]


async def apply_all() -> list[str]:
    """Apply the steps not yet recorded; returns their names."""
    conn = connections.get("default")
    await conn.execute_script(
        'CREATE TABLE IF NOT EXISTS "crm_migration" ("name" VARCHAR(100) PRIMARY KEY, "applied_at" VARCHAR(40) NOT NULL)'
    )
    _, rows = await conn.execute_query('SELECT "name" FROM "crm_migration"')
    done = {row["name"] for row in rows}
    applied = []
    for name, step in STEPS:
        if name in done:
            continue
        await step(conn)
        await conn.execute_query(
            'INSERT INTO "crm_migration" ("name", "applied_at") VALUES ($1, CURRENT_TIMESTAMP)'
            if conn.capabilities.dialect == "postgres"
            else 'INSERT INTO "crm_migration" ("name", "applied_at") VALUES (?, CURRENT_TIMESTAMP)',
            [name],
        )
        applied.append(name)
    return applied
