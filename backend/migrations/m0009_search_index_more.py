"""Trigram search for contacts, leads, deals and campaigns, as customers have had since m0004: each
word of a search is looked up in an index instead of scanning every row with LIKE.

SQLite: one FTS5 trigram table per entity over the searched columns (external content, kept in step by
triggers, whatever writes the row). PostgreSQL: pg_trgm GIN indexes on the very expression the ORM's
case-insensitive `icontains` compares, UPPER(CAST(column AS VARCHAR)), one per searched column, so the
planner can OR them in a bitmap scan. The indexes are on UPPER(column): PostgreSQL plans the ORM's cast
to VARCHAR of a VARCHAR or TEXT column away, and an index on the cast expression would never match.
"""

from backend.migrations.ops import per_dialect

# Frozen here, not imported: a step describes the schema of its day (services/search.py names the same).
SEARCHED = {
    "contact": ("name", "email", "phone"),
    "lead": ("title", "company_name"),
    "deal": ("title",),
    "campaign": ("title", "code", "description"),
}


def _sqlite(table: str, columns: tuple[str, ...]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', tokenize='trigram')",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        f'CREATE TRIGGER {fts}_insert AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER {fts}_delete AFTER DELETE ON "{table}" BEGIN {delete} END',
        f'CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON "{table}" BEGIN {delete} {insert} END',
    ]


def _postgres(table: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f'CREATE INDEX "idx_{table}_{column}_trgm" ON "{table}" USING gin ((UPPER("{column}")) gin_trgm_ops)'
        for column in columns
    ]


apply = per_dialect(
    sqlite=[statement for table, columns in SEARCHED.items() for statement in _sqlite(table, columns)],
    postgres=["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    + [statement for table, columns in SEARCHED.items() for statement in _postgres(table, columns)],
)
