"""SLA escalation (issue 20): a priority's policy may name a higher priority and/or an assignee (e.g. the
support lead) a ticket is handed to, once, when one of its targets is breached. Both optional (null: none)."""

from backend.migrations.ops import per_dialect

apply = per_dialect(
    sqlite=[
        'ALTER TABLE "sla_policy" ADD COLUMN "escalate_to" VARCHAR(10)',
        'ALTER TABLE "sla_policy" ADD COLUMN "escalate_assignee_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL',
        'CREATE INDEX "idx_sla_policy_escalat_3a4b1c" ON "sla_policy" ("escalate_assignee_id")',
    ],
    postgres=[
        'ALTER TABLE "sla_policy" ADD COLUMN "escalate_to" VARCHAR(10)',
        'ALTER TABLE "sla_policy" ADD COLUMN "escalate_assignee_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL',
        'CREATE INDEX "idx_sla_policy_escalat_3a4b1c" ON "sla_policy" ("escalate_assignee_id")',
    ],
)
