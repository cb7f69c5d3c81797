"""Schema migrations: numbered steps, each applied once and recorded by name in `crm_migration`.

Each step is its own module `mNNNN_name.py` in this package, recorded as `NNNN_name`, and describes its
change explicitly (SQL per dialect, see `ops`), never "whatever the models say": a database deployed
long ago and a fresh one walk the same steps and end with the same schema. Adding a step is adding one
module with an `apply(conn)` coroutine; `crm migrate --check` (`check.py`) says when the models and the
steps disagree.

Why not Tortoise 1.x's own `makemigrations` / `migrate`: its first migration of our models builds the
same PostgreSQL schema as its generator (checked with tortoise-orm 1.1.9), but it leaves foreign-key
columns out of CREATE TABLE when the target model is missing from its per-app state of historical
models (tortoise/tortoise-orm#2119, open), it fails to delete a model that has foreign keys (#2144), and
our search index, triggers and statistics would be raw SQL in its files anyway. Its runner also keeps
its own table, so every deployed database would need its history faked. Explicit steps avoid all of
that in one place, this package.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import Step

STEP_MODULE = re.compile(r"m(\d{4}_\w+)")


def steps(package: str = __name__) -> list[tuple[str, Step]]:
    """Every step of `package` in order, as (recorded name, apply)."""
    found = []
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        match = STEP_MODULE.fullmatch(module.name)
        if match:
            found.append((match.group(1), importlib.import_module(f"{package}.{module.name}").apply))
    return sorted(found, key=lambda step: step[0])


async def applied_names(conn: BaseDBAsyncClient) -> set[str]:
    await conn.execute_script(
        'CREATE TABLE IF NOT EXISTS "crm_migration" ("name" VARCHAR(100) PRIMARY KEY, "applied_at" VARCHAR(40) NOT NULL)'
    )
    _, rows = await conn.execute_query('SELECT "name" FROM "crm_migration"')
    return {row["name"] for row in rows}


async def apply_all(step_list: list[tuple[str, Step]] | None = None) -> list[str]:
    """Apply the steps not yet recorded (by default every step of this package); returns their names."""
    conn = connections.get("default")
    done = await applied_names(conn)
    applied = []
    for name, step in steps() if step_list is None else step_list:
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
