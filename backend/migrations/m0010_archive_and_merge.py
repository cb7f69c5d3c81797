"""Customers and contacts are archived rather than deleted where history exists (and when merged into
another record): `archived_at` says since when, `merged_into_id` which record took over their rows.

No foreign key on `merged_into_id`: an archived record keeps naming its successor even if that one is
later merged in turn (the chain is followed by the reader), and SQLite cannot add a constraint in place.
"""

from backend.migrations.ops import per_dialect

apply = per_dialect(
    sqlite=(
        'ALTER TABLE "customer" ADD COLUMN "archived_at" TIMESTAMP',
        'ALTER TABLE "customer" ADD COLUMN "merged_into_id" INT',
        'ALTER TABLE "contact" ADD COLUMN "archived_at" TIMESTAMP',
        'ALTER TABLE "contact" ADD COLUMN "merged_into_id" INT',
    ),
    postgres=(
        'ALTER TABLE "customer" ADD COLUMN "archived_at" TIMESTAMPTZ',
        'ALTER TABLE "customer" ADD COLUMN "merged_into_id" INT',
        'ALTER TABLE "contact" ADD COLUMN "archived_at" TIMESTAMPTZ',
        'ALTER TABLE "contact" ADD COLUMN "merged_into_id" INT',
    ),
)
