"""Every foreign key leads an index, on SQLite and PostgreSQL: lookups by parent (a customer's contacts, a
deal's stage history, a user's sessions) must not scan their table as it grows."""

from __future__ import annotations

import pytest
from tortoise import Tortoise, connections


def foreign_key_columns() -> set[tuple[str, str]]:
    columns = set()
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        for name in meta.fk_fields:
            columns.add((meta.db_table, meta.fields_map[name].source_field or f"{name}_id"))
    return columns


async def leading_index_columns() -> set[tuple[str, str]]:
    """(table, first column) of every full (not partial) index."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query(
            "SELECT t.relname AS tbl, a.attname AS col FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
            "WHERE n.nspname = 'public' AND i.indpred IS NULL"
        )
        return {(row["tbl"], row["col"]) for row in rows}
    leading = set()
    _, tables = await conn.execute_query("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in (row["name"] for row in tables):
        _, indexes = await conn.execute_query(f"PRAGMA index_list('{table}')")
        for index in (row for row in indexes if not row["partial"]):
            _, columns = await conn.execute_query(f"PRAGMA index_info('{index['name']}')")
            leading.add((table, min(columns, key=lambda c: c["seqno"])["name"]))
    return leading


async def test_every_foreign_key_leads_an_index(db: None) -> None:
    columns = foreign_key_columns()
    assert ("contact", "customer_id") in columns  # the introspection sees the keys the 360° view reads by
    missing = sorted(columns - await leading_index_columns())
    assert missing == [], f"foreign keys without an index: {missing}"


async def test_postgresql_estimates_search_fragments_from_a_fine_histogram(db):
    """With 100 histogram entries a fragment seen in one was planned as 1 % of all customers, walking the
    name index instead of the trigram index (30-50 ms at 100,000; measured in docs/benchmarks.md)."""
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        pytest.skip("SQLite plans searches through its FTS table, without a histogram")
    _, rows = await conn.execute_query(
        "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'customer'::regclass AND attname = 'search_text'"
    )
    assert rows[0]["attstattarget"] == 1000
