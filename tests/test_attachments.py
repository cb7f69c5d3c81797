"""Files on records (issue 18): attachFile over GraphQL multipart and in-process, the sniffed type and the
allow-list, the size limit naming `file`, the file routes' row rules and headers, deletion after commit,
loaders without N+1, and the record's deletion taking its files."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.datastructures import UploadFile

from backend.app import create_app
from backend.files import store
from backend.models import Attachment, AuditEntry, Role, User
from backend.services import tokens
from tests.factories import (  # noqa: F401  (setting: a fixture)
    actor,
    error,
    log_activity,
    make_contact,
    make_customer,
    make_deal,
    make_team,
    make_user,
    ok,
    setting,
)
from tests.sqlcount import count_statements

APP = create_app()
TOKENS = itertools.count()
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ATTACH = """mutation($input: AttachFileInput!) { attachFile(input: $input) {
    id fileName contentType size url previewUrl isImage uploadedBy { email } } }"""
DELETE = "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { id } }"
FILES = "query($id: ID!) { customer(id: $id) { attachments { id fileName contentType } } }"


def upload(content: bytes, name: str) -> UploadFile:
    return UploadFile(file=io.BytesIO(content), filename=name)


async def attach(who: User, record_id: str, content: bytes = PNG, name: str = "logo.png",
                 record_type: str = "CUSTOMER") -> dict:
    data = await ok(who, ATTACH, input={"recordType": record_type, "recordId": record_id, "file": upload(content, name)})
    return data["attachFile"]


async def bearer(user: User) -> dict[str, str]:
    _, raw = await tokens.create(actor(user), f"files test {next(TOKENS)}")
    return {"Authorization": f"Bearer {raw}"}


def client(headers: dict[str, str] | None = None, cookies: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(APP), base_url="http://testserver", headers=headers or {},
                             cookies=cookies)


def multipart(record_id: str, content: bytes, name: str) -> dict:
    operations = {"query": ATTACH, "variables": {"input": {"recordType": "CUSTOMER", "recordId": record_id, "file": None}}}
    return {"data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
            "files": {"0": (name, content, "image/png")}}


async def test_a_file_is_attached_sniffed_listed_and_audited(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    made = await attach(admin, customer["id"], PNG, "../../etc/Lo\"go.png")
    assert made["contentType"] == "image/png" and made["isImage"] and made["size"] == len(PNG)
    assert made["fileName"] == "Lo_go.png", "no folders and no quotes from the client's name"
    assert made["url"] == f"/files/{made['id']}" and made["previewUrl"] == f"/files/{made['id']}/preview"
    assert len(made["id"]) >= 24 and made["uploadedBy"]["email"] == admin.email
    assert store.path_of(made["id"]).read_bytes() == PNG
    listed = (await ok(admin, FILES, id=customer["id"]))["customer"]["attachments"]
    assert [a["id"] for a in listed] == [made["id"]]
    entry = await AuditEntry.filter(action="attachment.create").first()
    assert entry is not None and entry.entity_id == customer["id"]


async def test_html_disguised_as_png_is_refused(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    for content in (b"<!DOCTYPE html><script>alert(1)</script>", b"  <svg onload=alert(1)>", b"hello <iframe src=x>"):
        err = await error(admin, ATTACH, input={"recordType": "CUSTOMER", "recordId": customer["id"],
                                                "file": upload(content, "innocent.png")})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "file"), err
        assert "text/html" in err["message"]
    assert await Attachment.all().count() == 0
    assert not list((store.root() / "incoming").glob("*")), "no temporary file is left behind"


async def test_the_size_limit_names_the_file(db: str, setting: Callable[..., None]) -> None:  # noqa: F811
    setting(CRM_ATTACHMENT_MAX_BYTES="100")
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    err = await error(admin, ATTACH, input={"recordType": "CUSTOMER", "recordId": customer["id"],
                                            "file": upload(PNG + b"\x00" * 100, "big.png")})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "file"), err
    assert "100 bytes limit" in err["message"]
    headers = await bearer(admin)
    async with client(headers) as http:  # far over: refused at the door, still naming the file
        response = await http.post("/graphql", **multipart(customer["id"], b"\x00" * 1_100_000, "huge.png"))
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "file"}


async def test_multipart_upload_and_download_over_http(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    async with client(await bearer(admin)) as http:
        response = await http.post("/graphql", **multipart(customer["id"], PDF, "offer.pdf"))
        assert response.status_code == 200, response.text
        made = response.json()["data"]["attachFile"]
        assert made["contentType"] == "application/pdf"
        got = await http.get(made["url"])
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-disposition"].startswith('attachment; filename="offer.pdf"')
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in got.headers["content-security-policy"]
        shown = await http.get(made["previewUrl"])
        assert shown.status_code == 200 and shown.headers["content-disposition"].startswith("inline")
        assert shown.headers["content-type"] == "application/pdf"
        assert "default-src 'none'" in shown.headers["content-security-policy"]


async def test_a_text_file_is_never_previewed(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    made = await attach(admin, customer["id"], b"name;city\nAcme;Lyon\n", "list.csv")
    assert made["contentType"] == "text/plain" and made["previewUrl"] is None
    async with client(await bearer(admin)) as http:
        assert (await http.get(f"/files/{made['id']}/preview")).status_code == 404
        got = await http.get(made["url"])
    assert got.headers["content-disposition"].startswith("attachment")


async def test_cookie_uploads_need_an_origin(db: str) -> None:
    async with client(cookies={"crm_session": "x"}) as http:
        response = await http.post("/graphql", **multipart("1", PNG, "a.png"))
    assert response.status_code == 403


async def test_who_cannot_see_the_customer_gets_404_on_the_file(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep = await make_user(Role.SALES_REP, north)
    other = await make_user(Role.SALES_REP, south)
    customer = await make_customer(rep)
    made = await attach(rep, customer["id"])
    async with client(await bearer(other)) as http:
        assert (await http.get(made["url"])).status_code == 404
        assert (await http.get(made["previewUrl"])).status_code == 404
        assert (await http.get("/files/" + "A" * 24)).status_code == 404
    async with client() as http:
        assert (await http.get(made["url"])).status_code == 401
    err = await error(other, DELETE, id=made["id"])
    assert err["code"] == "NOT_FOUND"
    err = await error(other, ATTACH, input={"recordType": "CUSTOMER", "recordId": customer["id"], "file": upload(PNG, "x.png")})
    assert (err["code"], err["field"]) == ("NOT_FOUND", "recordId"), err


async def test_marketing_reads_but_does_not_attach_and_reps_delete_only_their_own(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    team = await make_team("North")
    rep, head = await make_user(Role.SALES_REP, team), await make_user(Role.SALES_HEAD, team)
    marketing = await make_user(Role.MARKETING)
    customer = await make_customer(rep)
    made = await attach(head, customer["id"])
    assert (await error(marketing, ATTACH, input={"recordType": "CUSTOMER", "recordId": customer["id"],
                                                  "file": upload(PNG, "x.png")}))["code"] == "FORBIDDEN"
    assert (await error(rep, DELETE, id=made["id"]))["code"] == "FORBIDDEN"
    path = store.path_of(made["id"])
    assert path.is_file()
    await ok(admin, DELETE, id=made["id"])
    assert not path.exists(), "the file goes once the deletion commits"
    assert await AuditEntry.filter(action="attachment.delete").count() == 1


async def test_contacts_deals_and_activities_take_files_and_lists_cost_one_query(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customers = [await make_customer(admin, name=f"C{i}", email=f"c{i}@example.com") for i in range(3)]
    for c in customers:
        await attach(admin, c["id"])
    contact = await make_contact(admin, customerId=customers[0]["id"])
    deal = await make_deal(admin, customers[0]["id"])
    activity = await log_activity(admin, customerId=customers[0]["id"])
    await attach(admin, contact["id"], record_type="CONTACT")
    await attach(admin, deal["id"], PDF, "deal.pdf", record_type="DEAL")
    await attach(admin, activity["id"], record_type="ACTIVITY")
    query = "{ customers(first: 10) { edges { node { attachments { id } deals { attachments { fileName } } } } } }"
    with count_statements() as few:
        await ok(admin, query.replace("10", "1"))
    with count_statements() as many:
        data = await ok(admin, query)
    assert len(many) == len(few), "attachments load through a DataLoader"
    assert sum(len(e["node"]["attachments"]) for e in data["customers"]["edges"]) == 3
    deal_files = (await ok(admin, "query($id: ID!) { deal(id: $id) { attachments { fileName } } }", id=deal["id"]))
    assert deal_files["deal"]["attachments"] == [{"fileName": "deal.pdf"}]


async def test_deleting_the_record_removes_its_files_after_commit(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin)
    activity = await log_activity(admin, customerId=customer["id"])
    on_customer = await attach(admin, customer["id"])
    on_activity = await attach(admin, activity["id"], record_type="ACTIVITY")
    paths = [store.path_of(on_customer["id"]), store.path_of(on_activity["id"])]
    await ok(admin, "mutation($id: ID!, $v: Int!) { deleteCustomer(input: {id: $id, version: $v}) { id } }",
             id=customer["id"], v=customer["version"])
    assert await Attachment.all().count() == 0
    assert not any(p.exists() for p in paths)


def test_file_names_are_cleaned() -> None:
    assert store.clean_name("C:\\Users\\x\\report.pdf") == "report.pdf"
    assert store.clean_name("..") == "file"
    assert store.clean_name("a\x00b\r\n.txt") == "a_b_.txt"
    assert store.clean_name("x" * 300 + ".pdf").endswith(".pdf") and len(store.clean_name("x" * 300 + ".pdf")) == 200


def test_path_of_refuses_what_is_not_an_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        store.path_of("../../secret_key")
