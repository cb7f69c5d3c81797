"""Deal.fieldHistory compiled: the deal's audited edits and the people they name come in the statement; Python
then runs the resolver path's own schema.deal_history.field_edits on them and writes each change as
DealFieldChange reads it. The people (who made each edit, the owners before and after) are written by the
statement as any user, with the selection asked of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType

from backend.compiled.computed import Compiler, reader, record_of, writer
from backend.compiled.selection import Selected
from backend.models import AuditEntry, Deal, User
from backend.schema.deal_history import SHOWN, DealFieldChange, field_edits
from backend.schema.field_changes import REFERENCES, Change, record_key, record_ref, referenced_kind

_ENTRY = ("id", "at", "actor_id", "changes")
_CHANGES = 'x."changes"'
# The people a change names: who made it, and the owner before and after (owner changes only).
_PEOPLE = {"changedBy": lambda change: change.entry.actor_id,
           "oldOwner": lambda change: change.old if change.column == "owner_id" else None,
           "newOwner": lambda change: change.new if change.column == "owner_id" else None}
_RECORDS = {"oldRecord": lambda change: change.old, "newRecord": lambda change: change.new}
# The people the statement wrote, by the selection's key, then by user id (and "names": each one's name).
Written = dict[str, dict[str, Any]]
Part = Callable[[Change, Written], Any]
# The only reference among the shown fields is the owner, a user: so the names the statement reads are users'.
assert {REFERENCES.get(column) for column in SHOWN} == {None, "user"}


def field_history(c: Compiler, f: Selected, row: str) -> str:
    """Deal.fieldHistory of the deal row `row`: its deal.update entries oldest first, the people they name."""
    st = c.st
    audited = (f'FROM "{AuditEntry._meta.db_table}" x WHERE x."entity" = {st.param("deal")} '
               f'AND x."entity_id" = CAST({row}."id" AS TEXT) AND x."action" = {st.param("deal.update")}')
    item = st.array('x."id"', st.instant('x."at"'), 'x."actor_id"', 'x."changes"')
    entries = st.nested(f'SELECT {st.aggregate(item, "x.at, x.id")} FROM (SELECT x.* {audited} '
                        f'ORDER BY x."at", x."id") x')
    # Numbered placeholders may be used again: the entries' condition is written once and read thrice.
    named = (f'SELECT CAST(x."actor_id" AS TEXT) {audited} '
             f'UNION SELECT {st.json_text(_CHANGES, "owner_id", 0)} {audited} '
             f'UNION SELECT {st.json_text(_CHANGES, "owner_id", 1)} {audited}')
    people = [sub for sub in f.fields if sub.name in _PEOPLE]

    def users(sub: Selected | None) -> str:
        """Each person the entries name as [id, their JSON as `sub` selects them (None: their name)]."""
        u = c.alias()
        node = f'{u}."name"' if sub is None else c.node("User", sub.fields, u)
        pair = st.array(f'CAST({u}."id" AS TEXT)', node)
        return st.nested(f'SELECT {st.aggregate(pair, f"{u}.id")} FROM "{User._meta.db_table}" {u} '
                         f'WHERE CAST({u}."id" AS TEXT) IN ({named})')

    raw = [f'{row}."currency"', entries, users(None), *(users(sub) for sub in people)]
    write = _change_writer(f)

    def answer(values: list[Any]) -> Any:
        currency, found, names, *written = values
        edits = field_edits(record_of(Deal, ("currency",), [currency]),
                            [record_of(AuditEntry, _ENTRY, entry) for entry in found])
        maps = {"names": dict(names), **{sub.key: dict(pairs) for sub, pairs in zip(people, written, strict=True)}}
        return [write(edit, maps) for edit in edits]

    return st.mark(st.array(*raw), answer)


def _change_writer(f: Selected) -> Part:
    """How one change is written in the selection's order: the people as the statement wrote them, the records
    named as the resolver names them (schema.field_changes.record_ref), the rest as DealFieldChange reads it."""
    assert isinstance(f.type, GraphQLObjectType)
    parts: list[tuple[str, Part]] = []
    for sub in f.fields:
        if sub.name in _PEOPLE:
            parts.append((sub.key, _person(sub)))
        elif sub.name in _RECORDS:
            parts.append((sub.key, _named(sub)))
        else:
            parts.append((sub.key, _read(f.type, sub)))

    def one(change: Change, maps: Written) -> dict[str, Any]:
        return {key: part(change, maps) for key, part in parts}

    return one


def _read(parent: GraphQLObjectType, sub: Selected) -> Part:
    """A field of the change as DealFieldChange reads it (its attribute, or its resolver of the change alone)."""
    read, write = reader(parent, sub), writer(sub)
    return lambda change, _: write(read(DealFieldChange(change=change)))


def _person(sub: Selected) -> Part:
    value_of = _PEOPLE[sub.name]

    def person(change: Change, maps: Written) -> Any:
        key = record_key(value_of(change))
        return None if key is None else maps[sub.key].get(str(key))

    return person


def _named(sub: Selected) -> Part:
    value_of, write = _RECORDS[sub.name], writer(sub)

    def named(change: Change, maps: Written) -> Any:
        kind, key = referenced_kind(change), record_key(value_of(change))
        if kind is None or key is None:  # no reference, or none named (record_key of a null)
            return None
        names = maps["names"]
        user = record_of(User, ("name",), [names[str(key)]]) if str(key) in names else None  # None: gone
        return write(record_ref(kind, key, user))

    return named
