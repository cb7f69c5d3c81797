"""Exports: the rows of the largest lists as flat pages (the list's own filter, search, order and row rules,
read by keyset pages of EXPORT_PAGE rows, related names through the request's DataLoaders), and the audit
entry that an export ran.

Why flat rows: the screen's query costs graphql-core a resolver call per field per row (about 15 for a
customer), which held an export at 400–700 rows/s; a page of flat rows is a handful of fields whatever its
size (docs/benchmarks.md, "Export").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from tortoise.queryset import QuerySet

from backend.errors import BadUserInput
from backend.models import Contact, CustomEntity, Customer, CustomField, CustomValue, Lead
from backend.models import CustomFieldType as T
from backend.reads.context import Info
from backend.reads.custom_values import definitions, values_of
from backend.reads.paging import Connection, paginate
from backend.resolvers.contacts import contacts_matching
from backend.resolvers.customers import customers_matching
from backend.resolvers.leads import leads_matching
from backend.schema.common import SortDirection
from backend.schema.contacts import ContactFilter, ContactOrder, ContactOrderField
from backend.schema.customers import CustomerFilter, CustomerOrder, CustomerOrderField
from backend.schema.exports import EXPORT_PAGE, ExportPage, RecordExportInput
from backend.schema.leads import LeadFilter, LeadOrder, LeadOrderField
from backend.services import exports as service
from backend.services.custom_fields import plain
from backend.services.search import customer_search_q, indexed_search_q

Cell = str | int | float | bool | None
# Not `first`: a root `first` is a list's, capped at MAX_FIRST (tests/test_limits.py); a page of flat rows is not.
FIRST = f"Rows per page (default and at most {EXPORT_PAGE})"


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _name(row: Any) -> str | None:
    return None if row is None else row.name


def _label(row: Any) -> str | None:
    return None if row is None else row.label


# Title and cell of each column, from the row and the related rows loaded for the page.
CUSTOMER_COLUMNS: tuple[tuple[str, Callable[[Customer, dict[str, Any]], Cell]], ...] = (
    ("Name", lambda c, _: c.name), ("Email", lambda c, _: c.email), ("Phone", lambda c, _: c.phone),
    ("City", lambda c, _: c.city), ("Country", lambda c, _: c.country), ("Industry", lambda c, _: c.industry),
    ("Segment", lambda c, _: c.segment), ("Status", lambda c, _: c.status.value),
    ("Phase", lambda c, _: c.phase.value),
    ("High-level status", lambda c, r: _label(r["high_level_status"].get(c.high_level_status_id))),
    ("Account manager", lambda c, r: _name(r["user"].get(c.account_manager_id))),
    ("Tags", lambda c, _: ", ".join(c.tags or [])), ("Created", lambda c, _: _day(c.created_at)),
)
CONTACT_COLUMNS: tuple[tuple[str, Callable[[Contact, dict[str, Any]], Cell]], ...] = (
    ("Name", lambda c, _: c.name), ("Email", lambda c, _: c.email), ("Phone", lambda c, _: c.phone),
    ("Job title", lambda c, _: c.job_title), ("Status", lambda c, _: c.status.value),
    ("Customer", lambda c, r: _name(r["customer"].get(c.customer_id))),
    ("Primary contact", lambda c, _: "yes" if c.is_primary else "no"),
    ("Owner", lambda c, r: _name(r["user"].get(c.owner_id))),
)

LEAD_COLUMNS: tuple[tuple[str, Callable[[Lead, dict[str, Any]], Cell]], ...] = (
    ("Title", lambda x, _: x.title),
    ("Company", lambda x, r: _name(r["customer"].get(x.customer_id)) or x.company_name),
    ("Contact", lambda x, r: _name(r["contact"].get(x.contact_id))),
    ("Contact email", lambda x, r: getattr(r["contact"].get(x.contact_id), "email", None)),
    ("Source", lambda x, _: x.source), ("Status", lambda x, _: x.status.value),
    ("Lost reason", lambda x, _: x.lost_reason), ("Owner", lambda x, r: _name(r["user"].get(x.owner_id))),
    ("Deal", lambda x, r: getattr(r["deal"].get(x.deal_id), "title", None)),
    ("Scope of work", lambda x, _: x.scope_of_work), ("Created", lambda x, _: _day(x.created_at)),
)


async def _related(info: Info, wanted: dict[str, Sequence[int | None]]) -> dict[str, dict[int, Any]]:
    """The related rows a page names, by kind, each kind in one batch through the request's loaders (so the
    row rules of customers apply, and an account manager named on every page is read once)."""
    loaders: dict[str, DataLoader[int, Any]] = {"user": info.context.loaders.user,
                                                "customer": info.context.loaders.customer,
                                                "contact": info.context.loaders.contact,
                                                "deal": info.context.loaders.deal,
                                                "high_level_status": info.context.loaders.pick_list_item}
    found: dict[str, dict[int, Any]] = {}
    for kind, ids in wanted.items():
        keys = sorted({i for i in ids if i is not None})
        found[kind] = dict(zip(keys, await loaders[kind].load_many(keys), strict=True))
    return found


def _custom_cell(field: CustomField, row: CustomValue | None, users: dict[int, Any]) -> Cell:
    """A custom value as a sheet cell: money as its amount and currency ("1250.00 EUR"), a person by name,
    options comma-separated, dates in ISO form, yes/no."""
    if row is None:
        return None
    value = plain(field, row)
    if field.type is T.MONEY:
        return f"{value['amount'] / 100:.2f} {value['currency']}"
    if field.type is T.MULTI_SELECT:
        return ", ".join(value)
    if field.type is T.BOOLEAN:
        return "yes" if value else "no"
    if field.type is T.USER:
        return _name(users.get(value))
    if field.type is T.NUMBER and float(value).is_integer():
        return int(value)  # a count reads "12", not "12.0"
    return cast(Cell, value)


async def _with_custom(info: Info, entity: CustomEntity, columns: Sequence[tuple[str, Callable[[Any, dict[str, Any]], Cell]]],
                       page: Connection) -> list[tuple[str, Callable[[Any, dict[str, Any]], Cell]]]:
    """The columns of an entity's export followed by one per active custom field, titled by its label; the
    page's values are read in one statement (the people they name in one more)."""
    fields = await definitions(info, entity)
    ids = [edge.node.id for edge in page.edges]
    rows = dict(zip(ids, await values_of(info, entity).load_many(ids), strict=True))
    by_record = {record: {r.field_id: r for r in found} for record, found in rows.items()}
    people = [r.user_id for found in rows.values() for r in found if r.user_id is not None]
    users = (await _related(info, {"user": people}))["user"]

    def cell_of(field: CustomField) -> Callable[[Any, dict[str, Any]], Cell]:
        return lambda record, _: _custom_cell(field, by_record[record.id].get(field.id), users)

    return [*columns, *((field.label, cell_of(field)) for field in fields)]


def _page(columns: Sequence[tuple[str, Callable[[Any, dict[str, Any]], Cell]]], page: Connection,
          related: dict[str, dict[int, Any]]) -> ExportPage:
    rows = [[cell(edge.node, related) for _, cell in columns] for edge in page.edges]
    return ExportPage(header=[title for title, _ in columns], rows=cast(JSON, rows), end_cursor=page.page_info.end_cursor,
                      has_next_page=page.page_info.has_next_page)


async def _keyset(query: QuerySet, field: str, descending: bool, first: int | None, after: str | None) -> Connection:
    return await paginate(query, field=field, descending=descending, first=EXPORT_PAGE if first is None else first,
                          after=after, cap=EXPORT_PAGE)


@strawberry.type
class ExportQuery:
    @strawberry.field(description="Customers as `customers` lists them (same filter, search, order and row "
                      "rules), as spreadsheet rows: what the customers export writes")
    async def export_customers(
        self,
        info: Info,
        page_size: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
        search: str | None = None,
    ) -> ExportPage:
        query = await customers_matching(info.context.actor, filter)
        if search and search.strip():
            query = query.filter(customer_search_q(search))
        order = order_by or CustomerOrder(field=CustomerOrderField.NAME)
        _built_in_order(order.custom_field)
        page = await _keyset(query, order.field.value, order.direction is SortDirection.DESC, page_size, after)
        nodes = [e.node for e in page.edges]
        related = await _related(info, {"user": [c.account_manager_id for c in nodes],
                                        "high_level_status": [c.high_level_status_id for c in nodes]})
        columns = await _with_custom(info, CustomEntity.CUSTOMER, CUSTOMER_COLUMNS, page)
        return _page(columns, page, related)

    @strawberry.field(description="Contacts as `contacts` lists them, as spreadsheet rows: what the contacts "
                      "export writes")
    async def export_contacts(
        self,
        info: Info,
        page_size: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: ContactFilter | None = None,
        order_by: ContactOrder | None = None,
        search: str | None = None,
    ) -> ExportPage:
        query = await contacts_matching(info.context.actor, filter)
        if search and search.strip():
            query = query.filter(indexed_search_q("contact", search))
        order = order_by or ContactOrder(field=ContactOrderField.NAME)
        _built_in_order(order.custom_field)
        page = await _keyset(query, order.field.value, order.direction is SortDirection.DESC, page_size, after)
        nodes = [e.node for e in page.edges]
        related = await _related(info, {"user": [c.owner_id for c in nodes], "customer": [c.customer_id for c in nodes]})
        columns = await _with_custom(info, CustomEntity.CONTACT, CONTACT_COLUMNS, page)
        return _page(columns, page, related)


    @strawberry.field(description="Leads as `leads` lists them, as spreadsheet rows (a column per custom field): "
                      "what the leads export writes")
    async def export_leads(
        self,
        info: Info,
        page_size: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: LeadFilter | None = None,
        order_by: LeadOrder | None = None,
        search: str | None = None,
        archived: bool | None = None,
    ) -> ExportPage:
        query = await leads_matching(info.context.actor, filter, search, archived)
        order = order_by or LeadOrder(field=LeadOrderField.CREATED_AT, direction=SortDirection.DESC)
        _built_in_order(order.custom_field)
        page = await _keyset(query, order.field.value, order.direction is SortDirection.DESC, page_size, after)
        nodes = [e.node for e in page.edges]
        related = await _related(info, {"user": [x.owner_id for x in nodes], "customer": [x.customer_id for x in nodes],
                                        "contact": [x.contact_id for x in nodes], "deal": [x.deal_id for x in nodes]})
        columns = await _with_custom(info, CustomEntity.LEAD, LEAD_COLUMNS, page)
        return _page(columns, page, related)


def _built_in_order(custom_field: str | None) -> None:
    """Exports page by built-in columns only (their keyset reads flat rows): say so rather than ignore it."""
    if custom_field is not None:
        raise BadUserInput("orderBy.customField", "exports are sorted by a built-in field; sort the sheet instead")


@strawberry.type
class ExportMutation:
    @strawberry.mutation(description="Record an export you ran in the audit log (the UI's and `crm export`'s "
                         "downloads do it themselves)")
    async def record_export(self, info: Info, input: RecordExportInput) -> bool:
        await service.record_export(info.context.actor, input.list.value, input.format.value, input.view, input.rows,
                                    input.complete)
        return True

