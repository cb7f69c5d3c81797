"""Exchange rates that turn deal amounts into the base currency for totals and forecasts."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.users import User


class ExchangeRate(Model):
    currency = fields.CharField(max_length=3, primary_key=True)
    rate = fields.DecimalField(max_digits=18, decimal_places=8, description="Base-currency units per unit")
    updated_at = fields.DatetimeField(auto_now=True)
    updated_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    updated_by_id: int | None

    class Meta:
        table = "exchange_rate"
