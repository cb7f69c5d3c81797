"""Lost reasons: a list admins keep (create, rename, archive, restore, each audited), everyone reads it,
and a deal marked lost records a listed reason, free text, or both."""

from tortoise import connections

from backend.migrations.m0007_lost_reasons import DEFAULTS, seed_defaults
from backend.models import AuditEntry, Deal, LostReason, Role
from tests.factories import error, make_customer, make_deal, make_user, ok

LIST = "query($all: Boolean!) { lostReasons(includeArchived: $all) { id name archived version } }"
CREATE = "mutation($input: CreateLostReasonInput!) { createLostReason(input: $input) { id name archived version } }"
UPDATE = "mutation($input: UpdateLostReasonInput!) { updateLostReason(input: $input) { id name archived version } }"
ARCHIVE = "mutation($input: ArchiveLostReasonInput!) { archiveLostReason(input: $input) { id name archived version } }"
MOVE = """mutation($input: MoveDealInput!) {
  moveDeal(input: $input) { id lostReason lostReasonChoice { id name } stage { kind } } }"""


async def names(who, archived: bool = False) -> list[str]:
    return [r["name"] for r in (await ok(who, LIST, all=archived))["lostReasons"]]


async def lost_stage_id(admin) -> str:
    pipelines = (await ok(admin, "{ pipelines { stages { id kind } } }"))["pipelines"]
    return next(s["id"] for s in pipelines[0]["stages"] if s["kind"] == "LOST")


async def test_admin_keeps_the_list_and_every_change_is_audited(db):
    admin, rep = await make_user(Role.ADMIN), await make_user(Role.SALES_REP)
    created = (await ok(admin, CREATE, input={"name": "  Lost to in-house build "}))["createLostReason"]
    assert (created["name"], created["archived"], created["version"]) == ("Lost to in-house build", False, 1)
    renamed = (await ok(admin, UPDATE, input={"id": created["id"], "version": 1, "name": "Built it in-house"}))
    assert renamed["updateLostReason"]["version"] == 2
    archived = (await ok(admin, ARCHIVE, input={"id": created["id"], "version": 2}))["archiveLostReason"]
    assert archived["archived"] is True
    assert "Built it in-house" not in await names(rep)  # no longer offered …
    assert "Built it in-house" in await names(admin, archived=True)  # … but still listed for admins to restore
    await ok(admin, ARCHIVE, input={"id": created["id"], "version": 3, "archived": False})
    assert "Built it in-house" in await names(rep)
    entries = await AuditEntry.filter(entity="lost_reason", entity_id=created["id"]).order_by("id")
    assert [(e.action, e.changes) for e in entries] == [
        ("lost_reason.create", {"name": [None, "Lost to in-house build"]}),
        ("lost_reason.update", {"name": ["Lost to in-house build", "Built it in-house"]}),
        ("lost_reason.update", {"archived": [False, True]}),
        ("lost_reason.update", {"archived": [True, False]}),
    ]


async def test_the_migration_seeds_defaults_listed_alphabetically_and_keeps_an_admins_entry(db):
    admin = await make_user(Role.ADMIN)
    await ok(admin, CREATE, input={"name": "No budget"})
    await seed_defaults(connections.get("default"))  # the step's inserts, on the table the tests emptied
    assert await names(admin) == sorted(DEFAULTS)


async def test_only_admins_and_heads_change_the_list(db):
    admin = await make_user(Role.ADMIN)
    reason = (await ok(admin, CREATE, input={"name": "Merger froze purchases"}))["createLostReason"]
    before = await AuditEntry.all().count()
    for role in (Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        user = await make_user(role)
        assert (await error(user, CREATE, input={"name": "Mine"}))["code"] == "FORBIDDEN"
        assert (await error(user, UPDATE, input={"id": reason["id"], "version": 1, "name": "X"}))["code"] == "FORBIDDEN"
        assert (await error(user, ARCHIVE, input={"id": reason["id"], "version": 1}))["code"] == "FORBIDDEN"
    assert await AuditEntry.all().count() == before
    assert (await LostReason.get(id=reason["id"])).name == "Merger froze purchases"

    head = await make_user(Role.SALES_HEAD)  # heads run their team's selling: they keep the reasons too
    added = (await ok(head, CREATE, input={"name": "Went with a partner"}))["createLostReason"]
    renamed = (await ok(head, UPDATE, input={"id": reason["id"], "version": 1, "name": "Merger froze buying"})
               )["updateLostReason"]
    assert renamed["name"] == "Merger froze buying"
    entries = await AuditEntry.filter(actor_id=head.id).order_by("id").values_list("action", "entity_id")
    assert entries == [("lost_reason.create", added["id"]), ("lost_reason.update", reason["id"])]


async def test_bad_input_names_the_field_and_writes_nothing(db):
    admin = await make_user(Role.ADMIN)
    reason = (await ok(admin, CREATE, input={"name": "Went dark"}))["createLostReason"]
    await ok(admin, CREATE, input={"name": "Lost it"})
    count, audits = await LostReason.all().count(), await AuditEntry.all().count()
    for document, values, code, field in [
        (CREATE, {"name": "   "}, "BAD_USER_INPUT", "name"),
        (CREATE, {"name": "x" * 101}, "BAD_USER_INPUT", "name"),
        (CREATE, {"name": "went DARK"}, "BAD_USER_INPUT", "name"),  # names are unique whatever the case
        (CREATE, {"name": "two\nlines"}, "BAD_USER_INPUT", "name"),
        (UPDATE, {"id": reason["id"], "version": 1, "name": "Lost it"}, "BAD_USER_INPUT", "name"),
        (UPDATE, {"id": reason["id"], "version": 1, "name": None}, "BAD_USER_INPUT", "name"),
        (UPDATE, {"id": reason["id"], "version": 7, "name": "Later"}, "CONFLICT", None),
        (UPDATE, {"id": "999999", "version": 1, "name": "Later"}, "NOT_FOUND", "id"),
    ]:
        err = await error(admin, document, input=values)
        assert (err["code"], err.get("field")) == (code, field), values
    assert (await LostReason.all().count(), await AuditEntry.all().count()) == (count, audits)


async def test_a_deal_is_lost_for_a_listed_reason_with_or_without_detail(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    lost = await lost_stage_id(admin)
    price = (await ok(admin, CREATE, input={"name": "Price too high"}))["createLostReason"]
    first, second, third = [await make_deal(admin, customer["id"]) for _ in range(3)]
    picked = (await ok(admin, MOVE, input={"id": first["id"], "version": 1, "stageId": lost,
                                           "lostReasonId": price["id"]}))["moveDeal"]
    assert picked["lostReason"] == "Price too high" and picked["lostReasonChoice"]["id"] == price["id"]
    detailed = (await ok(admin, MOVE, input={"id": second["id"], "version": 1, "stageId": lost,
                                             "lostReasonId": price["id"], "lostReason": "20 % over budget"}))
    assert detailed["moveDeal"]["lostReason"] == "Price too high: 20 % over budget"
    # API clients that send only text keep working.
    text = (await ok(admin, MOVE, input={"id": third["id"], "version": 1, "stageId": lost,
                                         "lostReason": "Champion left"}))["moveDeal"]
    assert (text["lostReason"], text["lostReasonChoice"]) == ("Champion left", None)


async def test_an_archived_or_unknown_reason_is_refused_naming_the_field(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    lost = await lost_stage_id(admin)
    reason = (await ok(admin, CREATE, input={"name": "Old reason"}))["createLostReason"]
    await ok(admin, ARCHIVE, input={"id": reason["id"], "version": 1})
    deal = await make_deal(admin, customer["id"])
    for choice, code in ((reason["id"], "BAD_USER_INPUT"), ("999999", "NOT_FOUND")):
        err = await error(admin, MOVE, input={"id": deal["id"], "version": 1, "stageId": lost, "lostReasonId": choice})
        assert (err["code"], err["field"]) == (code, "lostReasonId")
    assert (await Deal.get(id=deal["id"])).version == 1


async def test_a_deal_opened_in_a_lost_stage_takes_a_listed_reason(db):
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    reason = (await ok(admin, CREATE, input={"name": "No budget"}))["createLostReason"]
    created = await ok(admin, """mutation($input: CreateDealInput!) {
      createDeal(input: $input) { lostReason lostReasonChoice { name } stage { kind } } }""",
                       input={"title": "Imported loss", "customerId": customer["id"],
                              "stageId": await lost_stage_id(admin), "lostReasonId": reason["id"]})
    assert created["createDeal"] == {"lostReason": "No budget", "lostReasonChoice": {"name": "No budget"},
                                     "stage": {"kind": "LOST"}}
