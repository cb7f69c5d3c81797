"""Meeting booking (issue 17): users' working hours, booking links, and files attached to outgoing mail
(the .ics invites). Users without working hours get the default week (Monday to Friday, 09:00–17:00);
messages already in the outbox have no attachments.
"""

from backend.migrations.ops import per_dialect

_common = [
    'CREATE INDEX "idx_booking_lin_user_id_starts" ON "booking_link" ("user_id", "starts_at")',
    'CREATE INDEX "idx_booking_lin_contact_id" ON "booking_link" ("contact_id")',
    'CREATE INDEX "idx_booking_lin_activity_id" ON "booking_link" ("activity_id")',
]

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "working_hours" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "weekdays" VARCHAR(7) NOT NULL,
    "start_minute" INT NOT NULL,
    "end_minute" INT NOT NULL,
    "user_id" INT NOT NULL UNIQUE REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        """CREATE TABLE "booking_link" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "duration_minutes" INT NOT NULL,
    "days_ahead" INT NOT NULL,
    "note" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "booked_at" TIMESTAMP,
    "starts_at" TIMESTAMP,
    "ends_at" TIMESTAMP,
    "activity_id" INT REFERENCES "activity" ("id") ON DELETE SET NULL,
    "contact_id" INT NOT NULL REFERENCES "contact" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        """ALTER TABLE "outbox_message" ADD COLUMN "attachments" JSON NOT NULL DEFAULT '[]'""",
        *_common,
    ],
    postgres=[
        """CREATE TABLE "working_hours" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "weekdays" VARCHAR(7) NOT NULL,
    "start_minute" INT NOT NULL,
    "end_minute" INT NOT NULL,
    "user_id" INT NOT NULL UNIQUE REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        """CREATE TABLE "booking_link" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "duration_minutes" INT NOT NULL,
    "days_ahead" INT NOT NULL,
    "note" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "booked_at" TIMESTAMPTZ,
    "starts_at" TIMESTAMPTZ,
    "ends_at" TIMESTAMPTZ,
    "activity_id" INT REFERENCES "activity" ("id") ON DELETE SET NULL,
    "contact_id" INT NOT NULL REFERENCES "contact" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        """ALTER TABLE "outbox_message" ADD COLUMN "attachments" JSONB NOT NULL DEFAULT '[]'::jsonb""",
        *_common,
    ],
)
