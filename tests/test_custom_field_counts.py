"""The customers list's totalCount under custom-field filters: counted in custom_value's index for the roles that
see every customer and filters of custom conditions alone (resolvers.customers.counted_in_values), and always
equal to the generic count (the list's own query) and to the rows the list pages through, for every role,
with archived and deleted customers present."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import Role
from backend.resolvers import customers as resolver
from tests.factories import make_deal, make_team, make_user, ok
from tests.sqlcount import count_statements
from tests.test_custom_fields import define

LIST = """query($filter: CustomerFilter, $search: String, $order: CustomerOrder) {
  customers(filter: $filter, search: $search, orderBy: $order, first: 100) { totalCount edges { node { id } } } }"""
ARCHIVE = "mutation($input: ArchiveInput!) { archiveCustomer(input: $input) { id } }"
DELETE = "mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { id } }"
CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"

GOLD = {"key": "tier", "op": "EQ", "text": "Gold"}
FILTERS: dict[str, dict[str, Any]] = {
    "equality": {"custom": [GOLD]},
    "select, IN": {"custom": [{"key": "tier", "op": "IN", "options": ["Gold", "Silver"]}]},
    "range": {"custom": [{"key": "fleet_size", "op": "GTE", "number": 50}]},
    "range, both ends": {"custom": [{"key": "fleet_size", "op": "GTE", "number": 10},
                                    {"key": "fleet_size", "op": "LT", "number": 500}]},
    "multi-select": {"custom": [{"key": "lines", "op": "CONTAINS", "options": ["Sea"]}]},
    "multi-select, any of": {"custom": [{"key": "lines", "op": "IN", "options": ["Rail", "Road"]}]},
    "two fields": {"custom": [{"key": "fleet_size", "op": "GTE", "number": 10}, GOLD]},
    "has a value": {"custom": [{"key": "fleet_size", "op": "IS_EMPTY", "boolean": False}]},
    "archived explicitly false": {"custom": [GOLD], "archived": False},
    # The generic count: a condition met by customers without a value, or a condition beyond custom ones.
    "not equal": {"custom": [{"key": "fleet_size", "op": "NE", "number": 50}]},
    "empty": {"custom": [{"key": "fleet_size", "op": "IS_EMPTY"}]},
    "with a status": {"custom": [GOLD], "status": ["PROSPECT"]},
    "with a tag": {"custom": [GOLD], "tag": "rail"},
    "archived ones": {"custom": [GOLD], "archived": True},
}
FAST = {"equality", "select, IN", "range", "range, both ends", "multi-select", "multi-select, any of", "two fields",
        "has a value", "archived explicitly false"}
ROLES = [Role.ADMIN, Role.SUPPORT, Role.MARKETING, Role.SALES_REP, Role.SALES_HEAD]


async def customers_with_values() -> dict[Role, Any]:
    """30 customers: tiers, fleet sizes and lines in turn (some without), managed by a rep of team North, one of
    team South or one of no team, one of South's with a deal of North's; five archived, two deleted (values held)."""
    north, south = await make_team("North"), await make_team("South")
    users = {role: await make_user(role, north) for role in ROLES}
    admin, rep = users[Role.ADMIN], users[Role.SALES_REP]
    other, outsider = await make_user(Role.SALES_REP, south), await make_user(Role.SALES_REP)
    await define(admin, "fleet_size", "NUMBER")
    await define(admin, "tier", "SELECT", options=["Gold", "Silver", "Bronze"])
    await define(admin, "lines", "MULTI_SELECT", options=["Rail", "Road", "Sea"])
    ids = []
    for n in range(30):
        values = [{"key": "tier", "text": ["Gold", "Silver", "Bronze"][n % 3]}] if n % 7 else []
        values += [{"key": "fleet_size", "number": n * 25}] if n % 5 else []
        values += [{"key": "lines", "options": [["Rail"], ["Road", "Sea"], ["Sea"], []][n % 4]}]
        manager = [rep, other, outsider][n % 3]
        created = await ok(admin, CREATE, input={
            "name": f"Kunde {n:02d}", "email": f"k{n}@example.com", "customFields": values, "tags": ["rail"] * (n % 2),
            "status": "PROSPECT" if n % 4 == 0 else "DRAFT", "accountManagerId": str(manager.id),
        })
        ids.append(created["createCustomer"]["id"])
    await make_deal(admin, ids[1], ownerId=str(rep.id))  # South's customer, seen by North through the deal
    for n in (0, 3, 4, 9, 13):
        await ok(admin, ARCHIVE, input={"id": ids[n], "version": 1})
    for n in (6, 12):
        await ok(admin, DELETE, input={"id": ids[n], "version": 1})
    return users


class Counts:
    """resolvers.customers.counted_in_values, watched: whether each call counted in custom_value, and, while
    `generic` is set, refused so that the list's own query counts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fast: list[bool] = []
        self.generic = False
        self.real = resolver.counted_in_values
        monkeypatch.setattr(resolver, "counted_in_values", self.counted_in_values)

    async def counted_in_values(self, actor: Any, where: Any, fields: Any = None) -> Any:
        counted = None if self.generic else await self.real(actor, where, fields)
        self.fast.append(counted is not None)
        return counted


@pytest.mark.parametrize("case", list(FILTERS))
async def test_the_count_in_custom_values_equals_the_generic_count_for_every_role(db, monkeypatch, case):
    users = await customers_with_values()
    counts = Counts(monkeypatch)
    for role, user in users.items():
        counts.generic = False
        page = (await ok(user, LIST, filter=FILTERS[case]))["customers"]
        counts.generic = True
        generic = (await ok(user, LIST, filter=FILTERS[case]))["customers"]["totalCount"]
        assert page["totalCount"] == generic == len(page["edges"]), role
        assert counts.fast[-2] is (case in FAST and role in (Role.ADMIN, Role.SUPPORT, Role.MARKETING)), role
    assert (await ok(users[Role.ADMIN], LIST, filter=FILTERS[case]))["customers"]["totalCount"] > 0


async def test_a_search_keeps_the_generic_count(db, monkeypatch):
    users = await customers_with_values()
    counts = Counts(monkeypatch)
    page = (await ok(users[Role.ADMIN], LIST, filter=FILTERS["equality"], search="Kunde"))["customers"]
    assert page["totalCount"] == len(page["edges"]) > 0
    assert counts.fast == []


async def test_a_list_sorted_by_a_custom_field_counts_in_custom_values_too(db, monkeypatch):
    users = await customers_with_values()
    counts = Counts(monkeypatch)
    order = {"customField": "fleet_size", "direction": "DESC"}
    page = (await ok(users[Role.ADMIN], LIST, filter=FILTERS["two fields"], order=order))["customers"]
    counts.generic = True
    generic = (await ok(users[Role.ADMIN], LIST, filter=FILTERS["two fields"], order=order))["customers"]
    assert page == generic and page["totalCount"] == len(page["edges"]) > 0
    assert counts.fast == [True, False]


async def test_the_filtered_list_reads_the_fields_definitions_once(db):
    """Page, count and the fast count all need the definitions: one read, not one each."""
    users = await customers_with_values()
    with count_statements() as seen:
        await ok(users[Role.ADMIN], LIST, filter=FILTERS["two fields"])
    assert len([s for s in seen if 'FROM "custom_field"' in s]) == 1
