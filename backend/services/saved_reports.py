"""Saved reports: save the report on screen under a name, switch its weekly mail on (a weekday) or off, delete.

The report arrives as the API's DealReportInput, already checked by the API and encoded as GraphQL variables
(the API's resolver does both); it is stored as is and run as is, as its owner, every time it is mailed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.models import SavedReport
from backend.services import validate as v
from backend.services.queue import now
from backend.services.unit import write

MAX_SAVED = 50  # per user: a handful is what anyone keeps; a runaway client cannot fill the table
MAX_VIEW = 2000  # characters of the screen's settings: a few filters


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> SavedReport:
    report_id = v.parse_id(field, raw_id)
    query = SavedReport.filter(permissions.saved_report_rule(actor), id=report_id)
    return cast(SavedReport, await v.one(query, "SavedReport", raw_id, field))


def _weekday(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 6:
        raise BadUserInput("weekday", "must be 0 (Monday) to 6 (Sunday), or null for no mail")
    return value


def _view(view: Any) -> dict[str, str]:
    if view is None:
        return {}
    if not isinstance(view, Mapping) or not all(isinstance(k, str) and isinstance(x, str) for k, x in view.items()):
        raise BadUserInput("view", "must be an object of texts (the screen's settings)")
    if len(json.dumps(view)) > MAX_VIEW:
        raise BadUserInput("view", f"is longer than {MAX_VIEW} characters")
    return dict(view)


def _report(report: dict[str, Any]) -> dict[str, Any]:
    """The report's free text, kept to one line like every other text stored (it reaches the weekly mail)."""
    if report.get("search") is not None:
        report = {**report, "search": v.text("report.search", report["search"], max_length=200)}
    where = report.get("filter") or {}
    if where.get("currency"):
        currencies = [v.text("report.filter.currency", c, max_length=3) for c in where["currency"]]
        report = {**report, "filter": {**where, "currency": currencies}}
    return report


async def save(actor: Actor, name: Any, report: dict[str, Any], chart: str, view: Any = None,
               weekday: Any = None) -> SavedReport:
    """A new saved report of `actor`; with a `weekday` it is mailed to them weekly from then on."""
    query = SavedReport.filter(permissions.saved_report_rule(actor))
    values: dict[str, Any] = {"name": v.text("name", name, max_length=100, required=True), "view": _view(view),
              "weekday": _weekday(weekday), "report": _report(report), "chart": chart}
    async with write(actor) as unit:
        if await query.count() >= MAX_SAVED:
            raise BadUserInput("name", f"you keep {MAX_SAVED} saved reports already: delete one first")
        saved = await SavedReport.create(owner_id=actor.user_id, subscribed_at=now() if values["weekday"] is not None
                                         else None, **values)
        await unit.audit("saved_report.create", "saved_report", saved.id,
                         {"name": [None, saved.name], "weekday": [None, saved.weekday]})
    return saved


async def schedule(actor: Actor, raw_id: Any, version: int | None, weekday: Any) -> SavedReport:
    """Mail the report every week on `weekday` (0 Monday … 6 Sunday), or no more (None)."""
    expected = v.version("version", version)
    day = _weekday(weekday)
    async with write(actor) as unit:
        saved = await visible(actor, raw_id)
        changed = await SavedReport.filter(id=saved.id, version=expected).update(
            weekday=day, subscribed_at=now() if day is not None else None, version=expected + 1)
        if not changed:
            raise Conflict("SavedReport", saved.version)
        await unit.audit("saved_report.schedule", "saved_report", saved.id, {"weekday": [saved.weekday, day]})
    return await SavedReport.get(id=saved.id)


async def delete(actor: Actor, raw_id: Any) -> int:
    async with write(actor) as unit:
        saved = await visible(actor, raw_id)
        await saved.delete()
        await unit.audit("saved_report.delete", "saved_report", saved.id, {"name": [saved.name, None]})
    return saved.id
