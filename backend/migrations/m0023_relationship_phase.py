"""Relationship phase and high-level status (issue 18): customer.phase with its history table, the
admins' pick-lists (one table, a `list` column: high-level statuses first, industries and lead sources
can follow) seeded with three high-level statuses, and customer.high_level_status_id.

Back-fill rule for customers that exist: the phase is read from the lifecycle status and archiving,
the closest thing the data already says about the relationship —
  archived or merged away (archived_at set), or churned → archived
  inactive or blocked → paused
  active → active
  prospect → exploring
  draft → idea (also the column's default)
No history rows are invented for them: the history records moves people make from now on. The
pick-list values are inserted with plain SQL (see m0007); ON CONFLICT keeps an admin's own entry.
"""

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import per_dialect, sql

HIGH_LEVEL_STATUSES = ("Key account", "Curious but cautious", "Dormant")

seed_statuses = sql(*(
    'INSERT INTO "pick_list_item" ("version", "created_at", "updated_at", "list", "label", "position", "archived") '
    f"VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'high_level_status', '{label}', {position}, FALSE) "
    'ON CONFLICT ("list", "label") DO NOTHING'
    for position, label in enumerate(HIGH_LEVEL_STATUSES, start=1)
))

back_fill_phase = sql(
    """UPDATE "customer" SET "phase" = CASE
    WHEN "archived_at" IS NOT NULL OR "status" = 'churned' THEN 'archived'
    WHEN "status" IN ('inactive', 'blocked') THEN 'paused'
    WHEN "status" = 'active' THEN 'active'
    WHEN "status" = 'prospect' THEN 'exploring'
    ELSE 'idea' END"""
)

_indexes = [
    'CREATE INDEX "idx_pick_list_i_created_2b1c1e" ON "pick_list_item" ("created_at")',
    'CREATE INDEX "idx_customer_phase_5c0b1a" ON "customer" ("phase")',
    'CREATE INDEX "idx_customer_high_le_8d3c2f" ON "customer" ("high_level_status_id")',
    'CREATE INDEX "idx_customer_phase_change_customer" ON "customer_phase_change" ("customer_id", "changed_at")',
    'CREATE INDEX "idx_customer_phase_change_changed_by" ON "customer_phase_change" ("changed_by_id")',
]


def _tables(serial: str, timestamp: str, boolean: str) -> list[str]:
    return [
        f"""CREATE TABLE "pick_list_item" (
    "version" INT NOT NULL,
    "created_at" {timestamp} NOT NULL,
    "updated_at" {timestamp} NOT NULL,
    "id" {serial},
    "list" VARCHAR(40) NOT NULL,
    "label" VARCHAR(100) NOT NULL,
    "position" INT NOT NULL,
    "archived" {boolean} NOT NULL,
    CONSTRAINT "uid_pick_list_i_list_3f1a9e" UNIQUE ("list", "label")
)""",
        f"""CREATE TABLE "customer_phase_change" (
    "id" {serial},
    "from_phase" VARCHAR(20),
    "to_phase" VARCHAR(20) NOT NULL,
    "why" VARCHAR(500) NOT NULL,
    "changed_at" {timestamp} NOT NULL,
    "changed_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE
)""",
        """ALTER TABLE "customer" ADD COLUMN "phase" VARCHAR(20) NOT NULL DEFAULT 'idea'""",
        'ALTER TABLE "customer" ADD COLUMN "high_level_status_id" INT '
        'REFERENCES "pick_list_item" ("id") ON DELETE SET NULL',
        *_indexes,
    ]


_create = per_dialect(
    sqlite=_tables("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "TIMESTAMP", "INT"),
    postgres=_tables("SERIAL NOT NULL PRIMARY KEY", "TIMESTAMPTZ", "BOOL"),
)


async def apply(conn: BaseDBAsyncClient) -> None:
    await _create(conn)
    await back_fill_phase(conn)
    await seed_statuses(conn)
