"""Activity outcomes become a pick-list admins keep (issue 18), like industries and lead sources (m0030).

1. `activity.outcome` held the enum's value (`positive`, `neutral`, `negative`, VARCHAR(10)); it now holds a
   label of the list (VARCHAR(100)). SQLite cannot widen a column in place: the labels go into a new column,
   the old one is dropped and the new one takes its name (SQLite 3.35+; nothing indexes the column).
2. The list (`pick_list_item`, list `activity_outcome`) starts with the three values there were, as
   "Positive", "Neutral" and "Negative", in that order; every activity keeps its outcome, now spelled as the
   list spells it. A value no form could have sent (SQLite never checked the enum) joins the list after
   them, so nothing existing becomes invalid.

Values are written with plain SQL (see m0007); an admin's own entry is never touched.
"""

from backend.migrations.ops import per_dialect

LIST = "activity_outcome"
SEEDED = ("Positive", "Neutral", "Negative")
# The label each activity carries from now on: the list's spelling of an old value, else its own text.
_label = ("CASE LOWER(TRIM(\"outcome\")) " + " ".join(f"WHEN '{label.lower()}' THEN '{label}'" for label in SEEDED)
          + " ELSE NULLIF(TRIM(\"outcome\"), '') END")

_seeded = ", ".join(f"'{label.lower()}'" for label in SEEDED)
_others = (f'(SELECT MIN("outcome") AS label FROM "activity" WHERE "outcome" IS NOT NULL '
           f'AND LOWER("outcome") NOT IN ({_seeded}) GROUP BY LOWER("outcome"))')
_seed = [
    'INSERT INTO "pick_list_item" ("version", "created_at", "updated_at", "list", "label", "position", "archived") '
    f"SELECT 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{LIST}', v.label, v.position, FALSE FROM ("
    + " UNION ALL ".join(f"SELECT '{label}' AS label, {n} AS position" for n, label in enumerate(SEEDED, start=1))
    + ") v",
    # Values of activities the three do not cover, one per spelling (case ignored), after them by label.
    'INSERT INTO "pick_list_item" ("version", "created_at", "updated_at", "list", "label", "position", "archived") '
    f"""SELECT 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{LIST}', v.label,
    {len(SEEDED)} + (SELECT COUNT(*) FROM {_others} o WHERE o.label <= v.label), FALSE FROM {_others} v""",
]

apply = per_dialect(
    sqlite=[
        'ALTER TABLE "activity" ADD COLUMN "outcome_label" VARCHAR(100)',
        f'UPDATE "activity" SET "outcome_label" = {_label} WHERE "outcome" IS NOT NULL',
        'ALTER TABLE "activity" DROP COLUMN "outcome"',
        'ALTER TABLE "activity" RENAME COLUMN "outcome_label" TO "outcome"',
        *_seed,
    ],
    postgres=[
        'ALTER TABLE "activity" ALTER COLUMN "outcome" TYPE VARCHAR(100)',
        f'UPDATE "activity" SET "outcome" = {_label} WHERE "outcome" IS NOT NULL',
        *_seed,
    ],
)
