"""Pick-lists admins keep: named values offered in forms, one table for every list (a `list` column),
archived rather than deleted so records that carry a value keep it."""

from enum import Enum

from tortoise import fields

from backend.models.base import Editable


class PickList(str, Enum):
    """The lists kept in `pick_list_item`. High-level statuses are pointed at by id; the others keep their
    label in the record's own text column (customer.industry, customer.segment, lead.source,
    activity.outcome)."""

    HIGH_LEVEL_STATUS = "high_level_status"
    INDUSTRY = "industry"
    SEGMENT = "segment"
    LEAD_SOURCE = "lead_source"
    ACTIVITY_OUTCOME = "activity_outcome"


class PickListItem(Editable):
    id = fields.IntField(primary_key=True)
    list = fields.CharEnumField(PickList, max_length=40)
    label = fields.CharField(max_length=100)
    position = fields.IntField(default=0, description="Order in which forms offer the values")
    archived = fields.BooleanField(default=False, description="No longer offered; records keep it")

    class Meta:
        table = "pick_list_item"
        unique_together = (("list", "label"),)
