"""Saved reports (issue 19): a user's named deal report and the weekday it is mailed to them (null: not
subscribed). Looked up by owner (their list, and the cascade when a user is deleted), hence the second index;
the weekly job reads the subscribed ones, few, through the partial index on weekday."""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_saved_repor_created_f4b98f" ON "saved_report" ("created_at")',
    'CREATE INDEX "idx_saved_report_owner_id" ON "saved_report" ("owner_id")',
    'CREATE INDEX "idx_saved_report_weekday" ON "saved_report" ("weekday") WHERE "weekday" IS NOT NULL',
]

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "saved_report" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "report" JSON NOT NULL,
    "chart" VARCHAR(20) NOT NULL,
    "view" JSON NOT NULL,
    "weekday" SMALLINT,
    "subscribed_at" TIMESTAMP,
    "owner_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        *_indexes,
    ],
    postgres=[
        """CREATE TABLE "saved_report" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(100) NOT NULL,
    "report" JSONB NOT NULL,
    "chart" VARCHAR(20) NOT NULL,
    "view" JSONB NOT NULL,
    "weekday" SMALLINT,
    "subscribed_at" TIMESTAMPTZ,
    "owner_id" INT NOT NULL REFERENCES "crm_user" ("id") ON DELETE CASCADE
)""",
        *_indexes,
    ],
)
