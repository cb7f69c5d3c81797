"""Editable workflows and pick-lists (issue 18).

1. `status_transition`: the steps admins allow between the statuses of customers, contacts, leads and tasks,
   seeded with the steps the code allowed until now (services/*.py TRANSITIONS before this step). Blocking a
   customer (from any status, with a reason) and unblocking it stay fixed rules, not rows.
2. Industries, segments and lead sources join the pick-lists (`pick_list_item`, m0023). Each list starts
   with a few common values (the seeds' examples) and every distinct value records already carry (the
   spelling of the first of equal ones, case ignored), so nothing existing becomes invalid. Positions are
   1..n per list: the common values first, then the records' values by label.

Values are inserted with plain SQL (see m0007); an admin's own entry is never touched.
"""

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import per_dialect, sql

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "customer": {
        "draft": ("prospect", "active"),
        "prospect": ("active", "inactive", "churned"),
        "active": ("inactive", "churned"),
        "inactive": ("active", "churned"),
        "churned": ("prospect", "active"),
    },
    "contact": {
        "new": ("hot", "cold", "not_interested", "converted"),
        "hot": ("cold", "not_interested", "converted"),
        "cold": ("hot", "not_interested", "converted"),
        "not_interested": ("hot", "cold"),
    },
    "lead": {
        "new": ("contacted", "qualified", "lost"),
        "contacted": ("qualified", "lost"),
        "qualified": ("lost",),
        "lost": ("new",),
    },
    "task": {
        "new": ("scheduled", "done", "aborted"),
        "scheduled": ("rescheduled", "done", "aborted"),
        "rescheduled": ("rescheduled", "done", "aborted"),
    },
}

COMMON = {
    "industry": ("Rail", "Food & Beverage", "General Industry", "Technology", "Finance", "Logistics", "Energy",
                 "Healthcare"),
    "segment": ("Enterprise", "Mid-market", "SMB"),
    "lead_source": ("Website", "Referral", "Trade fair", "Cold call", "Partner", "Campaign"),
}
# Where each list's values already are: (table, column).
CARRIED = {"industry": ("customer", "industry"), "segment": ("customer", "segment"), "lead_source": ("lead", "source")}


def _table(serial: str) -> str:
    return f"""CREATE TABLE "status_transition" (
    "id" {serial},
    "entity" VARCHAR(20) NOT NULL,
    "from_status" VARCHAR(20) NOT NULL,
    "to_status" VARCHAR(20) NOT NULL,
    CONSTRAINT "uid_status_tran_entity_32ca7a" UNIQUE ("entity", "from_status", "to_status")
)"""


_create = per_dialect(
    sqlite=[_table("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL")],
    postgres=[_table("SERIAL NOT NULL PRIMARY KEY")],
)

seed_transitions = sql(*(
    f"""INSERT INTO "status_transition" ("entity", "from_status", "to_status") VALUES ('{entity}', '{old}', '{new}')"""
    for entity, steps in TRANSITIONS.items() for old, targets in steps.items() for new in targets
))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _insert(pick_list: str, label_sql: str, position_sql: str, source: str) -> str:
    """Values into `pick_list` unless the list has one equal to them, case ignored."""
    return (
        'INSERT INTO "pick_list_item" ("version", "created_at", "updated_at", "list", "label", "position", "archived") '
        f"SELECT 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{pick_list}', {label_sql}, {position_sql}, FALSE "
        f"{source} AND NOT EXISTS (SELECT 1 FROM \"pick_list_item\" p WHERE p.\"list\" = '{pick_list}' "
        f"AND LOWER(p.\"label\") = LOWER({label_sql}))"
    )


def _seed_lists() -> list[str]:
    statements = []
    for pick_list, labels in COMMON.items():
        for position, label in enumerate(labels, start=1):
            statements.append(_insert(pick_list, _quoted(label), str(position), "WHERE 1 = 1"))
        table, column = CARRIED[pick_list]
        # One value per case-insensitive spelling; after the common ones (renumbered below).
        statements.append(_insert(
            pick_list, "v.label", "1000",
            f'FROM (SELECT MIN(TRIM("{column}")) AS label FROM "{table}" WHERE TRIM("{column}") <> \'\' '
            f'GROUP BY LOWER(TRIM("{column}"))) v WHERE LENGTH(v.label) <= 100'))
    lists = ", ".join(f"'{name}'" for name in COMMON)
    statements.append(
        'UPDATE "pick_list_item" SET "position" = (SELECT COUNT(*) FROM "pick_list_item" o '
        'WHERE o."list" = "pick_list_item"."list" AND (o."position" < "pick_list_item"."position" '
        'OR (o."position" = "pick_list_item"."position" AND o."label" <= "pick_list_item"."label"))) '
        f'WHERE "list" IN ({lists})')
    return statements


seed_lists = sql(*_seed_lists())


async def apply(conn: BaseDBAsyncClient) -> None:
    await _create(conn)
    await seed_transitions(conn)
    await seed_lists(conn)
