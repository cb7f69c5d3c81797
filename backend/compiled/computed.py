"""Fields the resolver path computes in Python from a row — what the caller may do with it, the statuses it may
take next, how a task recurs, its links, its custom fields, a customer's 360° summary: compiled, they run the very
same domain function on values the statement marks (dialect.Statement.mark): the row's columns, and whatever else
the function reads (the admins' status steps, the custom fields in use, the customer's deals with their rates),
read in the same statement. One decision for both paths, and nothing read outside the statement."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, Protocol

from graphql import GraphQLLeafType, GraphQLObjectType
from tortoise.models import Model

from backend import permissions
from backend.auth.actor import Actor
from backend.compiled.dialect import Statement
from backend.compiled.selection import NotCovered, Selected
from backend.interop.tortoise import parameterized
from backend.models import (
    Activity,
    Campaign,
    Contact,
    CustomEntity,
    Customer,
    CustomerStatus,
    CustomerStatusChange,
    CustomField,
    CustomValue,
    Deal,
    ExchangeRate,
    Lead,
    Stage,
    StageKind,
    StatusTransition,
    TransitionEntity,
    User,
)
from backend.reads.columns import READS
from backend.schema.activities import repeat_of
from backend.schema.custom_fields import value_of
from backend.schema.customers import summary_of
from backend.schema.profiles import links_of
from backend.services import activities, campaigns, contacts, customers, leads, workflows
from backend.services.currency import table_of
from backend.services.custom_fields import VALUE_COLUMNS, plain


class Compiler(Protocol):
    """What a computed field needs of the statement's compiler (nodes.Compiler, which builds the rest of it)."""

    actor: Actor
    st: Statement

    def at_origin(self) -> str: ...

    def alias(self) -> str: ...

    def node(self, type_name: str, fields: list[Selected], row: str) -> str: ...

    def obj(self, type_name: str, fields: list[Selected], one: Callable[[Selected], str]) -> str: ...

    def many(self, model: type[Model], f: Selected, parent: str, where: str, order: list[tuple[str, bool]],
             limit: int | None = None, of_customer: bool = True, ruled: bool = True) -> str: ...

    def rule(self, model: type[Model], row: str, of_customer: bool) -> str: ...

    def once(self, key: Hashable, sql: Callable[[], str]) -> str: ...


Relation = Callable[[Compiler, Selected, str], str]
# What a computed field's function is given: the caller, the row (with the columns it reads) and the admins'
# steps out of the row's status (empty for a type without a workflow).
Compute = Callable[[Actor, Any, workflows.Rules], Any]


def computed(model: type[Model], names: tuple[str, ...], compute: Compute, steps: TransitionEntity | None = None
             ) -> Relation:
    """The field `compute` gives from the columns `names` of a `model` row (and, with `steps`, that workflow's
    steps out of the row's status), written as the field's GraphQL type writes it."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        raw = columns(row, names)
        if steps is not None:
            raw.append(_steps_out(c, steps, row))
        actor = c.actor

        def answer(values: list[Any]) -> Any:
            record = record_of(model, names, values)
            status = None if steps is None else getattr(record, _status_column(steps))
            rules = {} if status is None else {status.value: frozenset(values[-1])}
            return compute(actor, record, rules)

        return derived(c, f, raw, answer)

    return relation


def columns(row: str, names: tuple[str, ...]) -> list[str]:
    """SQL for the columns `names` of the row `row` (an alias)."""
    return [f'{row}."{name}"' for name in names]


def derived(c: Compiler, f: Selected, raw: list[str], answer: Callable[[list[Any]], Any]) -> str:
    """The field `f` that `answer` gives in Python from the values of the SQL expressions `raw` (marked in the
    statement), written as the field's GraphQL type writes it."""
    write = writer(f)
    return c.st.mark(c.st.array(*raw), lambda values: write(answer(values)))


def record_of(model: type[Model], names: tuple[str, ...], values: list[Any]) -> Any:
    """A `model` row holding the JSON `values` of its columns `names`, each read as the model reads it (the
    statement's JSON holds dates and instants as text on both databases)."""
    fields = model._meta.fields_map
    return model._init_from_db(**{name: fields[name].to_python_value(value)
                                  for name, value in zip(names, values, strict=False)})


def from_resolver(model: type[Model], f: Selected) -> Relation | None:
    """A field whose resolver needs nothing but the row and declares the columns it reads (`reads(...)`, which the
    resolver path selects by too): compiled by calling that very resolver on those columns. None for any other."""
    field = f.definition
    resolver = getattr(field, "base_resolver", None)
    names = field.metadata.get(READS) if field is not None else None
    if resolver is None or not names or not _of_row_alone(resolver):
        return None
    return computed(model, names, lambda _, row, __: resolver.wrapped_func(row))


def _of_row_alone(resolver: Any) -> bool:
    """Whether a Strawberry resolver needs nothing but its parent: synchronous, without `info` or arguments."""
    return not (resolver.is_async or resolver.info_parameter is not None or resolver.arguments)


def _status_column(entity: TransitionEntity) -> str:
    return "task_status" if entity is TransitionEntity.TASK else "status"


def _steps_out(c: Compiler, entity: TransitionEntity, row: str) -> str:
    """The statuses the admins allow after the row's status, as a JSON list (order does not matter)."""
    step = 's."to_status"'
    where = f's."entity" = {c.st.param(entity.value)} AND s."from_status" = {row}."{_status_column(entity)}"'
    return c.st.nested(f'SELECT {c.st.aggregate(step, step)} FROM "{StatusTransition._meta.db_table}" s WHERE {where}')


def writer(f: Selected) -> Callable[[Any], Any]:
    """How the answer writes the field `f` from the Python value the resolver's function gives (an object: the
    schema's own, read as its type reads it)."""
    if f.name == "__typename":
        return str  # the name _reader gives
    graphql_type = f.type
    one: Callable[[Any], Any]
    if isinstance(graphql_type, GraphQLObjectType):
        parts = [(sub.key, reader(graphql_type, sub), writer(sub)) for sub in f.fields]

        def obj(value: Any) -> dict[str, Any]:
            return {key: write(read(value)) for key, read, write in parts}

        one = obj
    elif isinstance(graphql_type, GraphQLLeafType):
        one = graphql_type.serialize
    else:
        raise NotCovered(f"{f.name} of an abstract type")
    if f.listed:
        return lambda value: None if value is None else [one(item) for item in value]
    return lambda value: None if value is None else one(value)


def reader(parent: GraphQLObjectType, f: Selected) -> Callable[[Any], Any]:
    """How the field `f` of a `parent` object is read from the schema's Python object: its attribute, or its
    resolver when that needs nothing but the object (Money.value); anything more is not covered."""
    if f.name == "__typename":
        return lambda _: parent.name
    definition = parent.fields[f.name].extensions["strawberry-definition"]
    resolver = definition.base_resolver
    if resolver is None:
        return attrgetter(definition.python_name)
    if not _of_row_alone(resolver):
        raise NotCovered(f"{parent.name}.{f.name}")
    return resolver.wrapped_func


def _contact_actions(c: Compiler, f: Selected, row: str) -> str:
    """Contact.allowedActions: contacts.row_actions on the row, with permissions.changes_contacts_at deciding from
    facts the statement reads through the same rules (the customers the caller runs, the contact keepers) and the
    admins' steps out of the contact's status."""
    names = ("customer_id", "owner_id", "status", "merged_into_id")
    runs = c.st.embed(*parameterized(Customer.filter(permissions.managed_customer_rule(c.actor)).values("id")))
    keepers = c.st.embed(*parameterized(permissions.contact_keepers(c.actor).values("id")))
    facts = [f'{row}."customer_id" IN ({runs})', f'{row}."owner_id" IN ({keepers})']
    raw = [*columns(row, names), *(c.st.boolean(fact) for fact in facts),
           _steps_out(c, TransitionEntity.CONTACT, row)]
    actor = c.actor

    def answer(values: list[Any]) -> Any:
        contact = record_of(Contact, names, values)
        runs_customer, owner_is_keeper, steps = values[len(names):]
        may = permissions.changes_contacts_at(actor, contact.customer_id is not None, bool(runs_customer),
                                              bool(owner_is_keeper))
        return contacts.row_actions(actor, contact, may, {contact.status.value: frozenset(steps)})

    return derived(c, f, raw, answer)


def _summary(c: Compiler, f: Selected, row: str) -> str:
    """Customer.summary: schema.customers.summary_of over what the statement reads as the resolver's loaders do —
    the customer's deals (through their row rule) with their stage's kind and their currency's stored rate, when it
    first turned active, its latest activity — in Python, so the rounding and the base currency are the resolver's."""
    st, a = c.st, c.alias()
    deal = st.array(f'{a}."amount"', f'{a}."currency"', 's."kind"', stored_rate(f'{a}."currency"'))
    deals = st.nested(f'SELECT {st.aggregate(deal, f"{a}.id")} FROM "{Deal._meta.db_table}" {a} '
                      f'JOIN "{Stage._meta.db_table}" s ON s."id" = {a}."stage_id" '
                      f'WHERE {a}."customer_id" = {row}."id"{c.rule(Deal, a, of_customer=True)}')
    changed, occurred = st.instant('h."changed_at"'), st.instant('max(v."occurred_at")')
    active = (f'(SELECT {changed} FROM "{CustomerStatusChange._meta.db_table}" h WHERE h."customer_id" = {row}."id" '
              f'AND h."to_status" = {st.param(CustomerStatus.ACTIVE.value)} ORDER BY h."changed_at", h."id" LIMIT 1)')
    latest = f'(SELECT {occurred} FROM "{Activity._meta.db_table}" v WHERE v."customer_id" = {row}."id")'

    def answer(raw: list[Any]) -> Any:
        found, since, created, last = raw
        table = rate_table([(currency, text) for _, currency, _, text in found])
        deals = [(amount, currency, StageKind(kind)) for amount, currency, kind, _ in found]
        return summary_of(deals, table, datetime.fromisoformat(since or created),
                          None if last is None else datetime.fromisoformat(last))

    return derived(c, f, [deals, active, st.instant(f'{row}."created_at"'), latest], answer)


def stored_rate(currency: str) -> str:
    """SQL for the stored rate of the currency the SQL `currency` holds, as the decimal's text (null: none)."""
    return f'(SELECT CAST(x."rate" AS TEXT) FROM "{ExchangeRate._meta.db_table}" x WHERE x."currency" = {currency})'


def rate_table(stored: list[tuple[str, str | None]]) -> dict[str, Decimal]:
    """currency.rates' table from (currency, stored rate text) pairs the statement read, each read as the model
    reads it."""
    field = ExchangeRate._meta.fields_map["rate"]
    return table_of({currency: field.to_python_value(text) for currency, text in stored if text is not None})


def _person(c: Compiler, f: Selected) -> str:
    """A custom value's `user` (the custom_value row `x`), or null."""
    a = c.alias()
    return c.st.nested(f'SELECT {c.node("User", f.fields, a)} FROM "{User._meta.db_table}" {a} WHERE {a}."id" = x."user_id"')


def _custom_fields(entity: CustomEntity) -> Relation:
    """customFields: every field in use on `entity` in its order, with the row's value or none, as
    schema.custom_fields.record_values writes them; the definitions come in the statement, so an admin's new
    field shows at once. A value's `user` (USER fields) is written by the statement, as any user."""

    def relation(c: Compiler, f: Selected, row: str) -> str:
        people = [sub for sub in f.fields if sub.name == "user"]
        write = writer(replace(f, fields=[sub for sub in f.fields if sub.name != "user"]))
        stored = [CustomValue._meta.fields_map[name] for name in VALUE_COLUMNS]
        kept = ", ".join(f'v."{name}" AS "{name}"' for name in VALUE_COLUMNS)
        inner = (f'SELECT f."id" AS fid, f."key" AS fkey, f."label" AS flabel, f."type" AS ftype, f."position" AS fpos, '
                 f'v."id" AS vid, {kept} FROM "{CustomField._meta.db_table}" f LEFT JOIN "{CustomValue._meta.db_table}" v '
                 f'ON v."field_id" = f."id" AND v."record_id" = {row}."id" WHERE f."entity" = {c.st.param(entity.value)} '
                 f'AND NOT f."archived" ORDER BY f."position", f."id"')
        item = c.st.array("x.fid", "x.fkey", "x.flabel", "x.ftype", "x.vid", *(f'x."{name}"' for name in VALUE_COLUMNS),
                          *(_person(c, sub) for sub in people))

        def answer(items: list[list[Any]]) -> Any:
            values = []
            for field_id, key, label, kind, value_id, *raw in items:
                field = CustomField._init_from_db(id=field_id, key=key, label=label, type=kind)
                columns = {s.model_field_name: s.to_python_value(value)
                           for s, value in zip(stored, raw[:len(stored)], strict=True)}
                values.append(value_of(field, None if value_id is None else plain(field, columns)))
            written = write(values)
            if not people:
                return written
            # Each value's users as the statement wrote them, in the selection's order of keys.
            return [{sub.key: item[-len(people) + people.index(sub)] if sub.name == "user" else one[sub.key]
                     for sub in f.fields} for item, one in zip(items, written, strict=True)]

        aggregate = c.st.aggregate(item, "x.fpos, x.fid")
        return c.st.mark(c.st.nested(f"SELECT {aggregate} FROM ({inner}) x"), answer)

    return relation


COMPUTED: dict[str, dict[str, Relation]] = {
    "Customer": {
        "allowedStatuses": computed(Customer, ("status", "status_before_block"),
                                    lambda _, row, steps: customers.allowed_next(row, steps), TransitionEntity.CUSTOMER),
        "allowedActions": computed(Customer, ("account_manager_id", "merged_into_id"),
                                   lambda actor, row, _: customers.row_actions(actor, row)),
        "summary": _summary,
        "socialLinks": computed(Customer, ("social_links",), lambda _, row, __: links_of(row.social_links)),
        "customFields": _custom_fields(CustomEntity.CUSTOMER),
    },
    "Contact": {
        "allowedStatuses": computed(Contact, ("status",), lambda _, row, steps: contacts.allowed_next(row, steps),
                                    TransitionEntity.CONTACT),
        "socialLinks": computed(Contact, ("social_links",), lambda _, row, __: links_of(row.social_links)),
        "allowedActions": _contact_actions,
        "customFields": _custom_fields(CustomEntity.CONTACT),
    },
    "Lead": {
        "allowedStatuses": computed(Lead, ("status",), lambda _, row, steps: leads.allowed_next(row, steps),
                                    TransitionEntity.LEAD),
        "customFields": _custom_fields(CustomEntity.LEAD),
    },
    "Campaign": {
        "allowedStatuses": computed(Campaign, ("status",), lambda _, row, __: campaigns.allowed_next(row)),
    },
    "Activity": {
        "allowedTaskStatuses": computed(Activity, ("task_status",),
                                        lambda _, row, steps: activities.allowed_next(row, steps), TransitionEntity.TASK),
        "viewerCanEdit": computed(Activity, ("kind", "author_id"), lambda actor, row, _: activities.editable_by(actor, row)),
        "outcome": computed(Activity, ("outcome",), lambda _, row, __: activities.outcome_enum(row.outcome)),
        "repeat": computed(Activity, ("repeat_every", "repeat_unit"), lambda _, row, __: repeat_of(row)),
        "customFields": _custom_fields(CustomEntity.ACTIVITY),
    },
    "Deal": {
        "customFields": _custom_fields(CustomEntity.DEAL),
    },
    "Ticket": {
        "customFields": _custom_fields(CustomEntity.TICKET),
    },
}
