"""Saved reports: a user's named deal report (its grouping, measures and filters) and, when subscribed, the
weekday it is mailed to them, with the table in the mail and the XLSX attached (backend/report_files/weekly.py)."""

from typing import TYPE_CHECKING, Any

from tortoise import fields

from backend.models.base import Editable

if TYPE_CHECKING:
    from backend.models.users import User


class SavedReport(Editable):
    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="saved_reports", on_delete=fields.CASCADE
    )
    owner_id: int
    name = fields.CharField(max_length=100)
    # The report as the API's DealReportInput, in GraphQL variables (camelCase, enum names): run as is at send time.
    report: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    chart = fields.CharField(max_length=20, default="SUM", description="The measure the chart draws")
    # The /reports screen's settings (chart kind, measure, filters as in its address), for reopening it there.
    view: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    weekday = fields.SmallIntField(null=True, description="Mailed weekly on this day (0 Monday … 6 Sunday); null: not")
    subscribed_at = fields.DatetimeField(null=True, description="When the weekly mail was switched on")

    class Meta:
        table = "saved_report"
