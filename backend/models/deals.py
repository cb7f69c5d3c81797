"""Pipelines with their stages as data, deals moving through them and the history of each move."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.contacts import Contact
    from backend.models.customers import Customer
    from backend.models.users import User


class StageKind(str, Enum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Pipeline(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    is_default = fields.BooleanField(default=False)
    position = fields.IntField(default=0)

    class Meta:
        table = "pipeline"


class Stage(Model):
    id = fields.IntField(primary_key=True)
    pipeline: fields.ForeignKeyRelation[Pipeline] = fields.ForeignKeyField(
        "models.Pipeline", related_name="stages", on_delete=fields.CASCADE
    )
    pipeline_id: int
    name = fields.CharField(max_length=100)
    position = fields.IntField()
    probability = fields.IntField(description="Default win probability in percent")
    kind = fields.CharEnumField(StageKind, max_length=10, default=StageKind.OPEN)

    class Meta:
        table = "stage"
        unique_together = (("pipeline", "position"),)


class Deal(Editable):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    customer: fields.ForeignKeyRelation["Customer"] = fields.ForeignKeyField(
        "models.Customer", related_name="deals", on_delete=fields.RESTRICT
    )
    customer_id: int
    contact: fields.ForeignKeyNullableRelation["Contact"] = fields.ForeignKeyField(
        "models.Contact", null=True, related_name="deals", on_delete=fields.SET_NULL
    )
    contact_id: int | None
    owner: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name="owned_deals", on_delete=fields.SET_NULL
    )
    owner_id: int | None
    pipeline: fields.ForeignKeyRelation[Pipeline] = fields.ForeignKeyField(
        "models.Pipeline", related_name="deals", on_delete=fields.RESTRICT
    )
    pipeline_id: int
    stage: fields.ForeignKeyRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", related_name="deals", on_delete=fields.RESTRICT
    )
    stage_id: int
    amount = fields.BigIntField(default=0, description="Minor units (cents) of `currency`")
    currency = fields.CharField(max_length=3, default="EUR")
    probability = fields.IntField(default=0)
    expected_close_date = fields.DateField(null=True, db_index=True)
    lost_reason = fields.CharField(max_length=500, default="")
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deal"


class DealStageChange(Model):
    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="stage_history", on_delete=fields.CASCADE
    )
    deal_id: int
    from_stage: fields.ForeignKeyNullableRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    from_stage_id: int | None
    to_stage: fields.ForeignKeyRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", related_name=False, on_delete=fields.CASCADE
    )
    to_stage_id: int
    changed_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    changed_by_id: int | None
    changed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "deal_stage_change"
