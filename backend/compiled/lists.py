"""A root list (`customers`, `contacts`) as one statement: the page (keyset on name, id), its edges with
cursors, pageInfo and totalCount, as reads.paging.paginate answers them.

Covered: orderBy NAME (either direction, the default), each list's plain filter conditions (`RootList.covered`),
no search. The conditions and the row rule are the resolver path's own (the list's `filter_query` over
permissions.row_rule), rendered to SQL by Tortoise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend import permissions
from backend.compiled.nodes import Compiler
from backend.compiled.selection import NotCovered, Selected
from backend.compiled.shape import Leaf, Many, Shape
from backend.interop.tortoise import parameterized
from backend.models import Contact, Customer
from backend.reads.paging import cursor_of, page_size, read_cursor
from backend.resolvers import contacts, customers
from backend.schema.contacts import ContactFilter
from backend.schema.customers import CustomerFilter

ORDER = "name"


@dataclass(frozen=True)
class RootList:
    model: type[Model]
    filter_type: Callable[..., Any]  # the list's filter input (a Strawberry input class)
    covered: dict[str, str]  # the filter's GraphQL names that compile, with their Python names
    narrow: Callable[[QuerySet, Any], QuerySet]  # the resolver path's filter_query


ROOT_LISTS = {
    "customers": RootList(Customer, CustomerFilter, {
        "status": "status", "industry": "industry", "segment": "segment", "country": "country",
        "accountManagerId": "account_manager_id", "archived": "archived", "phase": "phase"}, customers.filter_query),
    "contacts": RootList(Contact, ContactFilter, {
        "status": "status", "customerId": "customer_id", "ownerId": "owner_id", "hasCustomer": "has_customer",
        "isPrimary": "is_primary", "archived": "archived"}, contacts.filter_query),
}


def _filter(spec: RootList, name: str, given: dict[str, Any] | None) -> Any:
    if given is None:
        return None
    if any(value is not None for key, value in given.items() if key not in spec.covered):
        raise NotCovered(f"{name}(filter:) beyond the plain conditions")
    return spec.filter_type(**{spec.covered[k]: v for k, v in given.items() if v is not None})


def _descending(name: str, order: dict[str, Any] | None) -> bool:
    if order is None:
        return False
    if order.get("customField") is not None or order["field"].value != ORDER:
        raise NotCovered(f"{name}(orderBy:) other than NAME")
    return bool(order["direction"].value == "desc")


def _cursor(raw: list[Any]) -> str:
    return cursor_of(ORDER, raw[0], raw[1])


def root_list(c: Compiler, root: Selected) -> tuple[str, Shape]:
    """The statement answering one root list field, and the shape of its JSON."""
    spec = ROOT_LISTS.get(root.name)
    if spec is None:
        raise NotCovered(f"Query.{root.name}")
    args = root.args
    if args.get("search") is not None:
        raise NotCovered(f"{root.name}(search:)")
    st, descending = c.st, _descending(root.name, args.get("orderBy"))
    size = page_size(args.get("first"))
    rows = spec.narrow(spec.model.filter(permissions.row_rule(c.actor, spec.model)), _filter(spec, root.name, args.get("filter")))
    c.ctes["matching"] = st.embed(*parameterized(rows.values("id")))
    keyset = ""
    if args.get("after"):
        value, pk = read_cursor(args["after"], ORDER, spec.model)
        op = "<" if descending else ">"
        v = st.param(value)
        keyset = f' AND (t0."name" {op} {v} OR (t0."name" = {v} AND t0."id" {op} {st.param(pk)}))'
    direction = "DESC" if descending else "ASC"
    order = f't0."name" {direction}, t0."id" {direction}'
    # Numbered after the LIMIT: a window over the whole list would sort every matching row first.
    page = (f'SELECT t0.*, ROW_NUMBER() OVER (ORDER BY {order}) AS rn FROM (SELECT t0.* FROM '
            f'"{spec.model._meta.db_table}" t0 WHERE t0."id" IN (SELECT "id" FROM matching){keyset} ORDER BY {order} '
            f'LIMIT {size + 1 if size else 0}) t0')

    def one(f: Selected) -> tuple[str, Shape]:
        if f.name == "totalCount":
            return "(SELECT count(*) FROM matching)", Leaf(None)
        if f.name == "edges":
            return _edges(c, f, size)
        if f.name == "pageInfo":
            return _page_info(c, f, size, bool(args.get("after")))
        raise NotCovered(f"{root.type.name}.{f.name}")

    answer, shape = c.obj(root.type.name, root.fields, one)
    c.ctes["page"] = page
    return f"{c.with_clause()} SELECT {answer} AS answer", shape


def _edges(c: Compiler, edges: Selected, size: int) -> tuple[str, Shape]:
    def one(f: Selected) -> tuple[str, Shape]:
        if f.name == "cursor":
            return c.st.array('p."name"', 'p."id"'), Leaf(_cursor)
        return c.node(f.type.name, f.fields, "p")  # node

    item, shape = c.obj(edges.type.name, edges.fields, one)
    rows = f"SELECT * FROM page WHERE rn <= {size} ORDER BY rn"
    return c.st.nested(f"SELECT {c.st.aggregate(item, 'p.rn')} FROM ({rows}) p"), Many(shape)


def _page_info(c: Compiler, info: Selected, size: int, after: bool) -> tuple[str, Shape]:
    edge = c.st.array('p."name"', 'p."id"')

    def one(f: Selected) -> tuple[str, Shape]:
        if f.name == "hasNextPage":
            return f"((SELECT count(*) FROM page) > {size})", Leaf(bool)
        if f.name == "hasPreviousPage":
            return ("(1 = 1)" if after else "(1 = 0)"), Leaf(bool)
        if f.name == "startCursor":
            return c.st.nested(f"SELECT {edge} FROM page p WHERE p.rn = 1"), Leaf(_cursor)
        last = f"SELECT {edge} FROM page p WHERE p.rn <= {size} ORDER BY p.rn DESC LIMIT 1"  # endCursor
        return c.st.nested(last), Leaf(_cursor)

    return c.obj(info.type.name, info.fields, one)
