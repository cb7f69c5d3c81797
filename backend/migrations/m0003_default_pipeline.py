"""The default sales pipeline with its stages, unless the database already has a pipeline.

Plain SQL rather than the models: a model that later gains a column would make an ORM insert here
write a column that does not exist yet on a database being upgraded step by step.
"""

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import sql

# (name, probability in percent, kind), in pipeline order.
STAGES = [
    ("New", 10, "open"),
    ("Contacted", 20, "open"),
    ("Qualified", 40, "open"),
    ("Proposal sent", 60, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]

_create = sql(
    """INSERT INTO "pipeline" ("name", "is_default", "position") VALUES ('Sales', TRUE, 0)""",
    *(
        f"""INSERT INTO "stage" ("pipeline_id", "name", "position", "probability", "kind") """
        f"""SELECT "id", '{name}', {position}, {probability}, '{kind}' FROM "pipeline" WHERE "name" = 'Sales'"""
        for position, (name, probability, kind) in enumerate(STAGES)
    ),
)


async def apply(conn: BaseDBAsyncClient) -> None:
    _, rows = await conn.execute_query('SELECT 1 FROM "pipeline" LIMIT 1')
    if not rows:
        await _create(conn)
