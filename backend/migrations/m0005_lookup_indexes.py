"""An index on every foreign key not already leading one.

The 360° view, timelines, stage histories, a user's tasks, sessions and notifications, and each role's
audience all look rows up by these columns, and neither SQLite nor PostgreSQL indexes a foreign key by
itself (without one, each lookup scans the table).
"""

from backend.migrations.ops import sql

LOOKUP_INDEXES = [
    ("activity", "assignee_id"), ("activity", "author_id"), ("activity", "contact_id"), ("activity", "deal_id"),
    ("api_token", "user_id"), ("audit_entry", "actor_id"), ("campaign", "owner_id"),
    ("contact", "customer_id"), ("contact", "owner_id"), ("crm_session", "user_id"), ("crm_user", "team_id"),
    ("customer", "account_manager_id"), ("customer_status_change", "changed_by_id"),
    ("customer_status_change", "customer_id"), ("deal", "contact_id"), ("deal", "owner_id"),
    ("deal", "pipeline_id"), ("deal", "stage_id"), ("deal_stage_change", "changed_by_id"),
    ("deal_stage_change", "deal_id"), ("deal_stage_change", "from_stage_id"), ("deal_stage_change", "to_stage_id"),
    ("exchange_rate", "updated_by_id"), ("lead", "contact_id"), ("lead", "customer_id"), ("lead", "deal_id"),
    ("lead", "owner_id"), ("note", "author_id"), ("note", "customer_id"), ("notification", "user_id"),
]

apply = sql(*(f'CREATE INDEX "idx_{table}_{column}" ON "{table}" ("{column}")' for table, column in LOOKUP_INDEXES))
