"""The change feed (issue 21): one row per committed change of a customer, contact, lead, deal, activity or
ticket, its id in commit order (services/changes.py), kept for CRM_CHANGES_RETENTION (the `at` index serves
the daily prune).

The feed starts with the history the audit log already holds: its entries about fed records are copied in
id order, with the kinds services/changes.kind_of gives (frozen here as SQL). Who could see each record
then is not known, so those rows are for the roles that see every customer ('' audiences); salespeople's
rows begin with the upgrade."""

from backend.migrations.ops import per_dialect

_index = 'CREATE INDEX "idx_change_at_18f908" ON "change" ("at")'
_kinds = [("created", ("create", "log", "recur", "web_form")), ("deleted", ("delete",)), ("archived", ("archive",)),
          ("merged", ("merge",)),
          ("status_changed", ("change_status", "status", "set_phase", "move", "convert", "complete"))]
_kind = "CASE " + " ".join(
    "WHEN " + " OR ".join(f'"action" LIKE \'%.{verb}\'' for verb in verbs) + f" THEN '{kind}'"
    for kind, verbs in _kinds) + " ELSE 'updated' END"
_backfill = f"""INSERT INTO "change" ("at", "entity", "entity_id", "kind", "action", "actor_id", "changes", "audiences")
SELECT "at", "entity", "entity_id", {_kind}, "action", "actor_id", "changes", '' FROM "audit_entry"
WHERE "entity" IN ('customer', 'contact', 'lead', 'deal', 'activity', 'ticket') ORDER BY "id"
"""

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "change" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "entity" VARCHAR(40) NOT NULL,
    "entity_id" VARCHAR(40) NOT NULL,
    "kind" VARCHAR(20) NOT NULL,
    "action" VARCHAR(60) NOT NULL,
    "actor_id" INT,
    "changes" JSON NOT NULL,
    "audiences" VARCHAR(2000) NOT NULL
)""",
        _index,
        _backfill,
    ],
    postgres=[
        """CREATE TABLE "change" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "at" TIMESTAMPTZ NOT NULL,
    "entity" VARCHAR(40) NOT NULL,
    "entity_id" VARCHAR(40) NOT NULL,
    "kind" VARCHAR(20) NOT NULL,
    "action" VARCHAR(60) NOT NULL,
    "actor_id" INT,
    "changes" JSONB NOT NULL,
    "audiences" VARCHAR(2000) NOT NULL
)""",
        _index,
        _backfill,
    ],
)
