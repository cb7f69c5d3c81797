"""Columns shared by editable entities."""

from tortoise import fields
from tortoise.models import Model


class Editable(Model):
    """An entity users edit: every update names the `version` it read, so no change is lost."""

    version = fields.IntField(default=1, description="Bumped on every change, and every update must send it")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
