"""Writing many rows of one model at once, inside the caller's write: what an import's batch does after the
services have checked every row. One statement per table instead of one per row (Tortoise's bulk_create
builds a model object per row and returns no ids on SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tortoise import connections, fields
from tortoise.models import Model

from backend.services.unit import Unit

# Field types whose values go to the database as they are (to_db_value would only validate them again).
PLAIN = (fields.CharField, fields.TextField, fields.IntField, fields.BigIntField)


def defaults(model: type[Model], now: datetime) -> dict[str, Any]:
    """Every column of a new `model` row with its default (timestamps: `now`), keyed as `insert` takes them."""
    row: dict[str, Any] = {}
    for name, f in model._meta.fields_map.items():
        if f.pk or isinstance(f, (fields.relational.ForeignKeyFieldInstance, fields.relational.BackwardFKRelation,
                                  fields.relational.ManyToManyFieldInstance, fields.relational.OneToOneFieldInstance,
                                  fields.relational.BackwardOneToOneRelation)):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            row[name] = now
        elif f.default is not None:
            row[name] = f.default() if callable(f.default) else f.default
        elif f.null:
            row[name] = None
    return row


async def reserve_ids(table: str, count: int) -> list[int]:
    """Ids for rows about to be inserted in bulk (bulk inserts do not return them).

    PostgreSQL hands them out from the table's sequence, safe beside other writers. SQLite has one
    writer at a time and this runs inside the batch's write transaction, which already holds the write
    lock (the job row was updated first), so the ids after the current largest are ours."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query(
            f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) AS id FROM generate_series(1, $1)", [count]
        )
        return [row["id"] for row in rows]
    _, rows = await conn.execute_query(
        f'SELECT MAX(m) AS top FROM (SELECT MAX(id) AS m FROM "{table}" UNION ALL '
        f"SELECT seq FROM sqlite_sequence WHERE name = '{table}')"
    )
    top = rows[0]["top"] or 0
    return list(range(top + 1, top + 1 + count))


def converter(model: type[Model], name: str) -> Callable[[Any], Any] | None:
    """How a value of field `name` goes to the database: as Tortoise's to_db_value stores it, without its
    per-value checks (the values are validated already). Plain types go as they are; JSON is encoded; enums
    and dates, a few distinct values per batch, are converted once each (measured: the per-value to_db_value
    calls cost more than the INSERT itself)."""
    meta = model._meta
    f = meta.fields_map.get(name)
    if f is None or type(f) in PLAIN:
        return None
    if isinstance(f, fields.JSONField):
        encode = f.encoder
        return lambda value: None if value is None else encode(value)
    seen: dict[Any, Any] = {}

    def once(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = f.to_db_value(value, model)
            return converted
        except TypeError:  # unhashable
            return f.to_db_value(value, model)

    return once


async def insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT statement (executemany) for `rows` of `model`, keyed by field name (a foreign key
    as `<name>_id`). Tortoise's bulk_create builds a model object per row, which costs more than the insert
    itself; values are stored exactly as its fields store them (see converter)."""
    if not rows:
        return
    conn = connections.get("default")
    meta = model._meta
    names = list(rows[0])
    convert = [converter(model, n) for n in names]
    columns = ", ".join(f'"{meta.fields_db_projection.get(n, n)}"' for n in names)
    marks = ", ".join(f"${i + 1}" if conn.capabilities.dialect == "postgres" else "?" for i in range(len(names)))
    await conn.execute_many(
        f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks})',
        [[c(row[n]) if c else row[n] for n, c in zip(names, convert, strict=True)] for row in rows],
    )


def audit_row(unit: Unit, action: str, entity: str, entity_id: Any, changes: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The audit entry unit.audit would write, as a row for `insert` (one per record, as every write has)."""
    actor = unit.actor
    return {"actor_id": actor.user_id, "actor_label": actor.label, "via": actor.via, "at": at, "action": action,
            "entity": entity, "entity_id": str(entity_id), "changes": changes}
