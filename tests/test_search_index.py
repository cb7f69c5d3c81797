"""Contacts, leads, deals and campaigns are searched through their trigram indexes (m0009), as customers
are: fragments of any searched column, any case, every word, short words too; an edit or a deletion is
found (or no longer found) at once, whatever wrote the row."""

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from backend.models import Contact, Deal
from backend.services.search import SEARCHED, indexed_search_q
from tests.factories import make_campaign, make_contact, make_customer, make_deal, make_user, ok

LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"


def found(data, kind: str) -> list[str]:
    return sorted(e["node"]["id"] for e in data[kind]["edges"])


async def search(who, kind: str, text: str) -> list[str]:
    data = await ok(who, f"query($s: String) {{ {kind}(first: 50, search: $s) {{ edges {{ node {{ id }} }} }} }}", s=text)
    return found(data, kind)


async def test_every_searched_column_any_case_every_word(db):
    admin = await make_user()
    customer = await make_customer(admin, name="Quartzwerk GmbH")
    anna = await make_contact(admin, customerId=customer["id"], name="Anna Kühnel", email="anna@quartzwerk.example",
                              phone="+49 30 5551234")
    await make_contact(admin, customerId=customer["id"], name="Bert Ode", email="bert@elsewhere.example")
    lead = (await ok(admin, LEAD, input={"title": "Rollout Phase Two", "companyName": "Zinnober AG"}))["createLead"]
    deal = await make_deal(admin, customer["id"], title="Quartz retrofit 2027")
    campaign = await make_campaign(admin, title="Autumn fair", description="Stand at the Zinnober expo")

    cases = [
        ("contacts", "KÜHN", [anna["id"]]), ("contacts", "quartzwerk.example", [anna["id"]]),
        ("contacts", "5551234", [anna["id"]]), ("contacts", "anna quartz", [anna["id"]]),
        ("contacts", "anna bert", []),
        ("leads", "phase TWO", [lead["id"]]), ("leads", "zinnober", [lead["id"]]),
        ("deals", "retrofit", [deal["id"]]), ("deals", "27", [deal["id"]]),  # a short word: a substring test
        ("campaigns", "ZINNOBER", [campaign["id"]]), ("campaigns", campaign["code"], [campaign["id"]]),
    ]
    for kind, text, expected in cases:
        assert await search(admin, kind, text) == sorted(expected), (kind, text)

    # Whatever writes the row, the index follows: an update, and a deletion.
    await Contact.filter(id=int(anna["id"])).update(name="Anna Lindqvist")
    assert await search(admin, "contacts", "kühnel") == []
    assert await search(admin, "contacts", "lindqvist") == [anna["id"]]
    await Deal.filter(id=int(deal["id"])).delete()
    assert await search(admin, "deals", "retrofit") == []


@pytest.mark.parametrize("table", sorted(SEARCHED))
async def test_the_search_query_is_answered_from_the_index(db, table):
    """The statement the list runs, as the database plans it: through the FTS5 table on SQLite, through the
    trigram indexes on PostgreSQL (sequential scans off, as a table of thousands of rows would plan it)."""
    from tortoise import Tortoise

    model = next(m for m in Tortoise.apps["models"].values() if m._meta.db_table == table)
    statement = model.filter(indexed_search_q(table, "anna")).sql(params_inline=True)
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        plan = " ".join(row["detail"] for row in await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {statement}"))
        assert f"{table}_fts VIRTUAL TABLE INDEX" in plan, plan
        return
    async with in_transaction() as tx:
        await tx.execute_script("SET LOCAL enable_seqscan = off")
        plan = " ".join(row["QUERY PLAN"] for row in await tx.execute_query_dict(f"EXPLAIN {statement}"))
    for column in SEARCHED[table]:
        assert f"Bitmap Index Scan on idx_{table}_{column}_trgm" in plan, plan


@pytest.mark.parametrize("table", ["customer", "contact"])
async def test_the_phone_lookup_is_answered_from_the_index(db, table):
    """The duplicate signals' phone lookup (sameCustomerMatches, duplicates) goes through m0021's expression
    index on the last nine digits, not a scan of every row; and it finds the numbers as the matcher does."""
    from tortoise import Tortoise

    from backend.services.matching import normalise_phone
    from backend.services.search import phone_key_q

    model = next(m for m in Tortoise.apps["models"].values() if m._meta.db_table == table)
    statement = model.filter(phone_key_q(table, "123456789")).sql(params_inline=True)
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        plan = " ".join(row["detail"] for row in await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {statement}"))
    else:
        async with in_transaction() as tx:
            await tx.execute_script("SET LOCAL enable_seqscan = off")
            plan = " ".join(row["QUERY PLAN"] for row in await tx.execute_query_dict(f"EXPLAIN {statement}"))
    assert f"idx_{table}_phone_key" in plan, plan
    if table == "contact":
        return
    admin = await make_user()
    stored = {"+33 1 23 45 67 89": None, "0033 (1) 23-45-67-89": None, "01 23 45 67 89": None,
              "030 12345": None, "+49 30 12345": None, "+1 212 555 0100": None}
    for phone in stored:
        stored[phone] = (await make_customer(admin, name=f"Phone {phone}", phone=phone))["id"]
    for typed in ("01.23.45.67.89", "+33123456789", "030/12345", "(212) 555-0100", "0 30 12345"):
        key = normalise_phone(typed)
        found = {str(i) for i in await model.filter(phone_key_q(table, key)).values_list("id", flat=True)}
        expected = {i for phone, i in stored.items() if normalise_phone(phone) == key}
        assert expected and expected <= found, (typed, key, found)
