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
    requires_next_step = fields.BooleanField(
        default=False, description="Deals entering it need a next step (automation rule deal_stage_next_step)"
    )

    class Meta:
        table = "stage"
        unique_together = (("pipeline", "position"),)


class LostReason(Editable):
    """One entry of the list of reasons a deal is lost, kept by admins so reports can count them alike."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    archived = fields.BooleanField(default=False, description="No longer offered; deals that used it keep it")

    class Meta:
        table = "lost_reason"


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
    lost_reason_choice: fields.ForeignKeyNullableRelation[LostReason] = fields.ForeignKeyField(
        "models.LostReason", null=True, related_name=False, on_delete=fields.SET_NULL,
        description="The admin-kept reason picked when it was lost (lost_reason holds the full text)",
    )
    lost_reason_choice_id: int | None
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


class DealFigure(Model):
    """The deals of one owner, stage, month of close, currency and listed lost reason added up: what the
    dashboards read instead of the deals (a team's few hundred rows rather than its 100,000 deals). Kept by
    database triggers on `deal` (m0041), in the transaction of every write whatever path it took (services,
    imports, merges, erasure, cascades), so it cannot drift from the deals; never written by the application.
    Keys use 0 and "" for "none" so that the unique key (the triggers' ON CONFLICT target) matches them."""

    id = fields.IntField(primary_key=True)
    owner_id = fields.IntField(description="The deals' owner (0: none)")
    stage_id = fields.IntField()
    month = fields.CharField(max_length=7, description="YYYY-MM (UTC) of closed_at, else of expected_close_date "
                             "(\"\": neither), the reports' month of close")
    currency = fields.CharField(max_length=3)
    reason_id = fields.IntField(description="The listed lost reason (0: none)")
    deals = fields.IntField()
    amount = fields.BigIntField(description="Sum of amounts, minor units of `currency`")
    weighted = fields.BigIntField(description="Sum of amount × probability")
    cycle_seconds = fields.BigIntField(description="Sum of seconds from creation to close (closed deals)")

    class Meta:
        table = "deal_figure"
        unique_together = (("owner_id", "stage_id", "month", "currency", "reason_id"),)
