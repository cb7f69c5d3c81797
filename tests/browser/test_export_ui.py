"""Exports in Chromium: the Export links of the list screens download the view on screen, every page of it,
as the signed-in user sees it; the file is read back (CSV, and XLSX with openpyxl)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.helpers import Session, shot, shot_sizes


def download(page: Page, link: str) -> Path:
    """Click an export link; the file saved under the name the server gave it."""
    with page.expect_download() as info:
        page.click(link)
    saved = Path(info.value.path()).with_name(info.value.suggested_filename)
    info.value.save_as(saved)
    return saved


def shown_total(page: Page) -> int:
    subtle = page.locator(".page-head .subtle").first
    expect(subtle).to_contain_text(re.compile(r"\d"))  # empty while the view loads
    text = subtle.inner_text()
    found = re.search(r"([\d,]+)", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_a_rep_exports_the_filtered_contacts_and_leads_they_see(rep: Session, shots: Path) -> None:
    page = rep.page("/leads")
    rows = page.locator("table[aria-label=Leads] tbody tr")
    expect(rows.first).to_be_visible()
    page.select_option("select[name=status]", "new")
    expect(page).to_have_url(re.compile(r"status=new"))
    expect(rows.locator(".badge").filter(has_not_text=re.compile(r"^New$"))).to_have_count(0)
    expect(page.locator("a:has-text('Export XLSX')")).to_have_attribute("href", re.compile(r"status=new"))
    shot_sizes(page, shots, "leads-export")
    on_screen = rows.locator("td:first-child").all_inner_texts()

    sheet = openpyxl.load_workbook(download(page, "a:has-text('Export XLSX')"), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "Title" and len(table) - 1 == shown_total(page)
    assert {r[5] for r in table[1:]} == {"new"}
    assert set(on_screen) <= {r[0] for r in table[1:]}

    page = rep.page("/contacts")
    rows = page.locator("table[aria-label=Contacts] tbody tr")
    expect(rows.first).to_be_visible()
    lines = list(csv.reader(download(page, "a:has-text('Export CSV')").read_text("utf-8-sig").splitlines()))
    assert lines[0][:3] == ["Name", "Email", "Phone"] and len(lines) - 1 == shown_total(page)
    assert set(rows.locator("td:first-child").all_inner_texts()) <= {r[0] for r in lines[1:]}


def test_pipeline_tasks_and_enrolments_export(admin: Session, marketing: Session, rep: Session, shots: Path) -> None:
    page = admin.page("/pipeline")
    expect(page.locator(".board")).to_be_visible()
    shot(page, shots, "pipeline-export")
    deals = list(csv.reader(download(page, "a:has-text('Export CSV')").read_text("utf-8-sig").splitlines()))
    assert deals[0][:3] == ["Title", "Customer", "Stage"]
    expect(page.locator("[data-testid=forecast]")).to_contain_text(f"{len(deals) - 1:,} deal")

    page = rep.page("/tasks")
    expect(page.locator("a:has-text('Export CSV')")).to_have_attribute("href", "/ui/export/tasks.csv?view=mine")
    tasks = list(csv.reader(download(page, "a:has-text('Export CSV')").read_text("utf-8-sig").splitlines()))
    assert tasks[0][:2] == ["Title", "Due"]

    found = marketing.graphql("{ campaigns(first: 100) { edges { node { id enrolments } } } }")["campaigns"]["edges"]
    campaign = max((e["node"] for e in found), key=lambda c: c["enrolments"])
    assert campaign["enrolments"] > 0
    page = marketing.page(f"/campaigns/{campaign['id']}")
    expect(page.locator("a:has-text('Export XLSX')")).to_be_visible()
    shot_sizes(page, shots, "campaign-export")
    sheet = openpyxl.load_workbook(download(page, "a:has-text('Export XLSX')"), read_only=True).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:2] == ("Name", "Email") and len(table) - 1 == campaign["enrolments"]
    page = rep.page(f"/campaigns/{campaign['id']}")  # who enrolled is for campaign owners and admins
    expect(page.get_by_role("heading", name="Latest enrolments")).to_be_visible()
    expect(page.locator("a:has-text('Export XLSX')")).to_have_count(0)
