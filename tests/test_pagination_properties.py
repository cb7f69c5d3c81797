"""Property: paging through customers in any order never loses or repeats a row, even while rows are
inserted between pages (keyset cursors), and filters agree with a plain Python filter."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.models import Customer, CustomerStatus, Role
from tests.conftest import truncate_all
from tests.factories import make_user, ok

ORDER_FIELDS = ["NAME", "CREATED_AT", "UPDATED_AT", "STATUS", "COUNTRY", "INDUSTRY"]
PAGE = """query($first: Int, $after: String, $o: CustomerOrder, $f: CustomerFilter) {
  customers(first: $first, after: $after, orderBy: $o, filter: $f) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"""

names = st.text(alphabet="abcAB 1", min_size=1, max_size=4)
countries = st.sampled_from(["DE", "FR", "GB"])


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(st.tuples(names, countries), min_size=0, max_size=25),
    inserts=st.lists(st.tuples(names, countries), max_size=6),
    page=st.integers(min_value=1, max_value=7),
    field=st.sampled_from(ORDER_FIELDS),
    descending=st.booleans(),
    country_filter=st.none() | countries,
)
async def test_paging_is_complete_and_unique(database, rows, inserts, page, field, descending, country_filter):
    await truncate_all()
    admin = await make_user(Role.ADMIN)
    originals = set()
    for name, country in rows:
        customer = await Customer.create(name=name, email="a@b.example", country=country, status=CustomerStatus.DRAFT)
        if country_filter in (None, country):
            originals.add(str(customer.id))
    order = {"field": field, "direction": "DESC" if descending else "ASC"}
    flt = {"country": [country_filter]} if country_filter else None
    seen: list[str] = []
    after, pending = None, list(inserts)
    while True:
        data = (await ok(admin, PAGE, first=page, after=after, o=order, f=flt))["customers"]
        seen += [edge["node"]["id"] for edge in data["edges"]]
        if pending:  # a colleague adds a customer between two pages
            name, country = pending.pop()
            await Customer.create(name=name, email="n@b.example", country=country)
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert originals <= set(seen), "a row was lost"
