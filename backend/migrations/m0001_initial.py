"""The schema as the models described it at the first release, frozen: captured once from Tortoise's
schema generator (`tortoise.utils.get_schema_sql`, tortoise-orm 1.1.9) for each dialect, in
m0001_initial.sqlite.sql and m0001_initial.postgres.sql beside this module.

Never regenerate those files: databases deployed before the steps were frozen were built from exactly
these statements (then by `generate_schemas(safe=True)`), and later steps ALTER what they create.
"""

from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import per_dialect

HERE = Path(__file__).parent


async def apply(conn: BaseDBAsyncClient) -> None:
    sqlite, postgres = ((HERE / f"m0001_initial.{dialect}.sql").read_text() for dialect in ("sqlite", "postgres"))
    await per_dialect(sqlite=[sqlite], postgres=[postgres])(conn)
