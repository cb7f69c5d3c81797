"""Saved segments (issue 16): a segment is hand-picked customers (static, rows of segment_member) or a saved
customer filter (dynamic, its `conditions`). Not the customer's own `segment` column, a market tier.

segment_member is looked up by customer too (a customer's deletion cascades to it), hence its second index.
"""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_segment_created_9eb49b" ON "segment" ("created_at")',
    'CREATE INDEX "idx_segment_owner_id" ON "segment" ("owner_id")',
    'CREATE INDEX "idx_segment_member_customer_id" ON "segment_member" ("customer_id")',
]

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "segment" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "description" TEXT NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "conditions" JSON NOT NULL,
    "shared" INT NOT NULL,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "segment_member" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "added_at" TIMESTAMP NOT NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE,
    "segment_id" INT NOT NULL REFERENCES "segment" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_segment_mem_segment_292263" UNIQUE ("segment_id", "customer_id")
)""",
        *_indexes,
    ],
    postgres=[
        """CREATE TABLE "segment" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(100) NOT NULL,
    "description" TEXT NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "conditions" JSONB NOT NULL,
    "shared" BOOL NOT NULL,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "segment_member" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "added_at" TIMESTAMPTZ NOT NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE,
    "segment_id" INT NOT NULL REFERENCES "segment" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_segment_mem_segment_292263" UNIQUE ("segment_id", "customer_id")
)""",
        *_indexes,
    ],
)
