"""Imports through the service: mapping, preview, duplicates, exactness after a crash and resume, encodings,
XLSX, permissions by role."""

import asyncio
from pathlib import Path

import pytest
from openpyxl import Workbook

from backend.errors import BadUserInput, Forbidden
from backend.models import AuditEntry, Contact, Customer, CustomerStatusChange, ImportJob, ImportProblem, Role
from backend.services import imports
from backend.services.import_fields import auto_mapping
from backend.services.import_files import Sheet
from tests.factories import actor, error, make_team, make_user, ok

MIXED = """Firma;E-Mail;Telefon;Land;Webseite
Acme GmbH;info@acme.example;+49 30 1111111;Germany;acme.example
Bolt Ltd;bolt@bolt.example;;GB;bolt.example
;nobody@x.example;;;
Crane AG;not-an-email;;DE;
Acme;info@acme.example;;;
Delta SA;delta@delta.example;;Atlantis;
Echo Inc;echo@echo.example;0049 30 1111111;;
Foxtrot;fox@fox.example;;FR;www.bolt.example/contact

Hotel Kilo;hk@hk.example;;;
Hotel Kilos;hk2@x.example;;;
Golf;golf@golf.example;;;
"""
EXPECTED = ["Acme GmbH", "Bolt Ltd", "Golf", "Hotel Kilo"]


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


async def run_import(who, path: Path, entity: str = "customers", policy: str = "skip") -> ImportJob:
    job = await imports.create_job(actor(who), entity, path.name, path)
    await imports.configure(actor(who), job.id, None, policy)
    await imports.start(actor(who), job.id)
    return await imports.run(job.id)


def test_mapping_by_names_and_synonyms():
    assert auto_mapping("customers", ["Firma", "E-Mail ", "PLZ", "Unrelated"]) == {
        "Firma": "name", "E-Mail ": "email", "PLZ": "postcode"}
    # The exact name wins over a synonym: a contact's "Name" is the person, "Company" their customer.
    assert auto_mapping("contacts", ["Company", "Name", "Email"]) == {
        "Company": "customer", "Name": "name", "Email": "email"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters_are_sniffed(tmp_path, encoding, delimiter):
    text = f"Name{delimiter}Email{delimiter}City\r\nMüller & Söhne{delimiter}m@x.example{delimiter}Köln\r\n"
    sheet = Sheet(write(tmp_path, text, encoding))
    assert sheet.columns == ["Name", "Email", "City"]
    assert list(sheet.rows()) == [(2, ["Müller & Söhne", "m@x.example", "Köln"])]


def test_xlsx_rows(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "Email", "Employees"])
    sheet.append(["Acme", "a@acme.example", 12.0])
    path = tmp_path / "in.xlsx"
    book.save(path)
    read = Sheet(path)
    assert read.columns == ["Company", "Email", "Employees"]
    assert list(read.rows()) == [(2, ["Acme", "a@acme.example", "12"])]


async def test_preview_writes_nothing_and_counts_every_row(db, tmp_path):
    rep = await make_user(Role.SALES_REP, await make_team())
    job = await imports.create_job(actor(rep), "customers", "in.csv", write(tmp_path, MIXED))
    result = await imports.preview(actor(rep), job.id)
    assert (result.created, result.updated, result.skipped, result.invalid) == (4, 0, 4, 3)
    problems = {(row, column, message.split(" as ")[0]) for row, column, message in result.problems}
    assert {(4, "Firma", "is required and may not be empty"), (5, "E-Mail", "'not-an-email' is not a valid email address")} <= problems
    assert (7, "Land", "'Atlantis' is not an ISO 3166 country code (e.g. DE for Germany)") in problems
    # Duplicates of earlier rows: by email, by normalised phone, by website domain, by a similar name.
    assert {(6, "", "skipped: same email"), (8, "", "skipped: same phone"), (9, "", "skipped: same website"),
            (12, "", "skipped: same similar name")} <= problems
    assert result.rows[0]["name"] == "Acme GmbH" and result.rows[0]["country"] == "DE"
    assert await Customer.all().count() == 0 and await ImportProblem.all().count() == 0


async def test_import_is_exact_after_a_crash_and_resume(db, tmp_path, monkeypatch):
    head = await make_user(Role.SALES_HEAD, await make_team())
    monkeypatch.setattr(imports, "BATCH", 3)
    real = imports.write_batch
    calls = {"n": 0}

    async def crash_on_second(ctx, plan, start):
        calls["n"] += 1
        if calls["n"] == 2:
            raise asyncio.CancelledError()  # the process dies mid-import: nothing of this batch commits
        await real(ctx, plan, start)

    monkeypatch.setattr(imports, "write_batch", crash_on_second)
    job = await imports.create_job(actor(head), "customers", "in.csv", write(tmp_path, MIXED))
    await imports.start(actor(head), job.id)
    with pytest.raises(asyncio.CancelledError):
        await imports.run(job.id)
    job = await ImportJob.get(id=job.id)
    assert (job.status.value, job.rows_done) == ("running", 3)
    assert await Customer.all().count() == 2
    monkeypatch.setattr(imports, "write_batch", real)
    job = await imports.run(job.id)  # as the server does on start (resume_interrupted)
    assert job.status.value == "done" and job.rows_done == 12
    names = sorted(await Customer.all().values_list("name", flat=True))
    assert names == EXPECTED
    assert (job.created, job.updated, job.skipped, job.invalid) == (4, 0, 4, 3)
    assert await ImportProblem.filter(job_id=job.id).count() == 7  # each problem once, the crashed batch's too
    assert await CustomerStatusChange.all().count() == len(names)
    created = await AuditEntry.filter(action="customer.create").values_list("via", flat=True)
    assert created and set(created) == {f"import:{job.id}"}
    assert set(await Customer.all().values_list("account_manager_id", flat=True)) == {head.id}


async def test_update_policy_updates_the_existing_customer(db, tmp_path):
    admin = await make_user(Role.ADMIN)
    rep = await make_user(Role.SALES_REP, await make_team())
    await run_import(rep, write(tmp_path, "Name,Email,City\nAcme,a@acme.example,Berlin\n"))
    job = await run_import(rep, write(tmp_path, "Name,Email,City\nAcme Corp,A@acme.example,Köln\n", name="b.csv"),
                           policy="update")
    assert (job.created, job.updated) == (0, 1)
    customer = await Customer.get(email="a@acme.example")
    assert (customer.name, customer.city, customer.version) == ("Acme Corp", "Köln", 2)
    assert admin  # (admins see the job too)


async def test_a_migration_brings_every_status_but_blocked_and_duplicates_name_the_customer(db, tmp_path):
    rep = await make_user(Role.SALES_REP, await make_team())
    await run_import(rep, write(tmp_path, "Name,Email\nCafé Müller,cafe@mueller.example\n"))
    known = await Customer.get(email="cafe@mueller.example")
    job = await run_import(rep, write(tmp_path, "Name,Email,Status\nOld Co,old@co.example,inactive\n"
                                                "Gone Co,gone@co.example,Churned\nBad Co,bad@co.example,blocked\n"
                                                "Müller again,cafe@mueller.example,active\n", name="b.csv"))
    assert (job.created, job.skipped, job.invalid) == (2, 1, 1)
    statuses = dict(await Customer.filter(email__endswith="co.example").values_list("name", "status"))
    assert {k: v.value for k, v in statuses.items()} == {"Old Co": "inactive", "Gone Co": "churned"}
    problems = {p.row: (p.column, p.message) for p in await ImportProblem.filter(job_id=job.id)}
    column, message = problems[4]
    assert column == "Status" and message.startswith("'Status' says blocked, which needs a reason")
    assert problems[5] == ("", f"skipped: same email as Café Müller (#{known.id})")


async def test_permissions_by_role(db, tmp_path):
    team = await make_team()
    rep, mate = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_REP, team)
    other = await make_user(Role.SALES_REP, await make_team())
    marketing = await make_user(Role.MARKETING)
    support = await make_user(Role.SUPPORT)
    path = write(tmp_path, f"Name,Email,Account manager\nA,a@a.example,{mate.email}\nB,b@b.example,{other.email}\n")
    with pytest.raises(Forbidden):
        await imports.create_job(actor(marketing), "customers", "x.csv", path)
    with pytest.raises(Forbidden):
        await imports.create_job(actor(support), "customers", "x.csv", path)
    assert (await imports.create_job(actor(support), "contacts", "x.csv", path)).id
    job = await run_import(rep, path)
    assert (job.created, job.invalid) == (1, 1)
    assert (await Customer.get(name="A")).account_manager_id == mate.id
    problem = await ImportProblem.get(job_id=job.id)
    assert problem.row == 3 and problem.column == "Account manager"
    with pytest.raises(BadUserInput):
        await imports.start(actor(rep), job.id)  # done: it does not run twice


async def test_contacts_link_their_customer_by_name(db, tmp_path):
    head = await make_user(Role.SALES_HEAD, await make_team())
    await run_import(head, write(tmp_path, "Company,Email\nAcme,a@acme.example\n"))
    job = await run_import(head, write(tmp_path, "Name,Email,Company\nAda,ada@acme.example,acme\n"
                                               "Bob,bob@x.example,Nope\nAda L.,ADA@acme.example,Acme\n", name="c.csv"),
                           "contacts")
    assert (job.created, job.skipped, job.invalid) == (1, 1, 1)
    contact = await Contact.get(email="ada@acme.example")
    assert contact.customer_id == (await Customer.get(name="Acme")).id


async def test_graphql_preview_configure_and_problems(db, tmp_path):
    head = await make_user(Role.SALES_HEAD, await make_team())
    job = await imports.create_job(actor(head), "customers", "in.csv", write(tmp_path, MIXED))
    data = await ok(head, """query($id: ID!) { importJob(id: $id) { status columns mapping { column field } }
        importPreview(id: $id) { rowsTotal created skipped invalid duplicates rows { row values { field value } }
                                 problems { row column message } } }""", id=str(job.id))
    assert data["importJob"]["mapping"][:2] == [{"column": "Firma", "field": "name"},
                                                {"column": "E-Mail", "field": "email"}]
    preview = data["importPreview"]
    assert (preview["rowsTotal"], preview["created"], preview["skipped"], preview["invalid"]) == (12, 4, 4, 3)
    assert {"field": "country", "value": "DE"} in preview["rows"][0]["values"]
    other = await make_user(Role.SALES_HEAD, await make_team())
    hidden = await error(other, "query($id: ID!) { importJob(id: $id) { id } }", id=str(job.id))
    assert hidden["code"] == "NOT_FOUND"
    done = await imports.run((await imports.start(actor(head), job.id)).id)
    problems = await ok(head, "query($id: ID!) { importProblems(id: $id) { row column message } }", id=str(done.id))
    assert len(problems["importProblems"]) == 7


async def test_upload_endpoint_stores_the_file_and_reports_problems(db, tmp_path):
    import httpx

    from backend.app import create_app
    from backend.services.tokens import create_token_for_email

    rep = await make_user(Role.SALES_REP, await make_team(), email="uploader@example.com")
    token = await create_token_for_email(actor(rep), rep.email)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app()), base_url="http://testserver") as client:
        sent = await client.post("/import/upload", headers=headers, data={"entity": "customers"},
                                 files={"file": ("kunden.csv", MIXED.encode("cp1252"), "text/csv")})
        assert sent.status_code == 201, sent.text
        job_id = sent.json()["id"]
        await imports.run((await imports.start(actor(rep), job_id)).id)
        report = await client.get(f"/import/{job_id}/problems.csv", headers=headers)
        assert report.status_code == 200 and report.text.startswith("\ufeffRow,Firma")
        assert report.text.count("\r\n") == 8
        template = await client.get("/import/template/contacts.csv")
        assert template.text.startswith("\ufeffName,Email,Phone")
        anonymous = await client.post("/import/upload", files={"file": ("a.csv", b"Name\nA\n", "text/csv")})
        assert anonymous.status_code == 401
        refused = await client.post("/import/upload", headers=headers, data={"entity": "deals"},
                                    files={"file": ("a.csv", b"Name\nA\n", "text/csv")})
        assert refused.status_code == 201  # reps import deals too; marketing would be refused (test above)


def test_cli_import_dry_run_then_run(tmp_path):
    import sqlite3

    from tests.test_cli import count, crm

    assert crm(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "crm.sqlite3") as conn:
        conn.execute("INSERT INTO crm_user (email, name, role, time_zone, active, created_at, updated_at, version) "
                     "VALUES ('rep@example.com', 'Rep', 'sales_rep', 'UTC', 1, '2026-01-01', '2026-01-01', 1)")
    source = write(tmp_path, MIXED, "utf-16")
    dry = crm(tmp_path, "import", "customers", str(source), "--dry-run", "--as", "rep@example.com")
    assert dry.returncode == 0, dry.stderr
    assert "4 new, 0 updated, 4 skipped as duplicates, 3 invalid" in dry.stdout
    before = count(tmp_path / "crm.sqlite3", "SELECT COUNT(*) FROM customer")
    done = crm(tmp_path, "import", "customers", str(source), "--as", "rep@example.com", "--on-duplicate", "create")
    assert done.returncode == 0, done.stderr
    assert "8 created, 0 updated, 0 skipped, 3 invalid" in done.stdout and "rows" in done.stderr
    assert count(tmp_path / "crm.sqlite3", "SELECT COUNT(*) FROM customer") == before + 8
    report = (tmp_path / "in-problems.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[0].startswith("Row,Firma") and len(report) == 4


async def test_cancel_stops_after_the_batch_in_flight_and_resume_finishes(db, tmp_path, monkeypatch):
    head = await make_user(Role.SALES_HEAD, await make_team())
    monkeypatch.setattr(imports, "BATCH", 3)
    real = imports.write_batch

    async def cancel_after_first(ctx, plan, start):
        await real(ctx, plan, start)
        if start == 0:
            await imports.cancel(actor(head), ctx.job.id)

    monkeypatch.setattr(imports, "write_batch", cancel_after_first)
    job = await imports.create_job(actor(head), "customers", "in.csv", write(tmp_path, MIXED))
    await imports.start(actor(head), job.id)
    job = await imports.run(job.id)
    assert (job.status.value, job.rows_done, await Customer.all().count()) == ("cancelled", 3, 2)
    await imports.resume(actor(head), job.id)
    job = await imports.run(job.id)
    assert job.status.value == "done" and sorted(await Customer.all().values_list("name", flat=True)) == EXPECTED
