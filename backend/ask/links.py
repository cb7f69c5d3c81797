"""A plan as the list query's variables (JSON) and as the list screen's address.

The addresses use the query parameters the screens read (frontend/customer_filters.py, pages/pipeline.py,
contacts.py, leads.py, tasks.py, tickets.py); tests/test_ask.py reads them back through those functions. A
condition a screen has no parameter for is left out of its address, and the answer says so (`list_exact`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any
from urllib.parse import urlencode

from strawberry.utils.str_converters import to_camel_case

from backend.ask.build import Plan
from backend.ask.vocabulary import Entity


def as_json(value: Any) -> Any:
    """A typed input as GraphQL variables: camelCase keys, enum names, ISO dates; unset fields left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {to_camel_case(f.name): as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {k: v for k, v in found.items() if v is not None and v is not False}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def variables(plan: Plan) -> dict[str, Any]:
    return {"filter": as_json(plan.filter) or None, "orderBy": as_json(plan.order) if plan.order else None,
            "search": plan.search}


def _one(values: list[Any] | None) -> str | None:
    """A screen's select holds one value; several cannot go into its address."""
    return str(values[0].value if isinstance(values[0], Enum) else values[0]) if values and len(values) == 1 else None


def list_link(plan: Plan) -> tuple[str, bool]:
    """(address of the list screen with the plan's conditions, whether it holds all of them)."""
    where = as_json(plan.filter) or {}
    params: dict[str, str | None]
    f = plan.filter
    if plan.entity is Entity.CUSTOMERS:
        created = f.created
        params = {"q": plan.search, "status": _one(f.status), "industry": _one(f.industry), "segment": _one(f.segment),
                  "country": _one(f.country), "manager": _one(f.account_manager_id), "tag": f.tag,
                  "from": created.start.date().isoformat() if created and created.start else None,
                  "to": created.end.date().isoformat() if created and created.end else None}
        covered = {"status", "industry", "segment", "country", "accountManagerId", "tag", "created"}
        path = "/customers"
    elif plan.entity is Entity.DEALS:
        amount, close = f.amount, f.expected_close
        params = {"owner": _one(f.owner_id),
                  "min": str(amount.min // 100) if amount and amount.min is not None else None,
                  "max": str(amount.max // 100) if amount and amount.max is not None else None,
                  "from": close.start.isoformat() if close and close.start else None,
                  "to": close.end.isoformat() if close and close.end else None}
        covered = {"ownerId", "amount", "expectedClose"}
        path = "/pipeline"
    elif plan.entity in (Entity.CONTACTS, Entity.LEADS):
        params = {"status": _one(f.status), "owner": _one(f.owner_id)}
        covered = {"status", "ownerId"}
        path = f"/{plan.entity.value}"
    elif plan.entity is Entity.TASKS:
        params = {"view": "overdue" if f.overdue else None}
        covered = {"kind", "open", "mine", "overdue", "myTeam"}
        path = "/tasks"
    elif plan.entity is Entity.TICKETS:
        params = {"view": "mine" if f.mine else "unassigned" if f.unassigned else "all",
                  "status": f.status[0].name if f.status and len(f.status) == 1 else None,
                  "priority": f.priority[0].name if f.priority and len(f.priority) == 1 else None}
        covered = {"mine", "unassigned", "status", "priority"}
        path = "/tickets"
    else:
        return f"/{plan.entity.value if plan.entity is Entity.CAMPAIGNS else 'tasks'}", not where
    query = urlencode({k: v for k, v in params.items() if v})
    exact = all(key in covered for key in where) and all(
        len(v) == 1 for k, v in where.items() if isinstance(v, list) and k != "kind")
    return path + (f"?{query}" if query else ""), exact and plan.order is None
