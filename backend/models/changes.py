"""The change feed (issue 21): one row per committed change of a customer, contact, lead, deal, activity or
ticket, numbered in commit order (services/changes.py assigns the ids under a lock held until the commit)."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Change(Model):
    id = fields.BigIntField(primary_key=True, description="Commit order: a later id never commits first")
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    entity = fields.CharField(max_length=40)
    entity_id = fields.CharField(max_length=40)
    kind = fields.CharField(max_length=20, description="created, updated, status_changed, archived, deleted, merged")
    action = fields.CharField(max_length=60, description="The audit action it was recorded as")
    actor_id = fields.IntField(null=True, description="Who made it (no foreign key: the feed outlives users)")
    changes: fields.Field[dict[str, Any]] = fields.JSONField(default=dict, description="field -> [old, new]")
    audiences = fields.CharField(
        max_length=2000, description="Who could see the record when it changed, as |team:3|user:9| (all: '')")

    class Meta:
        table = "change"
