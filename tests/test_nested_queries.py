"""No N+1: a nested list query costs the same number of SQL statements for 5 or 50 customers."""

from datetime import UTC, datetime, timedelta

from backend.models import Activity, ActivityKind, Contact, Customer, Deal, Pipeline, Role, Stage
from tests.factories import make_team, make_user, ok
from tests.sqlcount import count_statements

NESTED = """
query($first: Int) {
  customers(first: $first, orderBy: {field: NAME}) {
    edges { node {
      name
      contacts { name email isPrimary }
      deals { title amount { amount currency } stage { name } }
      activities(first: 5) { kind title occurredAt }
    } }
  }
}
"""


async def _populate(n: int) -> None:
    pipeline = await Pipeline.get(is_default=True)
    stage = await Stage.filter(pipeline=pipeline).order_by("position").first()
    now = datetime.now(UTC)
    for i in range(n):
        customer = await Customer.create(name=f"Nested {i:03d}", email=f"n{i}@example.com")
        for j in range(3):
            await Contact.create(name=f"Contact {i}-{j}", email=f"c{i}{j}@example.com", customer=customer, is_primary=j == 0)
        for j in range(2):
            await Deal.create(title=f"Deal {i}-{j}", customer=customer, pipeline=pipeline, stage=stage, amount=1000 * j)
        for j in range(7):
            await Activity.create(
                kind=ActivityKind.CALL, title=f"Call {i}-{j}", customer=customer, occurred_at=now - timedelta(hours=j)
            )


async def _statements(who, first: int) -> tuple[int, dict]:
    with count_statements() as statements:
        data = await ok(who, NESTED, first=first)
    return len(statements), data


async def test_nested_list_query_runs_a_fixed_number_of_statements(db):
    admin = await make_user(Role.ADMIN)
    await _populate(50)
    few, _ = await _statements(admin, 5)
    many, data = await _statements(admin, 50)
    edges = data["customers"]["edges"]
    assert len(edges) == 50
    assert all(len(e["node"]["contacts"]) == 3 and len(e["node"]["deals"]) == 2 for e in edges)
    assert all(len(e["node"]["activities"]) == 5 for e in edges)
    assert edges[0]["node"]["activities"][0]["title"] == "Call 0-0"  # newest first
    assert many == few <= 4


async def test_row_rules_do_not_add_statements_per_row(db):
    team = await make_team("North")
    rep = await make_user(Role.SALES_REP, team=team)
    await _populate(20)
    await Customer.filter(name__lt="Nested 010").update(account_manager_id=rep.id)
    count, data = await _statements(rep, 50)
    assert len(data["customers"]["edges"]) == 10
    assert count <= 4


async def test_customer_360_fields_are_batched_too(db):
    admin = await make_user(Role.ADMIN)
    await _populate(12)
    query = """{ customers(first: 50) { edges { node { name notes { body } statusHistory { toStatus }
        summary { openDeals totalDealAmount { amount currency } customerSince lastActivityAt } } } } }"""
    with count_statements() as few:
        await ok(admin, query.replace("50", "3"))
    with count_statements() as many:
        data = await ok(admin, query)
    assert len(data["customers"]["edges"]) == 12
    assert all(e["node"]["summary"]["lastActivityAt"] for e in data["customers"]["edges"])
    assert len(many) == len(few)
