"""Indexes the models cannot declare: a partial unique index and composite lookups."""

from backend.migrations.ops import sql

apply = sql(
    # At most one primary contact per customer, enforced by the database so no race can break it.
    'CREATE UNIQUE INDEX "uniq_contact_primary" ON "contact" ("customer_id") WHERE "is_primary"',
    'CREATE INDEX "idx_activity_customer_time" ON "activity" ("customer_id", "occurred_at")',
    'CREATE INDEX "idx_engagement_campaign_time" ON "engagement_event" ("campaign_id", "occurred_at")',
    'CREATE INDEX "idx_deal_customer_stage" ON "deal" ("customer_id", "stage_id")',
)
