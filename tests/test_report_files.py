"""Reports as files (backend/report_files, the download in frontend/export.py): the XLSX and the PDF of the report
on /reports hold the figures the `report` query gives — computed again here from the rows — under the reader's
row rules, with title, filters, rate date and chart; refusals are HTTP errors; each download is audited."""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

import openpyxl
import pytest

from backend.models import AuditEntry, Role, User
from backend.report_files import pdf, table
from backend.report_files import xlsx as report_xlsx
from tests.factories import actor
from tests.test_export import bearer, download
from tests.test_reports import expected, seed


def pdf_text(content: bytes) -> str:
    """The text a PDF draws: its content streams, inflated (fpdf2 compresses them), with the strings' escapes
    undone. Enough to find labels without a PDF library."""
    assert content.startswith(b"%PDF-1.")
    assert content.rstrip().endswith(b"%%EOF")
    streams = [content[m.end():m.end() + int(m.group(1))]
               for m in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", content)]
    text = b"".join(zlib.decompress(s) if s[:1] == b"x" else s for s in streams).decode("latin-1")
    return text.replace("\\(", "(").replace("\\)", ")")


def sheet_rows(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table_part(rows: list[list[Any]], first_header: str) -> tuple[list[Any], list[list[Any]], list[Any]]:
    """(header, group rows, total row) of the sheet's table."""
    start = next(i for i, row in enumerate(rows) if row[0] == first_header)
    end = next(i for i, row in enumerate(rows) if i > start and row[0] == "All")
    return rows[start], rows[start + 1:end], rows[end]


async def test_the_xlsx_holds_the_figures_of_the_report_as_each_role_sees_it(db):
    people = await seed()
    names = {u.id: u.name for u in await User.all()}
    for who in ("rep", "head", "admin"):
        user = people[who]
        response = await download("/ui/export/report.xlsx?by=OWNER", await bearer(user))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        rows = sheet_rows(response.content)
        assert rows[0][0] == "Deals by owner"
        assert any(r[0] == "All deals you may see" for r in rows)
        assert any(str(r[0]).startswith("Amounts in the base currency; rates as of ") and "USD 0.9" in r[0] for r in rows)
        header, groups, total = table_part(rows, "Owner")
        assert header[:4] == ["Owner", "Deals", "Amount", "Weighted amount"]
        want = await expected(user, ["OWNER"])
        found = {row[0]: row[1:] for row in groups}
        assert set(found) == {names[k[0]] if k[0] else "None" for k in want}
        for (owner,), figures in want.items():
            count, amount, weighted, average, win_rate, cycle = found[names[owner] if owner else "None"]
            assert count == figures["count"]
            assert amount == pytest.approx(figures["sum"] / 100)
            assert weighted == pytest.approx(figures["weightedSum"] / 100)
            assert average == pytest.approx(figures["average"] / 100)
            assert win_rate == (pytest.approx(figures["winRate"]) if figures["winRate"] is not None else None)
            assert cycle == (pytest.approx(figures["cycleDays"]) if figures["cycleDays"] is not None else None)
        assert total[1] == sum(f["count"] for f in want.values())
    rep_rows = table_part(sheet_rows((await download("/ui/export/report.xlsx?by=OWNER",
                                                      await bearer(people["rep"]))).content), "Owner")[1]
    admin_rows = table_part(sheet_rows((await download("/ui/export/report.xlsx?by=OWNER",
                                                        await bearer(people["admin"]))).content), "Owner")[1]
    assert len(rep_rows) < len(admin_rows)  # the rep's file holds only what the rep may see


async def test_filters_and_two_groupings_reach_the_file_and_text_stays_text(db):
    people = await seed()
    rep = people["rep"]
    path = f"/ui/export/report.xlsx?kind=stacked&by=OWNER&split=CLOSE_MONTH&owner={rep.id}&measure=COUNT"
    rows = sheet_rows((await download(path, await bearer(people["head"]))).content)
    assert rows[0][0] == "Deals by owner and month of close"
    assert f"Owner: {rep.name}" in [r[0] for r in rows]
    header, groups, total = table_part(rows, "Owner")
    assert header[:3] == ["Owner", "Month of close", "Deals"]
    assert {g[0] for g in groups} == {rep.name} and total[2] == 3  # the rep's three deals, by month
    assert sorted(g[1] for g in groups) == ["Feb 2026", "Feb 2026", "Jan 2026"] or len(groups) == 2


async def test_the_pdf_has_title_filters_rate_date_table_and_chart(db):
    people = await seed()
    response = await download("/ui/export/report.pdf?by=OWNER&measure=COUNT", await bearer(people["admin"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="report-' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    report = await table.read(actor(people["admin"]), {"groupBy": ["OWNER"], "measures": list(table.FIELD)})
    assert "Deals by owner" in text and "All deals you may see" in text
    assert f"rates as of {table.day_text(report.rates_as_of)}" in text
    for row in report.rows:  # every group's name and count, in the table and beside its bar
        label = table.group_label(row, "OWNER")
        assert text.count(f"({label})") >= 2, label
    assert "Deals by owner" in text and "(Deals by owner)" in text  # the chart's title
    assert re.search(r"re\s*f", text) or " re " in text  # bars are rectangles drawn by fpdf2


def test_pdf_text_beyond_latin1_is_printed_without_failing() -> None:
    assert pdf.latin("Łódź – €5 … 東") == "Lódz - EUR5 ... ?"
    sample = table.Table(title="Deals by owner", dimensions=["OWNER"], measures=["COUNT"], chart="COUNT",
                         filters=["Owner: Zoë Łukasz"], rates="Every deal is in the base currency.", rates_as_of=None,
                         rows=[{"owner": {"name": "Zoë Łukasz"}, "count": 3}], total={"count": 3}, group_count=1,
                         made_at=table.datetime(2026, 1, 1, tzinfo=table.UTC))
    text = pdf_text(pdf.document(sample))
    assert "Zoë Lukasz" in text or "Zo\\353 Lukasz" in text
    assert report_xlsx.workbook(sample)[:2] == b"PK"


async def test_refusals_are_http_errors_and_each_download_is_audited(db):
    people = await seed()
    support = await User.create(email="support@example.com", name="Sam Support", role=Role.SUPPORT)
    assert (await download("/ui/export/report.xlsx")).status_code == 401
    assert (await download("/ui/export/report.xlsx", await bearer(support))).status_code == 403
    assert (await download("/ui/export/report.csv", await bearer(people["admin"]))).status_code == 400
    bad = await download("/ui/export/report.pdf?min=lots", await bearer(people["admin"]))
    assert bad.status_code == 400 and "min" in bad.text
    assert (await download("/ui/export/report.pdf?customer=999999", await bearer(people["admin"]))).status_code == 200
    assert (await download("/ui/export/report.xlsx?by=TEAM", await bearer(people["rep"]))).status_code == 200
    entry = await AuditEntry.filter(action="export", entity_id="report").order_by("-id").first()
    assert entry is not None and entry.actor_id == people["rep"].id
    assert entry.changes["format"] == "xlsx" and entry.changes["view"]["groupBy"] == ["TEAM"]
