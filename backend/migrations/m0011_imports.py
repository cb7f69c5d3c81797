"""Spreadsheet imports (issue 16): the durable job with its committed row offset, the problems found per
row (the error report), and column mappings saved for reuse."""

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.migrations.ops import per_dialect


def _tables(serial: str, big_serial: str, json: str, stamp: str) -> list[str]:
    return [
        f"""CREATE TABLE "import_job" (
    "id" {serial},
    "entity" VARCHAR(20) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "file_name" VARCHAR(255) NOT NULL,
    "file_path" VARCHAR(1000) NOT NULL,
    "columns" {json} NOT NULL,
    "mapping" {json} NOT NULL,
    "on_duplicate" VARCHAR(10) NOT NULL,
    "rows_total" INT,
    "rows_done" INT NOT NULL,
    "created" INT NOT NULL,
    "updated" INT NOT NULL,
    "skipped" INT NOT NULL,
    "invalid" INT NOT NULL,
    "message" VARCHAR(1000) NOT NULL,
    "created_at" {stamp} NOT NULL,
    "updated_at" {stamp} NOT NULL,
    "finished_at" {stamp},
    "created_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)""",
        'CREATE INDEX "idx_import_job_status_a9c5b5" ON "import_job" ("status")',
        'CREATE INDEX "idx_import_job_created_086fb2" ON "import_job" ("created_at")',
        # "Your imports, newest first" reads by the importer.
        'CREATE INDEX "idx_import_job_created_by" ON "import_job" ("created_by_id", "created_at")',
        f"""CREATE TABLE "import_mapping" (
    "id" {serial},
    "name" VARCHAR(100) NOT NULL,
    "entity" VARCHAR(20) NOT NULL,
    "mapping" {json} NOT NULL,
    "created_at" {stamp} NOT NULL,
    "owner_id" INT REFERENCES "crm_user" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_import_mapp_owner_i_398f1a" UNIQUE ("owner_id", "entity", "name")
)""",
        f"""CREATE TABLE "import_problem" (
    "id" {big_serial},
    "row" INT NOT NULL,
    "column" VARCHAR(255) NOT NULL,
    "message" VARCHAR(1000) NOT NULL,
    "values" {json} NOT NULL,
    "job_id" INT NOT NULL REFERENCES "import_job" ("id") ON DELETE CASCADE
)""",
        'CREATE INDEX "idx_import_prob_job_id_9d2de3" ON "import_problem" ("job_id", "row")',
    ]


_create = per_dialect(
    sqlite=_tables("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
                   "JSON", "TIMESTAMP"),
    postgres=_tables("SERIAL NOT NULL PRIMARY KEY", "BIGSERIAL NOT NULL PRIMARY KEY", "JSONB", "TIMESTAMPTZ"),
)


async def apply(conn: BaseDBAsyncClient) -> None:
    await _create(conn)
