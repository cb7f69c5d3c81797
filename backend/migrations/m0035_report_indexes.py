"""Covering indexes for the reports and dashboards (issue 19): at 100,000 customers a sales head's figures
group ~90,000 deals each, and reading every deal's row from the table (one random read per deal) cost most of
the time. Each index holds every column the groupings read, so the database answers from the index alone.

- by owner: the dashboards' figures (team_deal_rule: owner_id IN the team), and customer_rule's "customers
  of a deal the team owns";
- by customer: the `report` query under deal_rule (customer_id IN the visible customers);
- activities by author and by assignee: the dashboards' activity counts and task counts.
"""

from backend.migrations.ops import sql

_DEAL_MEASURES = '"stage_id", "currency", "closed_at", "expected_close_date", "amount", "probability", "created_at"'

apply = sql(
    f'CREATE INDEX "idx_deal_owner_report" ON "deal" ("owner_id", {_DEAL_MEASURES}, "customer_id")',
    f'CREATE INDEX "idx_deal_customer_report" ON "deal" ("customer_id", "owner_id", {_DEAL_MEASURES})',
    'CREATE INDEX "idx_activity_author_time" ON "activity" ("author_id", "occurred_at", "kind", "customer_id", '
    '"contact_id")',
    'CREATE INDEX "idx_activity_assignee_task" ON "activity" ("assignee_id", "kind", "task_status", "due_at", '
    '"customer_id", "contact_id", "author_id")',
)
