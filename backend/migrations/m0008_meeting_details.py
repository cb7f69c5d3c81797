"""Meetings: when they end (they start at `occurred_at`) and who attended, as names or emails.

Existing activities get no end and no attendees; the default only fills the rows already there (the ORM
writes the column on every insert).
"""

from backend.migrations.ops import per_dialect

apply = per_dialect(
    sqlite=(
        'ALTER TABLE "activity" ADD COLUMN "ends_at" TIMESTAMP',
        """ALTER TABLE "activity" ADD COLUMN "attendees" JSON NOT NULL DEFAULT '[]'""",
    ),
    postgres=(
        'ALTER TABLE "activity" ADD COLUMN "ends_at" TIMESTAMPTZ',
        """ALTER TABLE "activity" ADD COLUMN "attendees" JSONB NOT NULL DEFAULT '[]'::jsonb""",
    ),
)
