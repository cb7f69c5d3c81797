"""Relationship phase and high-level status (issue 18): the phase moves through the one write path with its
history, who may move it is who may edit the customer, the admins keep the list of high-level statuses, and
the customers list filters and sorts by both. The m0023 back-fill reads the phase from existing rows."""

from __future__ import annotations

from pathlib import Path

from tortoise import connections

from backend.migrations import apply_all
from backend.migrations.m0023_relationship_phase import HIGH_LEVEL_STATUSES, back_fill_phase, seed_statuses
from backend.models import AuditEntry, Customer, CustomerPhaseChange, ImportProblem, Role
from backend.seed import seed_demo
from tests.factories import error, make_customer, make_user, ok
from tests.sqlcount import count_statements
from tests.test_export import EXPORT_ROWS
from tests.test_imports import run_import, write
from tests.test_merges import MERGE_CUSTOMERS, _records, _version
from tests.test_migrations import other_database

SET = """mutation($input: SetCustomerPhaseInput!) {
  setCustomerPhase(input: $input) { id version phase phaseHistory { fromPhase toPhase why changedBy { email } } } }"""
STATUSES = "query($all: Boolean!) { highLevelStatuses(includeArchived: $all) { id label position archived version } }"
CREATE = "mutation($input: CreateHighLevelStatusInput!) { createHighLevelStatus(input: $input) { id label position version } }"
UPDATE = "mutation($input: UpdateHighLevelStatusInput!) { updateHighLevelStatus(input: $input) { id label position version } }"
ARCHIVE = "mutation($input: ArchiveHighLevelStatusInput!) { archiveHighLevelStatus(input: $input) { id archived version } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { version phase highLevelStatus { label archived } } }"
LIST = """query($filter: CustomerFilter, $order: CustomerOrder) {
  customers(filter: $filter, orderBy: $order, first: 50) { edges { node { name phase highLevelStatus { label } } } } }"""


async def labels(who, archived: bool = False) -> list[str]:
    return [s["label"] for s in (await ok(who, STATUSES, all=archived))["highLevelStatuses"]]


async def seeded(admin) -> dict[str, str]:
    await seed_statuses(connections.get("default"))  # m0023's inserts, on the table the tests emptied
    return {s["label"]: s["id"] for s in (await ok(admin, STATUSES, all=False))["highLevelStatuses"]}


async def test_a_rep_moves_the_phase_with_history_audit_and_version(db):
    rep = await make_user(Role.SALES_REP)
    customer = await make_customer(rep, status="PROSPECT")
    assert (await ok(rep, CUSTOMER, id=customer["id"]))["customer"]["phase"] == "EXPLORING"  # from the status

    moved = (await ok(rep, SET, input={"id": customer["id"], "version": 1, "phase": "ACTIVE"}))["setCustomerPhase"]
    assert (moved["phase"], moved["version"]) == ("ACTIVE", 2)
    paused = (await ok(rep, SET, input={"id": customer["id"], "version": 2, "phase": "PAUSED",
                                        "why": " Budget freeze until Q3 "}))["setCustomerPhase"]
    assert [(h["fromPhase"], h["toPhase"], h["why"], h["changedBy"]["email"]) for h in paused["phaseHistory"]] == [
        ("EXPLORING", "ACTIVE", "", rep.email),
        ("ACTIVE", "PAUSED", "Budget freeze until Q3", rep.email),
    ]
    entries = await AuditEntry.filter(entity="customer", entity_id=customer["id"], action="customer.set_phase").order_by("id")
    assert [e.changes for e in entries] == [
        {"phase": ["exploring", "active"], "why": ""},
        {"phase": ["active", "paused"], "why": "Budget freeze until Q3"},
    ]

    stale = await error(rep, SET, input={"id": customer["id"], "version": 2, "phase": "IDEA"})
    assert (stale["code"], stale["currentVersion"]) == ("CONFLICT", 3)


async def test_pausing_or_archiving_needs_a_why_and_nothing_is_written_without_it(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    for phase in ("PAUSED", "ARCHIVED"):
        refused = await error(admin, SET, input={"id": customer["id"], "version": 1, "phase": phase, "why": "  "})
        assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "why")
    same = await error(admin, SET, input={"id": customer["id"], "version": 1, "phase": "IDEA"})
    assert (same["code"], same["field"]) == ("BAD_USER_INPUT", "phase")
    assert await CustomerPhaseChange.all().count() == 0
    assert (await Customer.get(id=customer["id"])).version == 1


async def test_who_may_move_the_phase_is_who_may_edit_the_customer(db):
    admin, rep, other_rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP), await make_user(Role.SALES_REP)
    customer = await make_customer(admin, accountManagerId=str(rep.id))
    for who in (await make_user(Role.SUPPORT), await make_user(Role.MARKETING)):
        refused = await error(who, SET, input={"id": customer["id"], "version": 1, "phase": "EXPLORING"})
        assert refused["code"] == "FORBIDDEN"
        actions = (await ok(who, "query($id: ID!) { customer(id: $id) { allowedActions } }", id=customer["id"]))
        assert "setCustomerPhase" not in actions["customer"]["allowedActions"]
    hidden = await error(other_rep, SET, input={"id": customer["id"], "version": 1, "phase": "EXPLORING"})
    assert hidden["code"] == "NOT_FOUND"  # not their team's customer: not even there
    actions = await ok(rep, "query($id: ID!) { customer(id: $id) { allowedActions } }", id=customer["id"])
    assert "setCustomerPhase" in actions["customer"]["allowedActions"]
    assert await CustomerPhaseChange.all().count() == 0


async def test_admins_keep_the_high_level_statuses_and_an_archived_one_stays_on_its_customers(db):
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    ids = await seeded(admin)
    assert list(ids) == list(HIGH_LEVEL_STATUSES)
    new = (await ok(admin, CREATE, input={"label": " Strategic partner "}))["createHighLevelStatus"]
    assert (new["label"], new["position"]) == ("Strategic partner", 4)
    duplicate = await error(admin, CREATE, input={"label": "key ACCOUNT"})
    assert (duplicate["code"], duplicate["field"]) == ("BAD_USER_INPUT", "label")
    moved = (await ok(admin, UPDATE, input={"id": new["id"], "version": 1, "position": 1, "label": "Partner"}))
    assert moved["updateHighLevelStatus"]["position"] == 1
    assert await labels(rep) == ["Partner", *HIGH_LEVEL_STATUSES]
    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT):
        assert (await error(await make_user(role), CREATE, input={"label": "Mine"}))["code"] == "FORBIDDEN"

    customer = await make_customer(rep, highLevelStatusId=ids["Dormant"])
    archived = await ok(admin, ARCHIVE, input={"id": ids["Dormant"], "version": 1})
    assert archived["archiveHighLevelStatus"]["archived"] is True
    assert "Dormant" not in await labels(rep) and "Dormant" in await labels(admin, archived=True)
    shown = (await ok(rep, CUSTOMER, id=customer["id"]))["customer"]
    assert shown["highLevelStatus"] == {"label": "Dormant", "archived": True}  # kept where it was
    kept = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { highLevelStatus { label } } }"
    # A form that sends the archived value back unchanged keeps it; a new record cannot be given it.
    again = await ok(rep, kept, input={"id": customer["id"], "version": 1, "highLevelStatusId": ids["Dormant"], "city": "Ulm"})
    assert again["updateCustomer"]["highLevelStatus"] == {"label": "Dormant"}
    refused = await error(rep, "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                          input={"name": "Fresh", "email": "fresh@example.com", "highLevelStatusId": ids["Dormant"]})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "highLevelStatusId")
    cleared = await ok(rep, kept, input={"id": customer["id"], "version": 2, "highLevelStatusId": None})
    assert cleared["updateCustomer"]["highLevelStatus"] is None


async def test_the_list_filters_and_sorts_by_phase_and_high_level_status(db):
    admin = await make_user(Role.ADMIN)
    ids = await seeded(admin)
    await make_customer(admin, name="Alpha", status="ACTIVE", highLevelStatusId=ids["Key account"])
    await make_customer(admin, name="Bravo", status="PROSPECT")
    await make_customer(admin, name="Charlie", phase="PAUSED", highLevelStatusId=ids["Dormant"])

    async def names(filter=None, order=None):
        return [e["node"]["name"] for e in (await ok(admin, LIST, filter=filter, order=order))["customers"]["edges"]]

    assert await names({"phase": ["ACTIVE", "PAUSED"]}) == ["Alpha", "Charlie"]
    assert await names({"highLevelStatus": [ids["Key account"], ids["Dormant"]]}) == ["Alpha", "Charlie"]
    assert await names({"phase": ["EXPLORING"], "highLevelStatus": [ids["Dormant"]]}) == []
    assert await names(order={"field": "PHASE", "direction": "DESC"}) == ["Charlie", "Bravo", "Alpha"]
    bad = await error(admin, LIST, filter={"highLevelStatus": ["x"]})
    assert (bad["code"], bad["field"]) == ("NOT_FOUND", "filter.highLevelStatus")  # as every malformed id


async def test_a_page_of_customers_reads_phase_history_and_status_in_one_statement_each(db):
    admin = await make_user(Role.ADMIN)
    ids = await seeded(admin)
    for n in range(6):
        c = await make_customer(admin, highLevelStatusId=ids["Key account"])
        await ok(admin, SET, input={"id": c["id"], "version": 1, "phase": "EXPLORING", "why": f"call {n}"})
    page = "{ customers(first: 20) { edges { node { phaseHistory { why changedBy { name } } highLevelStatus { label } } } } }"
    with count_statements() as statements:
        data = await ok(admin, page)
    assert len(data["customers"]["edges"]) == 6
    assert sum('"customer_phase_change"' in s for s in statements) == 1
    assert sum('"pick_list_item"' in s for s in statements) == 1


async def test_m0023_back_fills_the_phase_from_existing_rows(database: str, tmp_path: Path) -> None:
    async with other_database(database, tmp_path) as conn:
        await apply_all()
        assert await seed_demo()
        await conn.execute_script('UPDATE "customer" SET "phase" = \'idea\'')  # as the ADD COLUMN left them
        await back_fill_phase(conn)
        rows = await conn.execute_query_dict('SELECT "status", "archived_at", "phase" FROM "customer"')
        expected = {"draft": "idea", "prospect": "exploring", "active": "active", "inactive": "paused",
                    "blocked": "paused", "churned": "archived"}
        assert len({r["status"] for r in rows}) >= 3, "the demo data covers several statuses"
        assert all(r["phase"] == ("archived" if r["archived_at"] else expected[r["status"]]) for r in rows)


async def test_an_import_maps_phase_and_high_level_status_and_the_export_writes_them(db, tmp_path):
    admin = await make_user(Role.ADMIN)
    await seeded(admin)
    text = ("Name,Email,Status,Relationship phase,High-level status\n"
            "Acme,a@acme.example,prospect,Paused,key account\n"
            "Bolt,b@bolt.example,active,,\n"
            "Crane,c@crane.example,,someday,Dormant\n"
            "Delta,d@delta.example,,,Unheard of\n")
    job = await run_import(admin, write(tmp_path, text))
    assert (job.created, job.invalid) == (2, 2)
    problems = {(p.row, p.column) for p in await ImportProblem.filter(job_id=job.id)}
    assert problems == {(4, "Relationship phase"), (5, "High-level status")}
    rows = {c.name: c for c in await Customer.filter(name__in=["Acme", "Bolt"]).prefetch_related("high_level_status")}
    assert (rows["Acme"].phase.value, rows["Acme"].high_level_status.label) == ("paused", "Key account")
    assert (rows["Bolt"].phase.value, rows["Bolt"].high_level_status) == ("active", None)  # from its status

    page = (await ok(admin, EXPORT_ROWS, first=10, after=None))["exportCustomers"]
    header = page["header"]
    cells = {row[0]: (row[header.index("Phase")], row[header.index("High-level status")]) for row in page["rows"]}
    assert cells == {"Acme": ("paused", "Key account"), "Bolt": ("active", None)}


async def test_a_merge_moves_the_phase_history_and_the_merged_away_record_takes_no_move(db):
    admin = await make_user(Role.ADMIN)
    keep = await make_customer(admin, name="Kept Co", email="k@kept.example")
    gone = await make_customer(admin, name="Kept Company", email="x@kept.example")
    await ok(admin, SET, input={"id": gone["id"], "version": 1, "phase": "EXPLORING", "why": "first call"})
    merged = await ok(admin, MERGE_CUSTOMERS, input={"keepId": keep["id"], "records": _records(
        (keep["id"], 1), (gone["id"], await _version(gone["id"])))})
    assert {"table": "customer_phase_change", "count": 1} in merged["mergeCustomers"]["moved"]
    history = "query($id: ID!) { customer(id: $id) { phaseHistory { why } } }"
    assert (await ok(admin, history, id=keep["id"]))["customer"]["phaseHistory"] == [{"why": "first call"}]
    refused = await error(admin, SET, input={"id": gone["id"], "version": await _version(gone["id"]), "phase": "ACTIVE"})
    assert refused["code"] == "FORBIDDEN" and "merged" in refused["message"]
