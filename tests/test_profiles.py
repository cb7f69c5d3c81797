"""Richer profiles (issue 18, m0029): customer logo, rating, social links and account team; contact picture
and social links — validated, audited, through the ordinary update mutations."""

from __future__ import annotations

from backend.models import AuditEntry, Role
from tests.factories import error, make_contact, make_customer, make_team, make_user, ok
from tests.test_attachments import PDF, attach

UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
    version rating socialLinks { kind url } logo { id previewUrl }
    accountTeam { relationshipManager { email } operationsContact { email } } } }"""
READ = "query($id: ID!) { customer(id: $id) { version logo { id } } }"
CONTACT = """mutation($input: UpdateContactInput!) { updateContact(input: $input) {
    version socialLinks { kind url } picture { id isImage } } }"""


async def test_customer_profile_fields_are_validated_and_audited(db: str) -> None:
    team = await make_team("North")
    head = await make_user(Role.SALES_HEAD, team)
    ops = await make_user(Role.SALES_REP, team, email="ops@example.com")
    customer = await make_customer(head)
    base = {"id": customer["id"], "version": customer["version"]}
    for bad, field in (({"rating": 6}, "rating"), ({"rating": 0}, "rating"),
                       ({"socialLinks": [{"kind": "X", "url": "javascript:alert(1)"}]}, "socialLinks.url"),
                       ({"socialLinks": [{"kind": "LINKEDIN", "url": "not a url"}]}, "socialLinks.url"),
                       ({"operationsContactId": "999999"}, "operationsContactId"),
                       ({"logoId": "A" * 24}, "logoId")):
        err = await error(head, UPDATE, input={**base, **bad})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", field), err
    data = (await ok(head, UPDATE, input={**base, "rating": 4, "operationsContactId": str(ops.id), "socialLinks": [
        {"kind": "LINKEDIN", "url": "linkedin.com/company/acme"}, {"kind": "WEBSITE", "url": "https://acme.example"}]}))
    changed = data["updateCustomer"]
    assert changed["rating"] == 4
    assert changed["socialLinks"] == [{"kind": "LINKEDIN", "url": "https://linkedin.com/company/acme"},
                                      {"kind": "WEBSITE", "url": "https://acme.example"}]
    assert changed["accountTeam"] == {"relationshipManager": {"email": head.email},
                                      "operationsContact": {"email": "ops@example.com"}}
    entry = await AuditEntry.filter(action="customer.update").order_by("-id").first()
    assert entry is not None and entry.changes["rating"] == [None, 4]


async def test_the_logo_is_one_of_its_images_and_goes_with_it(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer, other = await make_customer(admin), await make_customer(admin)
    pdf = await attach(admin, customer["id"], PDF, "offer.pdf")
    elsewhere = await attach(admin, other["id"])
    png = await attach(admin, customer["id"])
    for wrong in (pdf["id"], elsewhere["id"]):
        err = await error(admin, UPDATE, input={"id": customer["id"], "version": customer["version"], "logoId": wrong})
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "logoId"), err
    data = await ok(admin, UPDATE, input={"id": customer["id"], "version": customer["version"], "logoId": png["id"]})
    assert data["updateCustomer"]["logo"] == {"id": png["id"], "previewUrl": f"/files/{png['id']}/preview"}
    await ok(admin, "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { id } }", id=png["id"])
    assert (await ok(admin, READ, id=customer["id"]))["customer"]["logo"] is None


async def test_contact_picture_and_links(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    contact = await make_contact(admin)
    png = await attach(admin, contact["id"], record_type="CONTACT")
    data = await ok(admin, CONTACT, input={"id": contact["id"], "version": contact["version"], "pictureId": png["id"],
                                           "socialLinks": [{"kind": "X", "url": "https://x.com/jane"}]})
    assert data["updateContact"]["picture"] == {"id": png["id"], "isImage": True}
    assert data["updateContact"]["socialLinks"] == [{"kind": "X", "url": "https://x.com/jane"}]
    err = await error(admin, CONTACT, input={"id": contact["id"], "version": 2, "pictureId": "nope"})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "pictureId"), err

