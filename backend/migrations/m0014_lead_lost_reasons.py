"""A lost lead records the reason picked from the admins' list, as a lost deal does (m0007): the lead's
link to the lost reason. Leads lost before keep their free text and no link."""

from backend.migrations.ops import per_dialect

_link = (
    'ALTER TABLE "lead" ADD COLUMN "lost_reason_choice_id" INT REFERENCES "lost_reason" ("id") ON DELETE SET NULL',
    'CREATE INDEX "idx_lead_lost_reason_choice_id" ON "lead" ("lost_reason_choice_id")',
)

apply = per_dialect(sqlite=_link, postgres=_link)
