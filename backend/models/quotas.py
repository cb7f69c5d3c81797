"""Sales quotas: the amount a salesperson or a team is expected to win in a period (month, quarter, year), in
minor units of the base currency, with optional weekly activity targets; each setting is kept as a history row."""

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.users import Team, User


class QuotaPeriod(str, Enum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class QuotaFigures(Model):
    """What a setting of a quota says: the amount (minor units of the base currency when it was set), the weekly
    activity targets, and who set it."""

    amount = fields.BigIntField(description="Minor units of `currency` to win in the period")
    currency = fields.CharField(max_length=3, description="The base currency when it was set")
    calls_per_week = fields.IntField(null=True)
    meetings_per_week = fields.IntField(null=True)
    set_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    set_by_id: int | None

    class Meta:
        abstract = True


class Quota(QuotaFigures):
    """One holder's quota for one period: setting it again replaces the figures (QuotaChange keeps the old)."""

    id = fields.IntField(primary_key=True)
    # "user:<id>" or "team:<id>": one quota per holder and period, enforced by the database even when two
    # heads set it at once (a unique key over the two nullable ids would let NULLs through).
    holder = fields.CharField(max_length=24)
    user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.CASCADE
    )
    user_id: int | None
    team: fields.ForeignKeyNullableRelation["Team"] = fields.ForeignKeyField(
        "models.Team", null=True, related_name=False, on_delete=fields.CASCADE
    )
    team_id: int | None
    period = fields.CharEnumField(QuotaPeriod, max_length=10)
    starts_on = fields.DateField(description="First day of the period")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "quota"
        unique_together = (("holder", "period", "starts_on"),)


class QuotaChange(QuotaFigures):
    """Every setting of a quota, the first included: what it was set to, by whom, when."""

    id = fields.IntField(primary_key=True)
    quota: fields.ForeignKeyRelation[Quota] = fields.ForeignKeyField(
        "models.Quota", related_name="changes", on_delete=fields.CASCADE
    )
    quota_id: int
    set_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "quota_change"
