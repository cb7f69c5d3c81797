"""Lost reasons as a list admins keep (issue 15), seeded with the reasons most sales teams start from, and
the deal's link to the one picked when it was lost.

The reasons are inserted with plain SQL, not the model, for the reason m0003 gives; ON CONFLICT DO
NOTHING (both dialects) keeps a name an admin already entered on a database that saw an earlier try.
"""

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import per_dialect, sql

DEFAULTS = ("Price too high", "Chose a competitor", "No budget", "No decision / went silent", "Timing: not now",
            "Product does not fit")

seed_defaults = sql(*(
    f"""INSERT INTO "lost_reason" ("version", "created_at", "updated_at", "name", "archived") """
    f"""VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{name}', FALSE) ON CONFLICT ("name") DO NOTHING"""
    for name in DEFAULTS
))
_link = [
    'CREATE INDEX "idx_lost_reason_created_at" ON "lost_reason" ("created_at")',
    'CREATE INDEX "idx_deal_lost_reason_choice_id" ON "deal" ("lost_reason_choice_id")',
]

_create = per_dialect(
    sqlite=[
        """CREATE TABLE "lost_reason" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE,
    "archived" INT NOT NULL
)""",
        'ALTER TABLE "deal" ADD COLUMN "lost_reason_choice_id" INT '
        'REFERENCES "lost_reason" ("id") ON DELETE SET NULL',
        *_link,
    ],
    postgres=[
        """CREATE TABLE "lost_reason" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(100) NOT NULL UNIQUE,
    "archived" BOOL NOT NULL
)""",
        'ALTER TABLE "deal" ADD COLUMN "lost_reason_choice_id" INT '
        'REFERENCES "lost_reason" ("id") ON DELETE SET NULL',
        *_link,
    ],
)


async def apply(conn: BaseDBAsyncClient) -> None:
    await _create(conn)
    await seed_defaults(conn)
