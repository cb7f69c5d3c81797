"""Saved reports as the API shows them, and their inputs."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET
from strawberry.utils.str_converters import to_camel_case

from backend.models import SavedReport
from backend.schema.reports import DealReportInput, DealReportMeasure
from backend.schema.rows import Shows

WEEKDAY = "0 Monday … 6 Sunday"


@strawberry.type(name="SavedReport", description="A deal report you saved, mailed to you weekly when subscribed")
class SavedReportType(Shows[SavedReport]):
    id: strawberry.ID = strawberry.field(description="Saved report id")
    name: str = strawberry.field(description="Its name")
    report: JSON = strawberry.field(description="The report as `report(input:)` takes it (DealReportInput)")
    chart: str = strawberry.field(description="The measure its chart draws (a DealReportMeasure)")
    view: JSON = strawberry.field(description="The /reports screen's settings it was saved from (its address)")
    weekday: int | None = strawberry.field(description=f"Mailed to you every week on this day ({WEEKDAY}); null: not")
    subscribed_at: datetime | None = strawberry.field(description="When the weekly mail was switched on")
    version: int = strawberry.field(description="Send it back with scheduleSavedReport")
    created_at: datetime = strawberry.field(description="Saved at")


@strawberry.input(description="Save a report under a name, optionally mailed to you weekly")
class SaveReportInput:
    name: str = strawberry.field(description="Its name, e.g. Pipeline by owner")
    report: DealReportInput = strawberry.field(description="The report, as `report(input:)` takes it")
    chart: DealReportMeasure = strawberry.field(default=DealReportMeasure.SUM,
                                                description="The measure the chart (and the mail) leads with")
    view: JSON | None = strawberry.field(default=None, description="The screen's settings, to reopen it there")
    weekday: int | None = strawberry.field(default=None, description=f"Mail it weekly on this day ({WEEKDAY})")


@strawberry.input(description="Mail a saved report weekly on a weekday, or stop (weekday null)")
class ScheduleSavedReportInput:
    id: strawberry.ID = strawberry.field(description="The saved report")
    version: int = strawberry.field(description="The version you read")
    weekday: int | None = strawberry.field(default=None, description=f"{WEEKDAY}; null: no more mail")


@strawberry.input(description="Delete one of your saved reports")
class DeleteSavedReportInput:
    id: strawberry.ID = strawberry.field(description="The saved report")


def as_variables(value: Any) -> Any:
    """An input object as a client sends it: camelCase keys, enums by name, dates as ISO text, unset left out;
    so a saved report runs later exactly as `report(input:)` would have run it now."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [as_variables(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {to_camel_case(f.name): as_variables(item) for f in dataclasses.fields(value)
                if (item := getattr(value, f.name)) is not None and item is not UNSET}
    return value
