"""A single record (`customer(id)`, `contact(id)`, `lead(id)`, `deal(id)`, `activity(id)`, `campaign(id)`,
`ticket(id)`, `segment(id)`, `me`) as one statement: the row with that id through the caller's row rule, as each
service's `visible` reads it. The statement writes nothing for a record the caller does not see, and the resolver
path then answers the whole document (its NOT_FOUND). And the short lists every signed-in user reads whole, unpaged
(`pipelines`, `highLevelStatuses`, `lostReasons`, `teams`, `pickList`, `customFields`), in their resolvers'
order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.queryset import QuerySet

from backend import permissions
from backend.compiled.nodes import COLUMNS, Compiler
from backend.compiled.selection import Selected
from backend.interop.tortoise import parameterized
from backend.models import PickList, Pipeline, Team
from backend.services import custom_fields, lost_reasons, pick_lists
from backend.services import validate as v

RECORDS = frozenset({"customer", "contact", "lead", "deal", "activity", "campaign", "ticket", "segment", "me"})


@dataclass(frozen=True)
class Whole:
    """A short list every signed-in user reads whole: its rows for the field's arguments, as its resolver narrows
    them, and its resolver's order (column, descending)."""

    rows: Callable[[Mapping[str, Any]], QuerySet]
    order: list[tuple[str, bool]]


WHOLE = {
    "pipelines": Whole(lambda _: Pipeline.all(), [("is_default", True), ("position", False), ("id", False)]),
    "highLevelStatuses": Whole(lambda args: pick_lists.items(PickList.HIGH_LEVEL_STATUS, args["includeArchived"]),
                               [("position", False), ("id", False)]),
    "lostReasons": Whole(lambda args: lost_reasons.offered(args["includeArchived"]), [("name", False), ("id", False)]),
    "teams": Whole(lambda _: Team.all(), [("name", False), ("id", False)]),
    "pickList": Whole(lambda args: pick_lists.items(args["list"], args["includeArchived"]),
                      [("position", False), ("id", False)]),
    "customFields": Whole(lambda args: custom_fields.listed(args["entity"], args["includeArchived"]),
                          [("position", False), ("id", False)]),
}


def record(c: Compiler, root: Selected) -> str:
    """The statement answering one record field with its JSON, or SQL's NULL when unseen (`me`: the caller's own
    user row, as the resolver reads it)."""
    model = COLUMNS[root.type.name][0]
    if root.name == "me":
        rows = model.filter(id=c.actor.user_id)
    else:
        rows = model.filter(permissions.row_rule(c.actor, model), id=v.parse_id("id", root.args["id"]))
    c.ctes["matching"] = c.st.embed(*parameterized(rows.values("id")))
    node = c.node(root.type.name, root.fields, "t0")
    table = model._meta.db_table
    return f'{c.with_clause()} SELECT (SELECT {node} FROM "{table}" t0 WHERE t0."id" IN (SELECT "id" FROM matching)) AS answer'


def whole(c: Compiler, root: Selected) -> str:
    """The statement answering a list read whole with its JSON."""
    spec = WHOLE[root.name]
    c.ctes["matching"] = c.st.embed(*parameterized(spec.rows(root.args)))  # the statement's WITH, as every root's
    by = ", ".join(f't0."{column}" {"DESC" if descending else "ASC"}' for column, descending in spec.order)
    item = c.node(root.type.name, root.fields, "t0")
    rows = f"SELECT * FROM matching t0 ORDER BY {by}"
    return f"{c.with_clause()} SELECT (SELECT {c.st.aggregate(item, by)} FROM ({rows}) t0) AS answer"
