"""Webhooks (issue 21): endpoints admins register, one delivery per change and endpoint (fed from the change
feed after `last_change_id`), and the log of every attempt to deliver one."""

from backend.migrations.ops import per_dialect


def _tables(serial: str, big_serial: str, stamp: str, json: str, boolean: str) -> list[str]:
    return [
        f"""CREATE TABLE "webhook" (
    "version" INT NOT NULL,
    "created_at" {stamp} NOT NULL,
    "updated_at" {stamp} NOT NULL,
    "id" {serial},
    "name" VARCHAR(100) NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "entities" {json} NOT NULL,
    "kinds" {json} NOT NULL,
    "secret" VARCHAR(200) NOT NULL,
    "active" {boolean} NOT NULL,
    "disabled_reason" VARCHAR(500) NOT NULL,
    "last_change_id" BIGINT NOT NULL,
    "created_by_id" INT
)""",
        'CREATE INDEX "idx_webhook_created_2c3c56" ON "webhook" ("created_at")',
        f"""CREATE TABLE "webhook_delivery" (
    "id" {big_serial},
    "change_id" BIGINT NOT NULL,
    "event" VARCHAR(80) NOT NULL,
    "body" TEXT NOT NULL,
    "status" VARCHAR(10) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" {stamp} NOT NULL,
    "failing_since" {stamp},
    "delivered_at" {stamp},
    "created_at" {stamp} NOT NULL,
    "webhook_id" INT NOT NULL REFERENCES "webhook" ("id") ON DELETE CASCADE
)""",
        'CREATE INDEX "idx_webhook_del_webhook_ef1d90" ON "webhook_delivery" ("webhook_id", "status", "id")',
        f"""CREATE TABLE "webhook_attempt" (
    "id" {big_serial},
    "at" {stamp} NOT NULL,
    "ok" {boolean} NOT NULL,
    "status_code" INT,
    "duration_ms" INT NOT NULL,
    "error" VARCHAR(500) NOT NULL,
    "response" TEXT NOT NULL,
    "manual" {boolean} NOT NULL,
    "delivery_id" BIGINT NOT NULL REFERENCES "webhook_delivery" ("id") ON DELETE CASCADE
)""",
        'CREATE INDEX "idx_webhook_att_deliver_0b6b1e" ON "webhook_attempt" ("delivery_id", "id")',
    ]


_SQLITE_ID = "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
apply = per_dialect(
    sqlite=_tables(_SQLITE_ID, _SQLITE_ID, "TIMESTAMP", "JSON", "INT"),
    postgres=_tables("SERIAL NOT NULL PRIMARY KEY", "BIGSERIAL NOT NULL PRIMARY KEY", "TIMESTAMPTZ", "JSONB", "BOOL"),
)
