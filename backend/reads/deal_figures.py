"""The dashboards' deal groupings read from `deal_figure` (the deals added up per owner, stage, month of close,
currency and lost reason, kept by triggers: m0041) instead of the deals: a team's few hundred rows rather than
its ~90,000 deals at 100,000 customers. Rows come out in reports.group_rows' shape, so reports.tally converts
and adds them the same way."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.expressions import Subquery
from tortoise.functions import Sum

from backend import permissions
from backend.auth.actor import Actor
from backend.models import DealFigure, Stage, StageKind
from backend.reads.reports import Dimension, stage_kinds

# The dimensions a figure row carries, by column; "none" is stored as 0 or "" (part of the unique key).
COLUMNS = {Dimension.OWNER: "owner_id", Dimension.STAGE: "stage_id", Dimension.CLOSE_MONTH: "month",
           Dimension.LOST_REASON: "reason_id"}
SECONDS_A_DAY = 86400


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _key(dimension: Dimension, value: Any) -> Any:
    if not value:
        return None
    if dimension is Dimension.CLOSE_MONTH:
        return date.fromisoformat(f"{value}-01")
    return int(value)


async def figure_rows(actor: Actor, owners: list[int] | None, dimensions: list[Dimension], kinds: list[StageKind],
                      months: tuple[date, date] | None = None) -> list[dict[str, Any]]:
    """The team deals (permissions.team_figure_rule) of `owners` (None: any) in a stage of `kinds`, closing in
    the months from `months[0]` to before `months[1]` (month-aligned dates; None: any), grouped by `dimensions`
    per currency and stage kind: one statement over figure rows."""
    names = [COLUMNS[d] for d in dimensions]
    rows = DealFigure.filter(permissions.team_figure_rule(actor),
                             stage_id__in=Subquery(Stage.filter(kind__in=kinds).values("id")))
    if owners is not None:
        rows = rows.filter(owner_id__in=owners)
    if months is not None:
        rows = rows.filter(month__gte=_month(months[0]), month__lt=_month(months[1]))
    found = await (
        rows.annotate(n=Sum("deals"), total=Sum("amount"), weighted_sum=Sum("weighted"), cycle=Sum("cycle_seconds"))
        .group_by(*dict.fromkeys([*names, "currency", "stage_id"]))
        .values(*dict.fromkeys([*names, "currency", "stage_id"]), "n", "total", "weighted_sum", "cycle")
    )
    kinds_by_id = await stage_kinds()
    for row in found:
        row["keys"] = tuple(_key(d, row[c]) for d, c in zip(dimensions, names, strict=True))
        row["stage_kind"] = kinds_by_id.get(row["stage_id"])
        row["n"] = int(row["n"] or 0)
        row["weighted"] = row.pop("weighted_sum")
        row["cycle"] = int(row["cycle"] or 0) / SECONDS_A_DAY
    return found
