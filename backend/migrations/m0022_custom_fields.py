"""Custom fields (issue 18): admins' definitions per entity (custom_field) and their typed values (custom_value,
a row per record and field; why this shape: backend/models/custom_fields.py). Each value column is indexed
behind field_id with record_id last, so a filter on one field reads one index range and nothing else; user_id
leads its own index, which also serves the foreign key when a user row goes."""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_custom_fiel_created_d18902" ON "custom_field" ("created_at")',
    'CREATE INDEX "idx_custom_valu_field_i_42176b" ON "custom_value" ("field_id", "text_value", "record_id")',
    'CREATE INDEX "idx_custom_valu_field_i_c7f625" ON "custom_value" ("field_id", "number_value", "record_id")',
    'CREATE INDEX "idx_custom_valu_field_i_4ff122" ON "custom_value" ("field_id", "date_value", "record_id")',
    'CREATE INDEX "idx_custom_valu_field_i_f721e6" ON "custom_value" ("field_id", "datetime_value", "record_id")',
    'CREATE INDEX "idx_custom_valu_field_i_bf2b8b" ON "custom_value" ("field_id", "bool_value", "record_id")',
    'CREATE INDEX "idx_custom_valu_user_id_fd1216" ON "custom_value" ("user_id", "field_id", "record_id")',
]


def _tables(serial: str, timestamp: str, boolean: str, json: str, double: str) -> list[str]:
    return [
        f"""CREATE TABLE "custom_field" (
    "version" INT NOT NULL,
    "created_at" {timestamp} NOT NULL,
    "updated_at" {timestamp} NOT NULL,
    "id" {serial},
    "entity" VARCHAR(20) NOT NULL,
    "key" VARCHAR(60) NOT NULL,
    "label" VARCHAR(100) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "required" {boolean} NOT NULL,
    "default_value" {json},
    "help_text" VARCHAR(500) NOT NULL,
    "position" INT NOT NULL,
    "options" {json} NOT NULL,
    "archived" {boolean} NOT NULL,
    CONSTRAINT "uid_custom_fiel_entity_56a21b" UNIQUE ("entity", "key")
)""",
        f"""CREATE TABLE "custom_value" (
    "id" {serial},
    "record_id" INT NOT NULL,
    "text_value" VARCHAR(500),
    "long_text" TEXT,
    "number_value" {double},
    "date_value" DATE,
    "datetime_value" {timestamp},
    "bool_value" {boolean},
    "field_id" INT NOT NULL REFERENCES "custom_field" ("id") ON DELETE CASCADE,
    "user_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    CONSTRAINT "uid_custom_valu_record__4a8483" UNIQUE ("record_id", "field_id")
)""",
        *_indexes,
    ]


apply = per_dialect(
    sqlite=_tables("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "TIMESTAMP", "INT", "JSON", "REAL"),
    postgres=_tables("SERIAL NOT NULL PRIMARY KEY", "TIMESTAMPTZ", "BOOL", "JSONB", "DOUBLE PRECISION"),
)
