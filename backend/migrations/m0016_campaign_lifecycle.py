"""Campaigns that run by themselves and the referral loop (issue 17).

- crm_user.referral_code: each seller's code for `?ref=` links (unique; given on first use);
- lead.campaign_id: the campaign a lead came from (its won deals are the campaign's revenue);
- enrolment.referrer_id / enrolment.lead_id: whose code an enrolment came by, and the lead it became;
- campaign.summary_sent_on: the day whose engagement summary went out (sent once per day).

Existing rows get nulls: enrolments made before keep their referrer_code text, with no lead made afterwards.
"""

from backend.migrations.ops import per_dialect

_steps = (
    'ALTER TABLE "crm_user" ADD COLUMN "referral_code" VARCHAR(16)',
    'CREATE UNIQUE INDEX "uid_crm_user_referral_code" ON "crm_user" ("referral_code")',
    'ALTER TABLE "lead" ADD COLUMN "campaign_id" INT REFERENCES "campaign" ("id") ON DELETE SET NULL',
    'CREATE INDEX "idx_lead_campaign_id" ON "lead" ("campaign_id")',
    'ALTER TABLE "enrolment" ADD COLUMN "referrer_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL',
    'CREATE INDEX "idx_enrolment_referrer_id" ON "enrolment" ("referrer_id")',
    'ALTER TABLE "enrolment" ADD COLUMN "lead_id" INT REFERENCES "lead" ("id") ON DELETE SET NULL',
    'CREATE INDEX "idx_enrolment_lead_id" ON "enrolment" ("lead_id")',
    'ALTER TABLE "campaign" ADD COLUMN "summary_sent_on" DATE',
)

apply = per_dialect(sqlite=_steps, postgres=_steps)
