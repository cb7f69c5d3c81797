"""Background jobs (issue 17): the job queue, the outbox of outgoing mail, users' notification preferences,
and tasks' reminder times.

Existing open tasks get no reminder (remind_at stays empty): reminding everyone of every task at once on
the upgrade would be noise; a task edited afterwards gets its default reminder.
"""

from backend.migrations.ops import per_dialect

_common = [
    'CREATE INDEX "idx_job_status_920a13" ON "job" ("status", "run_at")',
    'CREATE INDEX "idx_activity_remind__88f3f7" ON "activity" ("remind_at")',
]

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "job" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(60) NOT NULL,
    "key" VARCHAR(200) UNIQUE,
    "payload" JSON NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "attempts" INT NOT NULL,
    "max_attempts" INT NOT NULL,
    "run_at" TIMESTAMP NOT NULL,
    "locked_by" VARCHAR(80),
    "locked_until" TIMESTAMP,
    "last_error" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "finished_at" TIMESTAMP
)""",
        """CREATE TABLE "outbox_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(60) NOT NULL,
    "key" VARCHAR(200) NOT NULL UNIQUE,
    "recipient" VARCHAR(320) NOT NULL,
    "subject" VARCHAR(300) NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "attempted_at" TIMESTAMP,
    "sent_at" TIMESTAMP
)""",
        """CREATE TABLE "notification_preference" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(40) NOT NULL,
    "in_app" INT NOT NULL,
    "email" INT NOT NULL,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_notificatio_user_id_6cc360" UNIQUE ("user_id", "kind")
)""",
        'ALTER TABLE "activity" ADD COLUMN "remind_at" TIMESTAMP',
        'ALTER TABLE "activity" ADD COLUMN "reminded_at" TIMESTAMP',
        *_common,
    ],
    postgres=[
        """CREATE TABLE "job" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(60) NOT NULL,
    "key" VARCHAR(200) UNIQUE,
    "payload" JSONB NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "attempts" INT NOT NULL,
    "max_attempts" INT NOT NULL,
    "run_at" TIMESTAMPTZ NOT NULL,
    "locked_by" VARCHAR(80),
    "locked_until" TIMESTAMPTZ,
    "last_error" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "finished_at" TIMESTAMPTZ
)""",
        """CREATE TABLE "outbox_message" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(60) NOT NULL,
    "key" VARCHAR(200) NOT NULL UNIQUE,
    "recipient" VARCHAR(320) NOT NULL,
    "subject" VARCHAR(300) NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "attempted_at" TIMESTAMPTZ,
    "sent_at" TIMESTAMPTZ
)""",
        """CREATE TABLE "notification_preference" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(40) NOT NULL,
    "in_app" BOOL NOT NULL,
    "email" BOOL NOT NULL,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_notificatio_user_id_6cc360" UNIQUE ("user_id", "kind")
)""",
        'ALTER TABLE "activity" ADD COLUMN "remind_at" TIMESTAMPTZ',
        'ALTER TABLE "activity" ADD COLUMN "reminded_at" TIMESTAMPTZ',
        *_common,
    ],
)
