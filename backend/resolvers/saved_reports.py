"""Saved reports: your list, save, mail weekly, delete."""

from __future__ import annotations

import strawberry

from backend import permissions
from backend.errors import BadUserInput
from backend.models import SavedReport
from backend.permissions import Action
from backend.reads.context import Info
from backend.resolvers.deals import listed_deals
from backend.schema.reports import deal_report
from backend.schema.saved_reports import (
    DeleteSavedReportInput,
    SavedReportType,
    SaveReportInput,
    ScheduleSavedReportInput,
    as_variables,
)
from backend.services import saved_reports as service


@strawberry.type
class SavedReportQuery:
    @strawberry.field(description="Your saved reports, newest first")
    async def saved_reports(self, info: Info) -> list[SavedReportType]:
        rule = permissions.saved_report_rule(info.context.actor)
        return SavedReportType.of_all(await SavedReport.filter(rule).order_by("-created_at", "-id").limit(service.MAX_SAVED))


@strawberry.type
class SavedReportMutation:
    @strawberry.mutation(description="Save a report under a name; with a weekday it is mailed to you weekly (the "
                         "table, and the XLSX attached), read under your row rules when it goes out")
    async def save_report(self, info: Info, input: SaveReportInput) -> SavedReportType:
        permissions.require(info.context.actor, Action.READ_REPORTS)
        report = input.report
        # Run once now: a report that cannot run (bad grouping, an id out of sight) is refused, not saved; its
        # errors name the field within `report`.
        try:
            await deal_report(info, await listed_deals(info, report.filter, report.search, report.archived), report)
        except BadUserInput as error:
            raise BadUserInput(f"report.{error.field}", str(error).removeprefix(f"{error.field}: ")) from None
        return SavedReportType.of(await service.save(info.context.actor, input.name, as_variables(report),
                                                     input.chart.name, input.view, input.weekday))

    @strawberry.mutation(description="Mail a saved report weekly on a weekday, or no more (weekday null)")
    async def schedule_saved_report(self, info: Info, input: ScheduleSavedReportInput) -> SavedReportType:
        return SavedReportType.of(await service.schedule(info.context.actor, input.id, input.version, input.weekday))

    @strawberry.mutation(description="Delete one of your saved reports; returns its id")
    async def delete_saved_report(self, info: Info, input: DeleteSavedReportInput) -> strawberry.ID:
        return strawberry.ID(str(await service.delete(info.context.actor, input.id)))
