"""The limits the nested list query is held against, measured in-process (`python -m bench.limits`, run with
the setup's CRM_* environment; spec JSON on stdin, results JSON on stdout):

- statements: how many SQL statements the real schema sends for the document, and for a warm token (none: held);
- hand-written SQL: the same data from one statement (JSON aggregation), through aiosqlite / asyncpg directly;
- GraphQL floor: the same document through Strawberry with the real types, extensions and loaders' shape,
  but loaders that return objects already in memory (no database: asserted by counting statements).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.schema.config import StrawberryConfig

from backend.graphql.documents import document_caches
from backend.graphql.errors import MaskUnexpectedErrors
from backend.graphql.limits import limit_extensions
from backend.reads.loaders import Loaders
from backend.reads.paging import Connection
from backend.schema.common import SCALARS
from backend.schema.customers import CustomerOrder, CustomerType
from bench.documents import NESTED

PAGE = 100

SQLITE_QUERY = """
SELECT c.id, c.name,
  (SELECT json_group_array(json_object('name', x.name, 'email', x.email, 'isPrimary', x.is_primary = 1))
     FROM (SELECT name, email, is_primary FROM contact WHERE customer_id = c.id ORDER BY is_primary DESC, name, id) x
  ) AS contacts,
  (SELECT json_group_array(json_object('title', x.title, 'amount', json_object('amount', x.amount, 'currency', x.currency),
                                       'stage', json_object('name', x.stage)))
     FROM (SELECT d.title, d.amount, d.currency, s.name AS stage FROM deal d JOIN stage s ON s.id = d.stage_id
           WHERE d.customer_id = c.id ORDER BY d.created_at DESC, d.id DESC) x
  ) AS deals,
  (SELECT json_group_array(json_object('kind', x.kind, 'title', x.title, 'occurredAt', x.occurred_at))
     FROM (SELECT kind, title, occurred_at FROM activity WHERE customer_id = c.id
           ORDER BY occurred_at DESC, id DESC LIMIT 5) x
  ) AS activities
FROM (SELECT id, name FROM customer ORDER BY name, id LIMIT $limit) c
ORDER BY c.name, c.id
"""

POSTGRES_QUERY = """
SELECT c.id, c.name,
  (SELECT coalesce(json_agg(json_build_object('name', x.name, 'email', x.email, 'isPrimary', x.is_primary)
                            ORDER BY x.is_primary DESC, x.name, x.id), '[]')
     FROM contact x WHERE x.customer_id = c.id) AS contacts,
  (SELECT coalesce(json_agg(json_build_object('title', d.title,
                                              'amount', json_build_object('amount', d.amount, 'currency', d.currency),
                                              'stage', json_build_object('name', s.name))
                            ORDER BY d.created_at DESC, d.id DESC), '[]')
     FROM deal d JOIN stage s ON s.id = d.stage_id WHERE d.customer_id = c.id) AS deals,
  (SELECT coalesce(json_agg(json_build_object('kind', x.kind, 'title', x.title, 'occurredAt', x.occurred_at)
                            ORDER BY x.occurred_at DESC, x.id DESC), '[]')
     FROM (SELECT kind, title, occurred_at, id FROM activity WHERE customer_id = c.id
           ORDER BY occurred_at DESC, id DESC LIMIT 5) x) AS activities
FROM (SELECT id, name FROM customer ORDER BY name, id LIMIT $limit) c
ORDER BY c.name, c.id
"""


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    await call()  # warm caches and prepared statements, as a running server has
    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - started)
    return latencies


async def hand_written(database_url: str, runs: int) -> tuple[list[float], list[Any]]:
    """The nested data from one statement; per-run latencies and the rows (to check they match)."""
    parsed = urlparse(database_url)
    if parsed.scheme == "sqlite":
        import aiosqlite

        async with aiosqlite.connect(database_url[len("sqlite://"):]) as conn:
            sql = SQLITE_QUERY.replace("$limit", "?")

            async def run() -> list[Any]:
                async with conn.execute(sql, (PAGE,)) as cursor:
                    return list(await cursor.fetchall())

            return await timed(runs, run), await run()
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        statement = await conn.prepare(POSTGRES_QUERY.replace("$limit", "$1"))

        async def fetch() -> list[Any]:
            return list(await statement.fetch(PAGE))

        return await timed(runs, fetch), await fetch()
    finally:
        await conn.close()


@dataclass
class MemoryData:
    """The page's rows, loaded once through the real loaders and kept in memory."""

    page: Any
    contacts: dict[int, list[Any]] = field(default_factory=dict)
    deals: dict[int, list[Any]] = field(default_factory=dict)
    activities: dict[int, list[Any]] = field(default_factory=dict)


def _memory_loader(rows: dict[int, list[Any]], limit: int | None = None) -> DataLoader:
    async def load(keys: Sequence[int]) -> list[list[Any]]:
        return [rows.get(key, [])[:limit] for key in keys]

    return DataLoader(load)


class MemoryLoaders(Loaders):
    """The loaders the nested document touches, answering from memory; new per request like the real ones."""

    def __init__(self, actor: Any, data: MemoryData) -> None:
        super().__init__(actor)
        self._contacts = _memory_loader(data.contacts)
        self._deals = _memory_loader(data.deals)
        self._recent: dict[int, DataLoader] = {}
        self._activities = data.activities

    def contacts_of_customer(self, columns: Any = None) -> DataLoader:
        return self._contacts

    def deals_of_customer(self, columns: Any = None) -> DataLoader:
        return self._deals

    def recent_activities(self, owner: str, limit: int, kind: Any, columns: Any = None) -> DataLoader:
        if limit not in self._recent:
            self._recent[limit] = _memory_loader(self._activities, limit)
        return self._recent[limit]


@dataclass
class FloorContext:
    page: Any
    loaders: MemoryLoaders


@strawberry.type(name="Query", description="The floor's root: the page comes from memory")
class FloorQuery:
    @strawberry.field(description="The page, from memory")
    async def customers(self, info: strawberry.Info, first: int | None = None,
                        order_by: CustomerOrder | None = None) -> Connection[CustomerType]:
        return info.context.page


def floor_schema() -> strawberry.Schema:
    """Every type below the root is the CRM's own, with the same extensions as the served schema."""
    extensions = [*limit_extensions(), MaskUnexpectedErrors, *document_caches()]
    return strawberry.Schema(query=FloorQuery, extensions=extensions, config=StrawberryConfig(scalar_map=SCALARS))


async def load_memory(actor: Any) -> MemoryData:
    from backend.models import Customer
    from backend.reads.paging import paginate

    page = await paginate(Customer.all(), field="name", descending=False, first=PAGE, after=None)
    ids = [edge.node.id for edge in page.edges]
    loaders = Loaders(actor)
    contacts, deals, activities = await asyncio.gather(
        loaders.contacts_of_customer().load_many(ids),
        loaders.deals_of_customer().load_many(ids),
        loaders.recent_activities("customer", 5, None).load_many(ids),
    )
    return MemoryData(page, dict(zip(ids, contacts, strict=True)), dict(zip(ids, deals, strict=True)),
                      dict(zip(ids, activities, strict=True)))


def _same_data(graphql: dict[str, Any], rows: list[Any]) -> bool:
    """The hand-written rows carry the same customers and the same numbers of nested rows."""
    nodes = [edge["node"] for edge in graphql["customers"]["edges"]]

    def shape(contacts: Any, deals: Any, activities: Any) -> tuple[int, int, int]:
        return tuple(len(json.loads(v) if isinstance(v, str) else v) for v in (contacts, deals, activities))  # type: ignore[return-value]

    return [n["name"] for n in nodes] == [r[1] for r in rows] and all(
        (len(n["contacts"]), len(n["deals"]), len(n["activities"])) == shape(r[2], r[3], r[4]) for n, r in zip(nodes, rows, strict=True)
    )


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    from backend import db
    from backend.auth.actor import Actor
    from backend.auth.callers import callers
    from backend.graphql.root import schema
    from backend.live.broadcast import hub
    from backend.models import User
    from backend.reads.context import Context
    from backend.services import tokens
    from backend.settings import get_settings
    from tests.sqlcount import count_statements

    settings = get_settings()
    await db.init(settings)
    await hub.start("memory://", settings.subscriber_queue)
    await callers.start()  # as in every server process: a warm caller is held
    try:
        actor = Actor.for_user(await User.get(email=spec["email"]), via="bench")
        variables = {"first": PAGE}
        real = await schema.execute(NESTED, variable_values=variables, context_value=Context(actor=actor))
        if real.errors:
            raise RuntimeError(f"the nested query failed: {real.errors[0]}")
        with count_statements() as data_statements:
            await schema.execute(NESTED, variable_values=variables, context_value=Context(actor=actor))
        await tokens.authenticate(spec["token"])  # the first use reads the token and records the use
        with count_statements() as auth_statements:
            await tokens.authenticate(spec["token"])

        memory = await load_memory(actor)
        floor = floor_schema()

        async def run_floor() -> None:
            result = await floor.execute(NESTED, variable_values=variables,
                                         context_value=FloorContext(memory.page, MemoryLoaders(actor, memory)))
            if result.errors or result.data != real.data:
                raise RuntimeError(f"the floor answered differently: {result.errors}")

        with count_statements() as floor_statements:
            floor_latencies = await timed(spec["runs"], run_floor)
        sql_latencies, rows = await hand_written(settings.database_url, spec["runs"])
        return {
            "data_statements": len(data_statements),
            "auth_statements": len(auth_statements),
            "floor": floor_latencies,
            "floor_statements": len(floor_statements),
            "handsql": sql_latencies,
            "handsql_same_data": _same_data(real.data, rows),
        }
    finally:
        await callers.stop()
        await hub.stop()
        await db.close()


def main() -> None:
    json.dump(asyncio.run(measure(json.load(sys.stdin))), sys.stdout)


if __name__ == "__main__":
    main()
