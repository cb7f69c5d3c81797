"""What a database's own catalogue says about its schema, in one shape for SQLite and PostgreSQL:
tables with their columns, indexes, foreign keys and triggers. `crm migrate --check` compares the
migrated database with the models' schema through it, and the upgrade test compares two databases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# (sql, params) -> rows as dicts; the placeholders are the dialect's own.
Query = Callable[[str, list[Any]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Column:
    type: str
    not_null: bool
    default: str | None
    primary_key: bool
    statistics: int | None = None  # PostgreSQL's per-column statistics target, when set


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool
    where: str | None
    definition: str  # as the database prints it: method and operator classes included


@dataclass
class Table:
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: set[str] = field(default_factory=set)
    triggers: dict[str, str] = field(default_factory=dict)


Catalogue = dict[str, Table]

def _unqualified(text: str, schema: str) -> str:
    """The same object prints as `public.x` or `x` depending on the search path: drop the schema."""
    return text.replace(f'"{schema}".', "").replace(f"{schema}.", "")


async def sqlite_catalogue(query: Query) -> Catalogue:
    catalogue: Catalogue = {}
    objects = await query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'", [])
    for row in objects:
        if row["type"] == "table":
            catalogue[row["name"]] = await _sqlite_table(query, row["name"])
    index_sql = {row["name"]: row["sql"] or "" for row in objects if row["type"] == "index"}
    for name, table in catalogue.items():
        for index in await query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", [name]):
            if index["origin"] == "pk":
                continue
            columns = tuple(c["name"] for c in await query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [index["name"]]))
            definition = index_sql.get(index["name"], "")
            where = definition.split(" WHERE ", 1)[1] if index["partial"] else None
            table.indexes[index["name"]] = Index(columns, bool(index["unique"]), where, definition)
    for row in objects:
        if row["type"] == "trigger":
            catalogue[row["tbl_name"]].triggers[row["name"]] = row["sql"]
    return catalogue


async def _sqlite_table(query: Query, name: str) -> Table:
    table = Table()
    for c in await query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?)", [name]):
        table.columns[c["name"]] = Column(c["type"].upper(), bool(c["notnull"]), c["dflt_value"], bool(c["pk"]))
    for fk in await query('SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(?)', [name]):
        table.foreign_keys.add(f'FOREIGN KEY ({fk["from"]}) REFERENCES {fk["table"]}({fk["to"]}) ON DELETE {fk["on_delete"]}')
    return table


PG_COLUMNS = """
SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, NULLIF(a.attstattarget, -1) AS statistics, pg_get_expr(d.adbin, d.adrelid) AS default,
       EXISTS (SELECT 1 FROM pg_index p WHERE p.indrelid = c.oid AND p.indisprimary AND a.attnum = ANY (p.indkey)) AS pk
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"""

PG_INDEXES = """
SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, pg_get_expr(x.indpred, x.indrelid) AS where,
       pg_get_indexdef(x.indexrelid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND NOT x.indisprimary"""

PG_FOREIGN_KEYS = """
SELECT t.relname AS table, pg_get_constraintdef(k.oid) AS definition
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND k.contype = 'f'"""

PG_TRIGGERS = """
SELECT t.relname AS table, g.tgname AS name, pg_get_triggerdef(g.oid) AS definition
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND NOT g.tgisinternal"""


async def postgres_catalogue(query: Query, schema: str) -> Catalogue:
    catalogue: Catalogue = {}
    for c in await query(PG_COLUMNS, [schema]):
        default = c["default"] and _unqualified(c["default"], schema)
        catalogue.setdefault(c["table"], Table()).columns[c["column"]] = Column(c["type"], c["not_null"], default, c["pk"], c["statistics"])
    for i in await query(PG_INDEXES, [schema]):
        definition = _unqualified(i["definition"], schema)
        catalogue[i["table"]].indexes[i["name"]] = Index(tuple(i["columns"]), i["unique"], i["where"], definition)
    for k in await query(PG_FOREIGN_KEYS, [schema]):
        catalogue[k["table"]].foreign_keys.add(_unqualified(k["definition"], schema))
    for g in await query(PG_TRIGGERS, [schema]):
        catalogue[g["table"]].triggers[g["name"]] = _unqualified(g["definition"], schema)
    return catalogue
