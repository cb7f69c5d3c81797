"""Support tickets (issue 20): the ticket, its conversation (public replies and internal notes) and each
customer's public support form. A ticket's SLA clock columns and its satisfaction answer are here too; the
policies and the support calendar the clock is computed from come in m0033.
"""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_ticket_created_ad5b9c" ON "ticket" ("created_at")',
    'CREATE INDEX "idx_ticket_contact_7523ca" ON "ticket" ("contact_id")',
    'CREATE INDEX "idx_ticket_deal_id_c0662b" ON "ticket" ("deal_id")',
    'CREATE INDEX "idx_ticket_team_id_0cab74" ON "ticket" ("team_id")',
    'CREATE INDEX "idx_ticket_queue_a_b884f6" ON "ticket" ("queue_at", "id")',
    'CREATE INDEX "idx_ticket_custome_c5c84c" ON "ticket" ("customer_id", "created_at")',
    'CREATE INDEX "idx_ticket_assigne_04c53b" ON "ticket" ("assignee_id", "queue_at")',
    'CREATE INDEX "idx_ticket_mess_author__2698c6" ON "ticket_message" ("author_id")',
    'CREATE INDEX "idx_ticket_mess_ticket__cb5587" ON "ticket_message" ("ticket_id", "created_at")',
]

apply = per_dialect(
    sqlite=[
        """CREATE TABLE "ticket" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "subject" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "channel" VARCHAR(10) NOT NULL,
    "category" VARCHAR(60) NOT NULL,
    "priority" VARCHAR(10) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "tags" JSON NOT NULL,
    "requester_email" VARCHAR(254) NOT NULL,
    "paused_at" TIMESTAMP,
    "paused_minutes" INT NOT NULL,
    "first_response_due_at" TIMESTAMP,
    "first_responded_at" TIMESTAMP,
    "resolution_due_at" TIMESTAMP,
    "resolved_at" TIMESTAMP,
    "closed_at" TIMESTAMP,
    "queue_at" TIMESTAMP NOT NULL,
    "satisfaction" INT,
    "rated_at" TIMESTAMP,
    "assignee_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE,
    "deal_id" INT REFERENCES "deal" ("id") ON DELETE SET NULL,
    "team_id" INT REFERENCES "team" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "ticket_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "author_name" VARCHAR(200) NOT NULL,
    "internal" INT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "author_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE
)""",
        """CREATE TABLE "support_form" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "code" VARCHAR(40) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "customer_id" INT NOT NULL UNIQUE REFERENCES "customer" ("id") ON DELETE CASCADE
)""",
        *_indexes,
    ],
    postgres=[
        """CREATE TABLE "ticket" (
    "version" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "subject" VARCHAR(200) NOT NULL,
    "description" TEXT NOT NULL,
    "channel" VARCHAR(10) NOT NULL,
    "category" VARCHAR(60) NOT NULL,
    "priority" VARCHAR(10) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "tags" JSONB NOT NULL,
    "requester_email" VARCHAR(254) NOT NULL,
    "paused_at" TIMESTAMPTZ,
    "paused_minutes" INT NOT NULL,
    "first_response_due_at" TIMESTAMPTZ,
    "first_responded_at" TIMESTAMPTZ,
    "resolution_due_at" TIMESTAMPTZ,
    "resolved_at" TIMESTAMPTZ,
    "closed_at" TIMESTAMPTZ,
    "queue_at" TIMESTAMPTZ NOT NULL,
    "satisfaction" INT,
    "rated_at" TIMESTAMPTZ,
    "assignee_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE SET NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE,
    "deal_id" INT REFERENCES "deal" ("id") ON DELETE SET NULL,
    "team_id" INT REFERENCES "team" ("id") ON DELETE SET NULL
)""",
        """CREATE TABLE "ticket_message" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "author_name" VARCHAR(200) NOT NULL,
    "internal" BOOL NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "author_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE
)""",
        """CREATE TABLE "support_form" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "code" VARCHAR(40) NOT NULL UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "customer_id" INT NOT NULL UNIQUE REFERENCES "customer" ("id") ON DELETE CASCADE
)""",
        *_indexes,
    ],
)
