"""Exports of lists: a read, but one that takes data out of the CRM, so each one is audited (who, which list,
with which view, how many rows) like a write."""

from __future__ import annotations

import json
from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.services import validate as v
from backend.services.unit import write

LISTS = ("customers", "contacts", "leads", "deals", "activities", "tasks", "enrolments", "report")
FORMATS = ("csv", "xlsx", "pdf")
MAX_VIEW = 4000  # characters of the view kept in the audit entry: a view is a handful of filters


async def record_export(actor: Actor, list_name: str, file_format: str, view: Any,
                        rows: int, complete: bool) -> None:
    """One audit entry for an export that ran (`complete` False when the download stopped early)."""
    permissions.require_role(actor)
    if list_name not in LISTS:
        raise BadUserInput("list", f"must be one of {', '.join(LISTS)}")
    if file_format not in FORMATS:
        raise BadUserInput("format", f"must be one of {', '.join(FORMATS)}")
    v.integer("rows", rows)
    if view is not None and not isinstance(view, dict):
        raise BadUserInput("view", "must be an object of the list's query variables")
    shown = {k: val for k, val in (view or {}).items() if val not in (None, "", [], {})}
    if len(json.dumps(shown, default=str)) > MAX_VIEW:
        raise BadUserInput("view", f"is longer than {MAX_VIEW} characters")
    async with write(actor) as unit:
        await unit.audit("export", "export", list_name,
                         {"format": file_format, "view": shown, "rows": rows, "complete": complete})
