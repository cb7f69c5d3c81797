"""/reports in Chromium, its chart kinds, files and saved reports: a sales head draws the team's deals as a line by
month, stacked bars by owner and stage, and a funnel by stage, each with its table holding the report query's
figures; downloads the report on screen as XLSX and PDF; saves it with a weekly mail and deletes it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes

REPORT = ("query($input: DealReportInput!) { report(input: $input) { rows(first: 100) "
          "{ month stage { name kind } owner { name } count } } }")


def _rows(head: Session, *group: str) -> list[dict]:
    return head.graphql(REPORT, input={"groupBy": list(group), "measures": ["COUNT"]})["report"]["rows"]


def test_line_stacked_and_funnel_each_with_the_table(head: Session, shots: Path) -> None:
    page = head.page("/reports?kind=line&measure=COUNT")
    months = _rows(head, "CLOSE_MONTH")
    line = page.get_by_role("img", name="Deals by month of close")
    expect(line).to_be_visible()
    expect(line.locator("circle.point")).to_have_count(len([r for r in months if r["month"]]))
    expect(page.locator(".report-table tbody tr")).to_have_count(len(months))
    expect(page.locator("select[name=by]")).to_have_count(0)  # a line is by month
    shot_sizes(page, shots, "reports-line")

    page.select_option("select[name=kind]", "stacked")
    page.select_option("select[name=by]", "OWNER")
    page.select_option("select[name=split]", "STAGE")
    stacked = page.get_by_role("img", name="Deals by owner and stage")
    expect(stacked).to_be_visible()
    pairs = _rows(head, "OWNER", "STAGE")
    expect(page.locator(".report-table tbody tr")).to_have_count(len(pairs))
    expect(page.locator(".report-table thead th").nth(1)).to_have_text("Stage")
    expect(stacked.locator("text.legend").first).to_be_visible()
    assert "kind=stacked" in page.url and "split=STAGE" in page.url
    shot_sizes(page, shots, "reports-stacked")

    page.select_option("select[name=kind]", "funnel")
    funnel = page.get_by_role("img", name="Deals by stage")
    expect(funnel).to_be_visible()
    stages = _rows(head, "STAGE")
    expect(funnel.locator("rect.funnel-band")).to_have_count(len([r for r in stages if r["stage"]["kind"] != "LOST"]))
    expect(page.locator(".report-table tbody tr")).to_have_count(len(stages))
    shot_sizes(page, shots, "reports-funnel")


def test_the_report_on_screen_downloads_as_xlsx_and_pdf(head: Session) -> None:
    page = head.page("/reports?by=OWNER&measure=COUNT")
    expect(page.locator(".report-table tbody tr").first).to_be_visible()
    owners = _rows(head, "OWNER")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export XLSX").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Deals by owner"
    start = next(i for i, r in enumerate(rows) if r[0] == "Owner")
    assert [(r[0], r[1]) for r in rows[start + 1:start + 1 + len(owners)]] == [
        ((o["owner"] or {}).get("name") or "None", o["count"]) for o in owners]
    with page.expect_download() as info:
        page.get_by_role("link", name="Export PDF").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF-")
    assert info.value.suggested_filename.endswith(".pdf")


def test_save_the_report_with_a_weekly_mail_then_delete_it(head: Session, shots: Path) -> None:
    page = head.page("/reports?by=TEAM&measure=COUNT")
    form = page.locator(".saved-report-form")
    form.get_by_label("Name").fill("Team count")
    form.locator("select[name=weekday]").select_option("0")
    form.get_by_role("button", name="Save this report").click()
    saved = page.locator(".saved-report-list li", has_text="Team count")
    expect(saved).to_be_visible()
    expect(saved.get_by_label("Weekly mail of Team count")).to_have_value("0")
    page.locator(".saved-reports").evaluate("node => node.scrollIntoView()")
    shot_sizes(page, shots, "reports-saved")
    saved.get_by_label("Weekly mail of Team count").select_option("4")
    expect(saved.get_by_label("Weekly mail of Team count")).to_have_value("4")
    assert head.graphql("{ savedReports { name weekday } }")["savedReports"][0] == {"name": "Team count", "weekday": 4}
    page.goto(page.url.split("/reports")[0] + "/reports")
    page.locator(".saved-report-list li", has_text="Team count").get_by_role("button", name="Team count", exact=True).click()
    expect(page).to_have_url(re.compile(r"by=TEAM"))  # reopened as saved
    page.locator(".saved-report-list li", has_text="Team count").get_by_role("button", name="Delete Team count").click()
    expect(page.locator(".saved-report-list li", has_text="Team count")).to_have_count(0)
