"""Recurring tasks, the daily digest instead of each email, and the language of a user's mail (issue 17).

- activity: a task's repeat rule (every N days, weeks or months; a monthly series' day of the month) and
  the occurrence it follows, unique, so completing a task makes at most one next occurrence;
- notification_preference.digest: email collected into the morning digest (existing choices: each);
- digest_item: what waits for a user's next digest;
- crm_user.language: unknown (null, mail in English) until the identity provider's locale claim or the
  user says otherwise.
"""

from backend.migrations.ops import per_dialect

_common = [
    'ALTER TABLE "activity" ADD COLUMN "repeat_every" SMALLINT',
    'ALTER TABLE "activity" ADD COLUMN "repeat_unit" VARCHAR(10)',
    'ALTER TABLE "activity" ADD COLUMN "repeat_day" SMALLINT',
    'ALTER TABLE "activity" ADD COLUMN "previous_id" INT REFERENCES "activity" ("id") ON DELETE SET NULL',
    'CREATE UNIQUE INDEX "uid_activity_previous_id" ON "activity" ("previous_id")',
    'ALTER TABLE "crm_user" ADD COLUMN "language" VARCHAR(16)',
    'CREATE INDEX "idx_digest_item_user_sent" ON "digest_item" ("user_id", "sent_at")',
]

apply = per_dialect(
    sqlite=[
        'ALTER TABLE "notification_preference" ADD COLUMN "digest" INT NOT NULL DEFAULT 0',
        """CREATE TABLE "digest_item" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(40) NOT NULL,
    "values" JSON NOT NULL,
    "entity" VARCHAR(40),
    "entity_id" INT,
    "created_at" TIMESTAMP NOT NULL,
    "sent_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        *_common,
    ],
    postgres=[
        'ALTER TABLE "notification_preference" ADD COLUMN "digest" BOOL NOT NULL DEFAULT FALSE',
        """CREATE TABLE "digest_item" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(40) NOT NULL,
    "values" JSONB NOT NULL,
    "entity" VARCHAR(40),
    "entity_id" INT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "sent_at" TIMESTAMPTZ,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        *_common,
    ],
)
