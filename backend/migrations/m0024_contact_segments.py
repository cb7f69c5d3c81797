"""Segments of contacts (issue 16): a segment gathers customers or contacts (`segment.entity`; every segment
saved before is a customer segment, which the column's default fills in on the rows that exist), and a static
contact segment's hand-picked members are rows of segment_contact, looked up by contact too (a contact's
deletion cascades to it).
"""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_segment_contact_contact_id" ON "segment_contact" ("contact_id")',
]

apply = per_dialect(
    sqlite=[
        """ALTER TABLE "segment" ADD COLUMN "entity" VARCHAR(10) NOT NULL DEFAULT 'customer'""",
        """CREATE TABLE "segment_contact" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "added_at" TIMESTAMP NOT NULL,
    "contact_id" INT NOT NULL REFERENCES "contact" ("id") ON DELETE CASCADE,
    "segment_id" INT NOT NULL REFERENCES "segment" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_segment_con_segment_contact" UNIQUE ("segment_id", "contact_id")
)""",
        *_indexes,
    ],
    postgres=[
        """ALTER TABLE "segment" ADD COLUMN "entity" VARCHAR(10) NOT NULL DEFAULT 'customer'""",
        """CREATE TABLE "segment_contact" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "added_at" TIMESTAMPTZ NOT NULL,
    "contact_id" INT NOT NULL REFERENCES "contact" ("id") ON DELETE CASCADE,
    "segment_id" INT NOT NULL REFERENCES "segment" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_segment_con_segment_contact" UNIQUE ("segment_id", "contact_id")
)""",
        *_indexes,
    ],
)
