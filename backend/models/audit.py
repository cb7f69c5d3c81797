"""The audit log: one entry per write, in the same transaction as the write."""

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.users import User


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    actor_label = fields.CharField(max_length=254, default="", description="Who, as shown then")
    via = fields.CharField(max_length=120, description="ui, api, token:<name>, cli or public")
    action = fields.CharField(max_length=60, db_index=True)
    entity = fields.CharField(max_length=40)
    entity_id = fields.CharField(max_length=40)
    changes: fields.Field[dict[str, Any]] = fields.JSONField(default=dict, description="field -> [old, new]")

    class Meta:
        table = "audit_entry"
        indexes = (("entity", "entity_id"),)
