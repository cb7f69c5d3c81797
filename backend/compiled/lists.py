"""A root list (`customers`, `contacts`, `leads`, `deals`, `activities`, `campaigns`, `tickets`, `segments`,
`users`, `notifications`, `apiTokens`) as one statement: the page (keyset on the order's column, then id), its
edges with cursors, pageInfo and totalCount, as reads.paging.paginate answers them.

Covered: orderBy any of the list's built-in columns (either direction; the list's own default order; a column
that may be null paged nulls last, as the resolver pages it) or a custom field (reads.custom_order's own page),
every filter condition, `archived:`, and `search` as the list's resolver narrows by it. The conditions and the
row rule are the resolver path's own (the list's `filter_query` over permissions.row_rule, given the filter as
its resolver is given it; then custom-field conditions and a saved segment, which read their definitions first),
rendered to SQL by Tortoise. A condition that reads the clock (`RootList.clocked`) or a stored definition is
rendered with what holds at the request, as on the resolver path, so its statement is not kept for another."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend import permissions
from backend.auth.actor import Actor
from backend.compiled.nodes import Compiler
from backend.compiled.pages import Order, by, edges, in_utc, page_info
from backend.compiled.selection import NotCovered, Selected, strawberry_input
from backend.interop.tortoise import parameterized
from backend.models import (
    Activity,
    ApiToken,
    Campaign,
    Contact,
    CustomEntity,
    Customer,
    CustomField,
    Deal,
    Lead,
    Notification,
    Segment,
    SegmentEntity,
    Ticket,
    User,
)
from backend.reads.custom_order import EMPTY, SORT, custom_cursor, custom_page
from backend.reads.held_count import HeldCount
from backend.reads.paging import keyset_page, nulls_last_parts, page_size
from backend.resolvers import activities, campaigns, contacts, customers, leads, notifications, tickets, users
from backend.resolvers.segment_members import within_segment
from backend.schema.activities import ActivityFilter
from backend.schema.campaigns import CampaignFilter
from backend.schema.contacts import ContactFilter
from backend.schema.customers import CustomerFilter
from backend.schema.deals import DealFilter, filter_deals
from backend.schema.leads import LeadFilter
from backend.schema.tickets import TicketFilter
from backend.schema.users import ApiTokenFilter, UserFilter
from backend.services import custom_fields
from backend.services.search import by_archived_links, customer_search_q, every_word, indexed_search_q

Fields = Mapping[str, CustomField]  # an entity's custom fields by key (custom_fields.definitions)


@dataclass(frozen=True)
class RootList:
    model: type[Model]
    filter_type: type | None  # the list's filter input (a Strawberry input class; None: the list takes none)
    narrow: Callable[[QuerySet, Any, Actor], QuerySet]  # the resolver path's filter_query
    search: Callable[[str], Q] | None  # the resolver path's search condition (None: the list has no `search`)
    entity: CustomEntity | None = None  # whose custom fields the filter's `custom` conditions name
    segment: SegmentEntity | None = None  # whose saved segments the filter's `segmentId` names
    clocked: tuple[str, ...] = ()  # conditions that read the clock when rendered: the statement is not kept
    # totalCount in custom_value's index when that is exact (resolvers.customers.counted_in_values), else None
    held: Callable[[Actor, Any, Fields | None], Awaitable[HeldCount | None]] | None = None
    default_order: tuple[str, bool] = ("name", False)  # (column, descending) without orderBy
    nulls_last: tuple[str, ...] = ()  # orders over a column that may be null: paged nulls last (nulls_last_parts)
    valued: tuple[str, ...] = ()  # orders that list only the rows holding a value, soonest first by default
    # The list's own arguments besides filter, search and paging, as its resolver narrows by them (leads' and deals'
    # `archived:`, notifications' `unreadOnly`): the rows narrowed by the field's arguments.
    arguments: Callable[[QuerySet, Mapping[str, Any]], QuerySet] = lambda rows, _: rows


def _archived(rows: QuerySet, args: Mapping[str, Any]) -> QuerySet:
    return by_archived_links(rows, args.get("archived"))


ROOT_LISTS = {
    "customers": RootList(Customer, CustomerFilter, lambda rows, where, _: customers.filter_query(rows, where),
                          customer_search_q, CustomEntity.CUSTOMER, SegmentEntity.CUSTOMER, clocked=("lastActivity",),
                          held=lambda actor, where, fields: customers.counted_in_values(actor, where, fields)),
    "contacts": RootList(Contact, ContactFilter, lambda rows, where, _: contacts.filter_query(rows, where),
                         lambda text: indexed_search_q("contact", text), CustomEntity.CONTACT, SegmentEntity.CONTACT),
    "leads": RootList(Lead, LeadFilter, lambda rows, where, _: leads.filter_leads(rows, where),
                      lambda text: indexed_search_q("lead", text), CustomEntity.LEAD, default_order=("created_at", True),
                      arguments=_archived),
    "deals": RootList(Deal, DealFilter, lambda rows, where, _: filter_deals(rows, where),
                      lambda text: indexed_search_q("deal", text), CustomEntity.DEAL, default_order=("created_at", True),
                      nulls_last=("expected_close_date",), arguments=_archived),
    "activities": RootList(Activity, ActivityFilter, activities.filter_query,
                           lambda text: every_word(text, "title", "description"), CustomEntity.ACTIVITY,
                           default_order=("occurred_at", True),
                           valued=("due_at",), clocked=("overdue",)),
    "campaigns": RootList(Campaign, CampaignFilter, lambda rows, where, _: campaigns.filter_query(rows, where),
                          lambda text: indexed_search_q("campaign", text), default_order=("created_at", True)),
    "tickets": RootList(Ticket, TicketFilter, tickets.filter_query, lambda text: every_word(text, "subject", "description"),
                        default_order=("queue_at", False), clocked=("breachingSoon",)),
    "segments": RootList(Segment, None, lambda rows, where, _: rows, None),
    "users": RootList(User, UserFilter, lambda rows, where, actor: users.filter_query(actor, rows, where), None),
    # Ids grow with time: newest first is by id, as the resolvers page them.
    "notifications": RootList(Notification, None, lambda rows, where, _: rows, None, default_order=("id", True),
                              arguments=lambda rows, args: notifications.unread(rows, args["unreadOnly"])),
    "apiTokens": RootList(ApiToken, ApiTokenFilter, lambda rows, where, _: users.filter_tokens(rows, where), None,
                          default_order=("id", True), clocked=("working",)),
}


def _filter(c: Compiler, spec: RootList, given: dict[str, Any] | None) -> Any:
    """The filter as the list's resolver is given it."""
    if given is None or spec.filter_type is None:
        return None
    if any(given.get(key) is not None for key in spec.clocked):
        c.st.kept = False
    return strawberry_input(spec.filter_type, given)


async def _stored(c: Compiler, spec: RootList, rows: QuerySet, where: Any, fields: Fields | None
                  ) -> tuple[QuerySet, QuerySet]:
    """`rows` under the conditions that read stored definitions first, as the list's resolver applies them
    (custom_fields.filtered with the custom fields' `fields`, then segment_members.within_segment): in the shape
    that counts and in the one that stops after a page (filtered's `probe`)."""
    custom = getattr(where, "custom", None)
    segment = getattr(where, "segment_id", None)
    if not custom and segment is None:
        return rows, rows
    c.st.kept = False  # an admin may change a definition or a segment before the next request
    counted, paged = rows, rows
    if custom and spec.entity is not None:
        counted = await custom_fields.filtered(rows, spec.entity, custom, fields=fields)
        paged = await custom_fields.filtered(rows, spec.entity, custom, probe=True, fields=fields)
    if segment is not None and spec.segment is not None:
        same = paged is counted  # one shape without custom conditions: the segment is read once
        counted = await within_segment(c.actor, counted, where, spec.segment)
        paged = counted if same else await within_segment(c.actor, paged, where, spec.segment)
    return counted, paged


@dataclass(frozen=True)
class CustomOrder:
    """The page's order by a custom field (then the id), empty values last, as reads.custom_order sorts."""

    field: CustomField
    descending: bool
    postgres: bool
    name = SORT  # the page's column holding each row's sort value

    def cursor(self, raw: list[Any]) -> str:
        """The cursor of a row from its (sort value, id) as the statement's JSON holds them: the value read back as
        the database driver reads it, which paginate_by_custom's cursors hold."""
        value = raw[0]
        if value is not None:
            column = custom_fields.COLUMN[self.field.type]
            if column == "number_value":
                value = float(value)
            elif self.postgres and column == "date_value":
                value = date.fromisoformat(value)
            elif self.postgres and column == "datetime_value":
                value = in_utc(datetime.fromisoformat(value))
        return custom_cursor(self.field, value, raw[1])


async def _custom_order(c: Compiler, spec: RootList, given: dict[str, Any]) -> CustomOrder:
    """orderBy.customField: the field read as its resolver reads it (refused alike), never kept (an admin may
    change it)."""
    if spec.entity is None:
        raise NotCovered("orderBy.customField")
    c.st.kept = False
    field = await custom_fields.sort_field(spec.entity, given["customField"])
    return CustomOrder(field, given["direction"].value == "desc", c.st.postgres)


def _order(spec: RootList, given: dict[str, Any] | None) -> Order:
    field, descending = spec.default_order if given is None else (given["field"].value, spec.default_order[1])
    if field in spec.valued:
        descending = False
    if given is not None and given.get("direction") is not None:
        descending = given["direction"].value == "desc"
    return Order(spec.model._meta.fields_map[field], descending)


async def root_list(c: Compiler, root: Selected) -> str:
    """The statement answering one root list field with its JSON."""
    spec = ROOT_LISTS.get(root.name)
    if spec is None:
        raise NotCovered(f"Query.{root.name}")
    args = root.args
    st, given = c.st, args.get("orderBy")
    if given is not None and given.get("customField") is not None:
        order: Order | CustomOrder = await _custom_order(c, spec, given)
    else:
        order = _order(spec, given)
    size = page_size(args.get("first"))
    where = _filter(c, spec, args.get("filter"))
    # The custom fields' definitions, read once for the conditions in both shapes and the count (as the resolver).
    fields = await custom_fields.definitions(spec.entity) if spec.entity and getattr(where, "custom", None) else None
    rows, paged = await _stored(c, spec, spec.narrow(spec.model.filter(permissions.row_rule(c.actor, spec.model)),
                                                     where, c.actor), where, fields)
    held = None
    rows, paged = spec.arguments(rows, args), spec.arguments(paged, args)
    if spec.search is not None and args.get("search") and args["search"].strip():
        rows, paged = rows.filter(spec.search(args["search"])), paged.filter(spec.search(args["search"]))
    elif spec.held is not None:
        held = await spec.held(c.actor, where, fields)
    if order.name in spec.valued:  # keyset paging needs a value in every row
        rows, paged = rows.filter(**{f"{order.name}__isnull": False}), paged.filter(**{f"{order.name}__isnull": False})
    c.ctes["matching"] = st.embed(*parameterized(rows.values("id")))  # what totalCount counts
    page = _page(c, spec, order, rows, paged, args.get("after"), size)

    def one(f: Selected) -> str:
        if f.name == "totalCount" and held is not None:
            return f'(SELECT h."n" - h."gone" FROM ({st.embed(*parameterized(held.query()))}) h)'
        if f.name == "totalCount":
            return "(SELECT count(*) FROM matching)"
        if f.name == "edges":
            return edges(c, f, size, order, "page")
        if f.name == "pageInfo":
            return page_info(c, f, size, bool(args.get("after")), order, "page")
        raise NotCovered(f"{root.type.name}.{f.name}")

    answer = c.obj(root.type.name, root.fields, one)
    c.ctes["page"] = page
    return f"{c.with_clause()} SELECT {answer} AS answer"


def _page(c: Compiler, spec: RootList, order: Order | CustomOrder, rows: QuerySet, paged: QuerySet, after: str | None,
          size: int) -> str:
    """The page's rows and one more, numbered in its order (rn), read by the list resolver's own queries."""
    if not size:  # first: 0 reads no row (Tortoise leaves a LIMIT 0 out); the cursors still name their columns
        sort = f'NULL AS "{SORT}", 0 AS "{EMPTY}", ' if isinstance(order, CustomOrder) else ""
        return f'SELECT t0.*, {sort}0 AS rn FROM "{spec.model._meta.db_table}" t0 WHERE 1 = 0'
    if isinstance(order, CustomOrder):  # from the shape that counts, as paginate_ordered reads it
        return _numbered(c, [custom_page(rows, order.field, order.descending, after, size)], f't0."{EMPTY}", {by(order)}')
    if order.name in spec.nulls_last:
        # The resolver's two reads (reads.paging.nulls_last_parts): the rows with a value in (column, id) order,
        # then those without by id; here one statement numbers both.
        with_value, without = nulls_last_parts(paged, order.name, order.descending, after, size)
        parts = [] if with_value is None else [with_value]
        return _numbered(c, [*parts, without.limit(size + 1)], f't0."{order.name}" IS NULL, {by(order)}')
    # reads.paging.keyset_page: keyset, order, limit, so the database walks the order's index and stops after the
    # page instead of reading every matching id first.
    return _numbered(c, [keyset_page(paged, order.name, order.descending, after, size)], by(order))


def _numbered(c: Compiler, parts: list[QuerySet], order_by: str) -> str:
    """The rows the queries `parts` read, one after the other, numbered (rn) in the order `order_by` (on t0)."""
    union = " UNION ALL ".join(f"SELECT * FROM ({c.st.embed(*parameterized(part))}) p{n}" for n, part in enumerate(parts))
    return f"SELECT t0.*, ROW_NUMBER() OVER (ORDER BY {order_by}) AS rn FROM ({union}) t0"
