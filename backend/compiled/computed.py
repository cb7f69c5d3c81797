"""Fields the resolver path computes in Python from a row (what the caller may do with it, the statuses it may
take next, how a task recurs, a record's links): compiled, they run the very same domain function on the row's
columns the statement marks (dialect.Statement.mark), so there is one decision for both paths. The statement
brings the admins' status steps out of the row's status along, so nothing is read outside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphql import GraphQLLeafType, GraphQLObjectType
from tortoise.models import Model

from backend.auth.actor import Actor
from backend.compiled.selection import NotCovered, Selected
from backend.models import (
    Activity,
    Campaign,
    Contact,
    Customer,
    Lead,
    SocialKind,
    StatusTransition,
    TransitionEntity,
)
from backend.services import activities, campaigns, contacts, customers, leads, recurrence, workflows

if TYPE_CHECKING:
    from backend.compiled.nodes import Compiler

# What a computed field's function is given: the caller, the row (with the columns it reads) and the admins'
# steps out of the row's status (empty for a type without a workflow).
Compute = Callable[[Actor, Any, workflows.Rules], Any]


def computed(model: type[Model], columns: tuple[str, ...], compute: Compute, steps: TransitionEntity | None = None
             ) -> Callable[[Compiler, Selected, str], str]:
    """The field `compute` gives from `columns` of a `model` row (and, with `steps`, that workflow's steps out of
    the row's status), written as the field's GraphQL type writes it."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        raw = [f'{row}."{name}"' for name in columns]
        if steps is not None:
            raw.append(_steps_out(c, steps, row))
        actor, write = c.actor, _writer(f)

        def answer(values: list[Any]) -> Any:
            record = model._init_from_db(**dict(zip(columns, values, strict=False)))
            status = None if steps is None else getattr(record, _status_column(steps))
            rules = {} if status is None else {status.value: frozenset(values[-1])}
            return write(compute(actor, record, rules))

        return c.st.mark(c.st.array(*raw), answer)

    return relation


def _status_column(entity: TransitionEntity) -> str:
    return "task_status" if entity is TransitionEntity.TASK else "status"


def _steps_out(c: Compiler, entity: TransitionEntity, row: str) -> str:
    """The statuses the admins allow after the row's status, as a JSON list (order does not matter)."""
    step = 's."to_status"'
    where = f's."entity" = {c.st.param(entity.value)} AND s."from_status" = {row}."{_status_column(entity)}"'
    return c.st.nested(f'SELECT {c.st.aggregate(step, step)} FROM "{StatusTransition._meta.db_table}" s WHERE {where}')


def _writer(f: Selected) -> Callable[[Any], Any]:
    """How the answer writes the field `f` from the Python value the resolver's function gives (an object: a dict
    by GraphQL field name)."""
    graphql_type = f.type
    one: Callable[[Any], Any]
    if isinstance(graphql_type, GraphQLObjectType):
        parts = [(sub.key, sub.name, _writer(sub)) for sub in f.fields]

        def obj(value: dict[str, Any]) -> dict[str, Any]:
            return {key: graphql_type.name if name == "__typename" else write(value[name]) for key, name, write in parts}

        one = obj
    elif isinstance(graphql_type, GraphQLLeafType):
        one = graphql_type.serialize
    else:
        raise NotCovered(f"{f.name} of an abstract type")
    if f.listed:
        return lambda value: [one(item) for item in value]
    return lambda value: None if value is None else one(value)


def _repeat(activity: Activity) -> dict[str, Any] | None:
    """Activity.repeat as schema.activities writes it."""
    every, unit = activity.repeat_every, activity.repeat_unit
    if every is None or unit is None:
        return None
    return {"every": every, "unit": unit, "label": recurrence.describe(every, unit)}


def _links(record: Customer | Contact) -> list[dict[str, Any]]:
    """socialLinks as schema.profiles.links_of reads them."""
    return [{"kind": SocialKind(link["kind"]), "url": link["url"]} for link in record.social_links or []]


COMPUTED: dict[str, dict[str, Callable[[Compiler, Selected, str], str]]] = {
    "Customer": {
        "allowedStatuses": computed(Customer, ("status", "status_before_block"),
                                    lambda _, row, steps: customers.allowed_next(row, steps), TransitionEntity.CUSTOMER),
        "allowedActions": computed(Customer, ("account_manager_id", "merged_into_id"),
                                   lambda actor, row, _: customers.row_actions(actor, row)),
        "socialLinks": computed(Customer, ("social_links",), lambda _, row, __: _links(row)),
    },
    "Contact": {
        "allowedStatuses": computed(Contact, ("status",), lambda _, row, steps: contacts.allowed_next(row, steps),
                                    TransitionEntity.CONTACT),
        "socialLinks": computed(Contact, ("social_links",), lambda _, row, __: _links(row)),
    },
    "Lead": {
        "allowedStatuses": computed(Lead, ("status",), lambda _, row, steps: leads.allowed_next(row, steps),
                                    TransitionEntity.LEAD),
    },
    "Campaign": {
        "allowedStatuses": computed(Campaign, ("status",), lambda _, row, __: campaigns.allowed_next(row)),
    },
    "Activity": {
        "allowedTaskStatuses": computed(Activity, ("task_status",),
                                        lambda _, row, steps: activities.allowed_next(row, steps), TransitionEntity.TASK),
        "viewerCanEdit": computed(Activity, ("kind", "author_id"), lambda actor, row, _: activities.editable_by(actor, row)),
        "outcome": computed(Activity, ("outcome",), lambda _, row, __: activities.outcome_enum(row.outcome)),
        "repeat": computed(Activity, ("repeat_every", "repeat_unit"), lambda _, row, __: _repeat(row)),
    },
}
