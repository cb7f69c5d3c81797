"""Indexes for the dashboards' stalled deals (issue 19): open deals of the team older than quietDays with no
activity logged on them since. At 100,000 customers a head's team has ~90,000 open deals, almost all younger
than that, and every count read each of them to compare its age; then it gathered the deals of the recent
activities reading every recent activity's row.

- deals by owner, stage and creation: the team's open deals older than the cut are one range per owner and
  stage, the young ones never read;
- activities by time with their deal: the deals active since the cut, read from the index alone.
"""

from backend.migrations.ops import sql

apply = sql(
    'CREATE INDEX "idx_deal_owner_stage_created" ON "deal" ("owner_id", "stage_id", "created_at")',
    'CREATE INDEX "idx_activity_time_deal" ON "activity" ("occurred_at", "deal_id")',
)
