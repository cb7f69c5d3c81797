"""Tortoise ORM internals (tortoise-orm 1.1.x) the CRM relies on.

- `Model._meta`: a model's fields, columns and primary key (no public accessor exists).
- Partial rows: instances built straight from `.values()` dicts, marked as Tortoise's own partial rows
  (as `.only()` makes them, which refuse `save()`), because Tortoise's partial path rebuilds its field
  sets for every row and costs more than the columns saved. Relies on the instance flags `_partial`,
  `_saved_in_db`, `_custom_generated_pk`, `_await_when_save`, and on a joined row living in `_<relation>`.
- `Model._init_from_db`: whole rows from hand-written SQL, converted as a query would convert them.
- `QuerySet._choose_db_if_not_chosen` / `_make_query`: a query's SQL and parameters, to embed in a
  statement Tortoise cannot express (a window function over the rows a row rule allows).
- The executor's statement cache (`EXECUTOR_CACHE`): INSERT/UPDATE/DELETE SQL compiled per connection
  name and table, not per dialect; a process that reopens "default" on another database (the tests run on
  SQLite and PostgreSQL in turn) must forget it.
- SQLite transactions: `SqliteClient._in_transaction` and the wrapper's `_connection`, to begin with
  BEGIN IMMEDIATE (upstream: https://github.com/tortoise/tortoise-orm/issues/1675, no option for it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError
from tortoise.fields import Field
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def columns_of(model: type[Model]) -> dict[str, str]:
    """Every stored field of `model` (relations by their key, as `stage_id`) → its column name."""
    return model._meta.fields_db_projection


def field_of(model: type[Model], name: str) -> Field[Any]:
    """The field object named `name` (max_length, null, to_python_value, related_model, source_field …)."""
    return model._meta.fields_map[name]


def pk_of(model: type[Model]) -> Field[Any]:
    return model._meta.pk


def partial_instances(model: type[M], rows: Iterable[dict[str, Any]]) -> list[M]:
    """Partial instances of `model` holding exactly the (already converted) values of `rows`."""
    state = {"_partial": True, "_saved_in_db": True,
             "_custom_generated_pk": model._meta.db_pk_column not in model._meta.generated_db_fields}
    made = []
    for row in rows:
        instance = model.__new__(model)
        instance.__dict__.update(row, **state, _await_when_save={})
        made.append(instance)
    return made


def keep_joined(instance: Model, relation: str, related: Model | None) -> None:
    """Hold `related` where select_related keeps a joined row: the relation's property reads it from there."""
    instance.__dict__[f"_{relation}"] = related


def joined(instance: object, relation: str) -> Any:
    """The row of `relation` joined to `instance` (select_related, or keep_joined), or None when not joined
    (reading the relation's property then would return an unawaited query instead)."""
    return instance.__dict__.get(f"_{relation}")


@cache
def converters(model: type[Model], columns: tuple[str, ...]) -> list[tuple[str, Callable[[Any], Any]]]:
    """For rows read by hand-written SQL: each column's conversion from the driver's value, as `.values()`
    does it (the driver's own types pass as they are)."""
    native = {key for key, _, _ in model._meta.db_native_fields}
    return [(c, _same if c in native else model._meta.fields_map[c].to_python_value) for c in columns]


def _same(value: Any) -> Any:
    return value


def from_db_row(model: type[M], row: dict[str, Any]) -> M:
    """A whole instance from a row keyed by column name, converted as a query converts it."""
    return model._init_from_db(**{column: row[field] for field, column in columns_of(model).items()})


def parameterized(query: Any) -> tuple[str, list[Any]]:
    """A Tortoise query's SQL with placeholders and its parameters, to embed in a hand-written statement."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


def forget_compiled_statements() -> None:
    """Drop the executor's compiled statements: the next write of each model compiles them for the
    database its connection now points at."""
    EXECUTOR_CACHE.clear()


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """Tortoise's SQLite client whose transactions begin with BEGIN IMMEDIATE (see backend/sqlite_engine.py)."""

    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)
