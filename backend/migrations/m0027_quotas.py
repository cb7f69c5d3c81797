"""Quotas (issue 19): what a salesperson or a team should win per month, quarter or year, one row per holder and
period (`holder` is "user:<id>" or "team:<id>", unique with the period), and every setting of one kept in
quota_change. Each foreign key leads an index (tests/test_indexes.py)."""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_quota_user_id" ON "quota" ("user_id")',
    'CREATE INDEX "idx_quota_team_id" ON "quota" ("team_id")',
    'CREATE INDEX "idx_quota_set_by_id" ON "quota" ("set_by_id")',
    'CREATE INDEX "idx_quota_change_quota_id" ON "quota_change" ("quota_id")',
    'CREATE INDEX "idx_quota_change_set_by_id" ON "quota_change" ("set_by_id")',
]


def _tables(serial: str, timestamp: str) -> list[str]:
    return [
        f"""CREATE TABLE "quota" (
    "id" {serial},
    "holder" VARCHAR(24) NOT NULL,
    "period" VARCHAR(10) NOT NULL,
    "starts_on" DATE NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "calls_per_week" INT,
    "meetings_per_week" INT,
    "updated_at" {timestamp} NOT NULL,
    "set_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "team_id" INT REFERENCES "team" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "crm_user" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_quota_holder_dc93e8" UNIQUE ("holder", "period", "starts_on")
)""",
        f"""CREATE TABLE "quota_change" (
    "id" {serial},
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "calls_per_week" INT,
    "meetings_per_week" INT,
    "set_at" {timestamp} NOT NULL,
    "quota_id" INT NOT NULL REFERENCES "quota" ("id") ON DELETE CASCADE,
    "set_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
    ]


apply = per_dialect(
    sqlite=[*_tables("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "TIMESTAMP"), *_indexes],
    postgres=[*_tables("SERIAL NOT NULL PRIMARY KEY", "TIMESTAMPTZ"), *_indexes],
)
