"""Exports of every list (frontend/export.py): the file read back equals the list the user sees (view, row
rules), in CSV and XLSX; formula injection neutralised without touching phone numbers; refusals; the audit
entry; the command line."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from backend.app import create_app
from backend.auth.actor import Actor
from backend.models import AuditEntry, Customer, Role, User
from backend.schema.exports import EXPORT_PAGE
from backend.services import tokens
from frontend.export import Export, csv_cell
from frontend.export_lists import LISTS
from tests.factories import (
    actor,
    error,
    log_activity,
    make_contact,
    make_customer,
    make_deal,
    make_team,
    make_user,
    ok,
    open_campaign,
)

APP = create_app()
TOKENS = itertools.count()
NAMES = "query($f: CustomerFilter, $s: String) { customers(first: 100, filter: $f, search: $s) { edges { node { name } } } }"
ENROL = "mutation($input: EnrolInCampaignInput!) { enrolInCampaign(input: $input) { created } }"


async def bearer(user: User) -> dict[str, str]:
    _, raw = await tokens.create(actor(user), f"export test {next(TOKENS)}")
    return {"Authorization": f"Bearer {raw}"}


async def download(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(APP), base_url="http://testserver",
                                 headers=headers or {}) as client:
        return await client.get(path)


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    # Every CSV starts with UTF-8's byte order mark: without it Excel reads "Müller" as "MÃ¼ller".
    assert response.content.startswith(codecs.BOM_UTF8), response.content[:20]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


async def two_teams() -> tuple[User, User, User]:
    """An admin, a rep of North with three customers, and a rep of South with one."""
    admin = await make_user(Role.ADMIN)
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    await make_customer(rep, name="Acme Rail", status="ACTIVE", phone="+33 1 23 45 67 89")
    await make_customer(rep, name="Acme Bus", status="PROSPECT")
    await make_customer(rep, name="Bolt Freight", status="ACTIVE")
    await make_customer(rep2, name="Acme South", status="ACTIVE")
    return admin, rep, rep2


async def test_csv_and_xlsx_of_customers_hold_the_view_the_rep_sees(db):
    admin, rep, _ = await two_teams()
    headers = await bearer(rep)
    shown = await ok(rep, NAMES, f={"status": ["ACTIVE"]}, s="acme")
    on_screen = [e["node"]["name"] for e in shown["customers"]["edges"]]
    assert on_screen == ["Acme Rail"]  # South's Acme is not the rep's to see

    rows = csv_rows(await download("/ui/export/customers.csv?status=active&q=acme&after=abc", headers))
    assert rows[0][:3] == ["Name", "Email", "Phone"]
    assert [r[0] for r in rows[1:]] == on_screen  # `after` (the page on screen) is dropped: every page
    assert rows[1][2] == "+33 1 23 45 67 89" and rows[1][7] == "active"

    response = await download("/ui/export/customers.xlsx?status=active&q=acme", headers)
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    assert 'filename="customers-' in response.headers["content-disposition"]
    sheet = xlsx_rows(response.content)
    assert sheet == [[v if v else "" for v in r] for r in rows]

    everything = csv_rows(await download("/ui/export/customers.csv?sort=name&dir=desc", await bearer(admin)))
    assert [r[0] for r in everything[1:]] == ["Bolt Freight", "Acme South", "Acme Rail", "Acme Bus"]


async def test_formulas_are_neutralised_and_phones_and_numbers_kept(db):
    admin = await make_user(Role.ADMIN)
    hostile = ["=HYPERLINK(\"http://x.example\",\"click\")", "+SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1,2)",
               "\t=1+1", "Plain name"]
    for name in hostile:
        await make_customer(admin, name=name.strip() if name.startswith("\t") else name)
    rows = csv_rows(await download("/ui/export/customers.csv", await bearer(admin)))
    names = {r[0] for r in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://x.example\",\"click\")", "'+SUM(A1:A2)", "'-2+3+cmd|' /C calc'!A0",
                     "'@SUM(1,2)", "'=1+1", "Plain name"}
    sheet = xlsx_rows((await download("/ui/export/customers.xlsx", await bearer(admin))).content)
    # XLSX: text cells as written, stored as strings, so no spreadsheet evaluates them
    assert {r[0] for r in sheet[1:]} == {n.strip() for n in hostile}
    book = openpyxl.load_workbook(io.BytesIO((await download("/ui/export/customers.xlsx", await bearer(admin))).content))
    assert all(c.data_type == "s" for c in book.worksheets[0]["A"])


@pytest.mark.parametrize(("value", "written"), [
    ("+33 1 23 45 67 89", "+33 1 23 45 67 89"), ("-12.5", "-12.5"), ("+1 (555) 010-2030", "+1 (555) 010-2030"),
    ("=1+2", "'=1+2"), ("+A1", "'+A1"), ("-", "'-"), ("@x", "'@x"), ("\rcmd", "'\rcmd"), ("a=b", "a=b"),
    (None, ""), (12.5, "12.5"), ("", ""),
])
def test_csv_cell(value: Any, written: str) -> None:
    assert csv_cell(value) == written


async def test_every_list_exports_as_the_user_sees_it(db):
    admin, rep, rep2 = await two_teams()
    marketing = await make_user(Role.MARKETING)
    mine = (await ok(rep, NAMES, s="rail"))["customers"]["edges"]
    customer_id = (await make_customer(rep, name="Rail Two"))["id"]
    theirs = (await make_customer(rep2, name="South Two"))["id"]
    await make_contact(rep, name="Nora North", customerId=customer_id, phone="+49 30 1234")
    await make_contact(rep2, name="Sam South", customerId=theirs)
    await ok(rep, "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }",
             input={"title": "=Fleet of 40", "customerId": customer_id})
    await make_deal(rep, customer_id, title="North deal", amount=125050)
    await make_deal(rep2, theirs, title="South deal")
    await log_activity(rep, customerId=customer_id, kind="CALL", title="Called Nora")
    await log_activity(rep, customerId=customer_id, kind="TASK", title="Send offer")
    campaign = await open_campaign(marketing)
    await ok(Actor.anonymous(), ENROL, input={"campaignId": campaign["id"], "name": "Ada", "email": "ada@x.example",
                                              "consent": True})
    assert mine
    rep_headers, marketing_headers = await bearer(rep), await bearer(marketing)

    contacts = csv_rows(await download("/ui/export/contacts.csv", rep_headers))
    assert [r[0] for r in contacts[1:]] == ["Nora North"] and contacts[1][2] == "+49 30 1234"
    leads = csv_rows(await download("/ui/export/leads.csv", rep_headers))
    assert [r[0] for r in leads[1:]] == ["'=Fleet of 40"]
    deals = await download("/ui/export/deals.xlsx?mine=1", rep_headers)
    sheet = xlsx_rows(deals.content)
    assert sheet[0][:4] == ["Title", "Customer", "Stage", "Amount"]
    assert [(r[0], r[1], r[3]) for r in sheet[1:]] == [("North deal", "Rail Two", 1250.5)]
    activities = csv_rows(await download(f"/ui/export/activities.csv?customer={customer_id}&kind=call", rep_headers))
    assert [r[1] for r in activities[1:]] == ["Called Nora"]
    tasks = csv_rows(await download("/ui/export/tasks.csv?view=mine", rep_headers))
    assert [r[0] for r in tasks[1:]] == ["Send offer"]
    enrolments = csv_rows(await download(f"/ui/export/enrolments.csv?campaign={campaign['id']}", marketing_headers))
    assert [r[:2] for r in enrolments[1:]] == [["Ada", "ada@x.example"]]
    assert set(LISTS) == {"customers", "contacts", "leads", "deals", "activities", "tasks", "enrolments"}


async def test_refusals_are_http_errors_not_broken_files(db):
    admin, rep, _ = await two_teams()
    nobody = await make_user(Role.SALES_REP)
    nobody_headers = await bearer(nobody)
    await User.filter(id=nobody.id).update(role=None)  # the identity provider no longer maps a role
    marketing = await make_user(Role.MARKETING)
    campaign = await open_campaign(marketing)
    assert (await download("/ui/export/customers.csv")).status_code == 401
    assert (await download("/ui/export/customers.csv", nobody_headers)).status_code == 403
    refused = await download(f"/ui/export/enrolments.xlsx?campaign={campaign['id']}", await bearer(rep))
    assert refused.status_code == 403 and "campaign owners" in refused.text
    assert (await download("/ui/export/secrets.csv", await bearer(admin))).status_code == 404
    assert (await download("/ui/export/customers.pdf", await bearer(admin))).status_code == 400
    assert (await download("/ui/export/deals.csv?min=lots", await bearer(admin))).status_code == 400
    assert not await AuditEntry.filter(action="export").exists()  # refused exports ran nothing


async def test_each_export_is_audited_with_who_what_view_and_rows(db):
    _, rep, _ = await two_teams()
    csv_rows(await download("/ui/export/customers.csv?status=active", await bearer(rep)))
    entry = await AuditEntry.get(action="export")
    assert (entry.entity, entry.entity_id, entry.actor_id) == ("export", "customers", rep.id)
    assert entry.via.startswith("token:")
    assert entry.changes["rows"] == 2 and entry.changes["complete"] is True and entry.changes["format"] == "csv"
    assert entry.changes["view"]["filter"] == {"status": ["ACTIVE"]}


async def test_any_filter_field_reaches_the_query(db):
    """Extra filter fields (e.g. a segment the customers filter gains) go to the list's query as they are."""
    admin, _, _ = await two_teams()
    running = await Export.open(actor(admin), "customers", {"q": "acme"}, "csv", {"status": ["PROSPECT"]})
    text = "".join([chunk async for chunk in running.csv_chunks()])
    assert [r[0] for r in list(csv.reader(io.StringIO(text)))[1:]] == ["Acme Bus"]
    assert running.variables["filter"] == {"status": ["PROSPECT"]} and running.variables["search"] == "acme"


async def test_an_export_as_a_user_of_the_command_line(db, tmp_path: Path) -> None:
    """What `crm export --as` runs (its process is tested in test_cli.py): the rep's rows, audited as cli."""
    _, rep, _ = await two_teams()
    running = await Export.open(Actor.for_user(rep, via="cli"), "customers", {"status": "active"}, "xlsx")
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"".join([chunk async for chunk in running.xlsx_chunks()]))
    assert [r[0] for r in xlsx_rows(target.read_bytes())[1:]] == ["Acme Rail", "Bolt Freight"]
    entry = await AuditEntry.get(action="export")
    assert entry.via == "cli" and entry.changes["format"] == "xlsx" and entry.changes["rows"] == 2


async def test_the_csv_streams_a_page_at_a_time_and_a_broken_download_is_audited(db):
    admin = await make_user(Role.ADMIN)
    await Customer.bulk_create([Customer(name=f"Bulk {i:04d}", email=f"b{i}@x.example") for i in range(EXPORT_PAGE + 50)],
                               batch_size=500)
    running = await Export.open(actor(admin), "customers", {}, "csv")
    chunks = running.csv_chunks()
    first = await anext(chunks)
    assert first.startswith("\ufeffName,") and first.count("\n") == EXPORT_PAGE + 1  # the header and one page
    assert running.rows == EXPORT_PAGE  # the second page is not read before the first has left
    await chunks.aclose()  # the client went away
    entry = await AuditEntry.get(action="export")
    assert entry.changes["rows"] == EXPORT_PAGE and entry.changes["complete"] is False


EXPORT_ROWS = """query($first: Int, $after: String, $filter: CustomerFilter) {
  exportCustomers(pageSize: $first, after: $after, filter: $filter) { header rows endCursor hasNextPage } }"""


async def test_export_pages_are_flat_rows_of_the_list_in_keyset_pages_with_constant_statements(db):
    """The customers export reads the list's own query as flat rows, a keyset page at a time, the managers'
    names through a loader: the same statements for a page of 5 as for a page of 50 (no query per row)."""
    from tests.sqlcount import count_statements

    admin, rep, _ = await two_teams()
    managers = [await make_user(Role.SALES_REP, email=f"m{i}@example.com") for i in range(5)]
    await Customer.bulk_create([Customer(name=f"Flat {i:03d}", email=f"f{i}@x.example", tags=["a", "b"],
                                         account_manager_id=managers[i % 5].id) for i in range(60)])
    seen: list[list[Any]] = []
    after = None
    while True:
        page = (await ok(admin, EXPORT_ROWS, first=25, after=after))["exportCustomers"]
        seen += page["rows"]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert page["header"][:3] == ["Name", "Email", "Phone"] and "Account manager" in page["header"]
    listed = await ok(admin, "{ customers(first: 100) { totalCount } }")
    assert len(seen) == listed["customers"]["totalCount"] and len({r[0] for r in seen}) == len(seen)
    flat = next(r for r in seen if r[0] == "Flat 007")
    assert flat[page["header"].index("Account manager")] == managers[2].name
    assert flat[page["header"].index("Tags")] == "a, b"
    with count_statements() as small:
        await ok(admin, EXPORT_ROWS, first=5)
    with count_statements() as large:
        await ok(admin, EXPORT_ROWS, first=50)
    assert len(small) == len(large), large
    # the row rules of the list: the rep's export holds what the rep's list holds
    theirs = (await ok(rep, EXPORT_ROWS))["exportCustomers"]["rows"]
    mine = await ok(rep, "{ customers(first: 100) { edges { node { name } } } }")
    assert sorted(r[0] for r in theirs) == sorted(e["node"]["name"] for e in mine["customers"]["edges"])
    assert (await error(admin, EXPORT_ROWS, first=EXPORT_PAGE + 1))["code"] == "QUERY_TOO_COMPLEX"
