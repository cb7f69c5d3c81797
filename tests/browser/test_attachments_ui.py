"""Files and profiles in Chromium: a file picked (set_input_files) lands in the customer's Files tab with its
thumbnail and downloads byte for byte; a file another user attaches appears without a reload; a file is
deleted after a confirmation; the profile (logo, rating, social links) is edited and shown in the header."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    VIEWPORT,
    Session,
    resized,
    shot,
    shot_sizes,
    subscribers,
    wait_for_subscribers,
)
from tests.test_attachments import PDF


def picture(size: int = 96, colour: tuple[int, int, int] = (37, 99, 235)) -> bytes:
    """A real PNG (a round mark on white), so thumbnails and logos look like something in the screenshots."""
    rows = []
    centre, radius = size / 2, size * 0.38
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius ** 2
            band = inside and abs(y - centre) < size * 0.08
            row += bytes((255, 255, 255) if band or not inside else colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


LOGO = picture()


def shots_of(page: Page, shots: Path, name: str, part: Locator) -> None:
    """The page at both sizes with `part` scrolled into view (shot_sizes shows the top of the page)."""
    for suffix, size in (("desktop", DESKTOP), ("phone", PHONE)):
        resized(page, size)
        part.scroll_into_view_if_needed()
        shot(page, shots, f"{name}-{suffix}")
    page.set_viewport_size(VIEWPORT)


def _customer(session: Session, name: str, manager: str | None = None) -> dict:
    created = session.graphql(
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id name version } }",
        input={"name": name, "email": f"{name.split()[0].lower()}@example.com", "city": "Lyon", "country": "FR",
               "industry": "Rail", **({"accountManagerId": manager} if manager else {})})
    return created["createCustomer"]


def _attach_over_http(session: Session, customer_id: str, name: str, content: bytes, mime: str) -> None:
    """What the browser's uploader sends: a GraphQL multipart request with the session cookie and an Origin."""
    operations = ('{"query": "mutation($input: AttachFileInput!) { attachFile(input: $input) { id } }", '
                  f'"variables": {{"input": {{"recordType": "CUSTOMER", "recordId": "{customer_id}", "file": null}}}}}}')
    response = session.context.request.post(
        f"{session.server}/graphql", headers={"Origin": session.server, "connection": "close"},
        multipart={"operations": operations, "map": '{"0": ["variables.input.file"]}',
                   "0": {"name": name, "mimeType": mime, "buffer": content}})
    assert response.ok and not response.json().get("errors"), response.text()


def test_files_are_attached_downloaded_followed_live_and_deleted(admin: Session, head: Session, shots: Path) -> None:
    head_id = head.graphql("{ me { id } }")["me"]["id"]
    customer = _customer(admin, "Quayside Freight Files", manager=head_id)  # the head's team sees it too
    page = admin.page(f"/customers/{customer['id']}?tab=files")
    expect(page.get_by_text("No files yet.")).to_be_visible()
    page.locator("input.dropzone-input").set_input_files(
        files=[{"name": "quayside-logo.png", "mimeType": "image/png", "buffer": LOGO}])
    rows = page.locator("table.files tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("quayside-logo.png")
    expect(row).to_contain_text("PNG")
    expect(row).to_contain_text("Admin")
    thumb = row.locator("img.file-thumb")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())

    with page.expect_download() as caught:
        row.get_by_role("link", name="quayside-logo.png").click()
    assert Path(caught.value.path()).read_bytes() == LOGO
    assert caught.value.suggested_filename == "quayside-logo.png"

    before = subscribers(admin.server)
    wait_for_subscribers(admin.server, before, page)
    _attach_over_http(head, customer["id"], "offer.pdf", PDF, "application/pdf")  # someone else, elsewhere
    expect(rows).to_have_count(2)
    expect(page.locator("table.files")).to_contain_text("offer.pdf")

    refused = page.locator("input.dropzone-input")
    refused.set_input_files(files=[{"name": "invoice.png", "mimeType": "image/png",
                                    "buffer": b"<!DOCTYPE html><script>alert(1)</script>"}])
    expect(page.get_by_role("alert").filter(has_text="invoice.png")).to_contain_text("text/html")
    expect(rows).to_have_count(2)

    shots_of(page, shots, "customer-files", page.locator("section.attachments"))
    offer = rows.filter(has_text="offer.pdf")
    offer.get_by_role("button", name="Delete offer.pdf").click()
    expect(offer).to_contain_text("Delete this file?")
    offer.get_by_role("button", name="Delete", exact=True).click()
    expect(rows).to_have_count(1)


def test_the_profile_is_edited_and_shown(admin: Session, shots: Path) -> None:
    customer = _customer(admin, "Harbour Logistics Profile")
    page = admin.page(f"/customers/{customer['id']}?tab=files")
    page.locator("input.dropzone-input").set_input_files(
        files=[{"name": "harbour.png", "mimeType": "image/png", "buffer": picture(colour=(13, 148, 136))}])
    expect(page.locator("table.files tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Profile").click()
    panel = page.get_by_label("Edit profile")
    # Both pickers fill from their own queries: wait for them, so no late answer redraws a choice made before it.
    expect(panel.locator("select[name=logoId] option", has_text="harbour.png")).to_have_count(1)
    expect(panel.locator("select[name=operationsContactId] option", has_text="Hedda Head")).to_have_count(1)
    panel.locator("select[name=logoId]").select_option(label="harbour.png")
    panel.locator("select[name=rating]").select_option("4")
    panel.locator("select[name=operationsContactId]").select_option(label="Hedda Head")
    panel.get_by_label("LinkedIn").fill("linkedin.com/company/harbour")
    panel.get_by_label("X").fill("javascript:alert(1)")
    panel.get_by_role("button", name="Save profile").click()
    expect(panel.get_by_role("alert")).to_contain_text("not a web address")
    panel.get_by_label("X").fill("https://x.com/harbour")
    panel.get_by_role("button", name="Save profile").click()
    expect(page.get_by_label("Edit profile")).to_have_count(0)
    hero = page.locator(".hero")
    expect(hero.get_by_label("Rated 4 of 5")).to_be_visible()
    expect(hero.get_by_label("Account team")).to_contain_text("Operations: Hedda Head")
    expect(hero.locator("img.profile-logo")).to_be_visible()
    expect(hero.get_by_role("link", name="LinkedIn")).to_have_attribute("href", "https://linkedin.com/company/harbour")
    expect(hero.get_by_role("link", name="X", exact=True)).to_have_attribute("href", re.compile(r"^https://x\.com/"))
    page.get_by_role("tab", name="Overview").click()
    shot_sizes(page, shots, "customer-profile")


def test_contact_and_deal_pages_take_files_too(admin: Session) -> None:
    ids = admin.graphql("{ contacts(first: 1) { edges { node { id } } } deals(first: 1) { edges { node { id } } } }")
    contact_id, deal_id = (ids[k]["edges"][0]["node"]["id"] for k in ("contacts", "deals"))
    page = admin.page(f"/contacts/{contact_id}")
    page.locator("input.dropzone-input").set_input_files(
        files=[{"name": "business-card.png", "mimeType": "image/png", "buffer": LOGO}])
    expect(page.locator("table.files")).to_contain_text("business-card.png")
    page = admin.page(f"/deals/{deal_id}")
    files = page.get_by_role("region", name="Deal files")
    files.locator("input.dropzone-input").set_input_files(
        files=[{"name": "offer.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(files.locator("table.files")).to_contain_text("offer.pdf")
    expect(files.get_by_role("link", name="Preview")).to_have_attribute("href", re.compile(r"^/files/.+/preview$"))
