"""Marketing mail (issue 17): consent per address and its history, per-recipient campaign sends, scheduled
greetings, and per-message headers on the outbox (List-Unsubscribe) with the marketing flag checked at send time.

People who enrolled in a campaign before the upgrade agreed on its form to be contacted: their addresses start
subscribed (source enrolment, at their first enrolment), as enrolments after the upgrade record them."""

from backend.migrations.ops import per_dialect

_common = [
    'CREATE INDEX "idx_consent_cha_email_c178c4" ON "consent_change" ("email")',
    'CREATE INDEX "idx_consent_change_user_id" ON "consent_change" ("user_id")',
    'CREATE INDEX "idx_campaign_se_campaig_656df1" ON "campaign_send" ("campaign_id", "status")',
    'CREATE INDEX "idx_campaign_send_contact_id" ON "campaign_send" ("contact_id")',
    'CREATE INDEX "idx_campaign_send_message_id" ON "campaign_send" ("message_id")',
    'CREATE INDEX "idx_greeting_campaign_id" ON "greeting" ("campaign_id")',
    'CREATE INDEX "idx_greeting_created_by_id" ON "greeting" ("created_by_id")',
]

def _backfill(consented: str) -> list[str]:
    return [
        f"""INSERT INTO "mail_consent" ("email", "status", "source", "changed_at")
SELECT LOWER("email"), 'subscribed', 'enrolment', MIN("created_at") FROM "enrolment"
WHERE {consented} GROUP BY LOWER("email")""",
        f"""INSERT INTO "consent_change" ("email", "status", "source", "note", "occurred_at")
SELECT LOWER("email"), 'subscribed', 'enrolment', '', MIN("created_at") FROM "enrolment"
WHERE {consented} GROUP BY LOWER("email")""",
    ]


apply = per_dialect(
    sqlite=[
        """CREATE TABLE "mail_consent" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "status" VARCHAR(20) NOT NULL,
    "source" VARCHAR(20) NOT NULL,
    "changed_at" TIMESTAMP NOT NULL
)""",
        """CREATE TABLE "consent_change" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "source" VARCHAR(20) NOT NULL,
    "note" VARCHAR(200) NOT NULL,
    "occurred_at" TIMESTAMP NOT NULL,
    "user_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "campaign_send" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "error" VARCHAR(500) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "message_id" BIGINT REFERENCES "outbox_message" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "greeting" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "send_at" TIMESTAMP NOT NULL,
    "audience" JSON NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "sent_at" TIMESTAMP,
    "sent_count" INT NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE,
    "created_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """ALTER TABLE "outbox_message" ADD COLUMN "headers" JSON NOT NULL DEFAULT '{}'""",
        """ALTER TABLE "outbox_message" ADD COLUMN "marketing" INT NOT NULL DEFAULT 0""",
        """ALTER TABLE "outbox_message" ADD COLUMN "suppressed_at" TIMESTAMP""",
        *_common,
        *_backfill('"consent" = 1'),
    ],
    postgres=[
        """CREATE TABLE "mail_consent" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "status" VARCHAR(20) NOT NULL,
    "source" VARCHAR(20) NOT NULL,
    "changed_at" TIMESTAMPTZ NOT NULL
)""",
        """CREATE TABLE "consent_change" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "source" VARCHAR(20) NOT NULL,
    "note" VARCHAR(200) NOT NULL,
    "occurred_at" TIMESTAMPTZ NOT NULL,
    "user_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "campaign_send" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL,
    "kind" VARCHAR(10) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "error" VARCHAR(500) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "message_id" BIGINT REFERENCES "outbox_message" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "greeting" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "send_at" TIMESTAMPTZ NOT NULL,
    "audience" JSONB NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "sent_at" TIMESTAMPTZ,
    "sent_count" INT NOT NULL,
    "campaign_id" INT NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE,
    "created_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        """ALTER TABLE "outbox_message" ADD COLUMN "headers" JSONB NOT NULL DEFAULT '{}'""",
        """ALTER TABLE "outbox_message" ADD COLUMN "marketing" BOOL NOT NULL DEFAULT FALSE""",
        """ALTER TABLE "outbox_message" ADD COLUMN "suppressed_at" TIMESTAMPTZ""",
        *_common,
        *_backfill('"consent"'),
    ],
)
