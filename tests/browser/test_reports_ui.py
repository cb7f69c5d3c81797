"""/reports in Chromium: a sales head groups the team's deals by owner, charts the count, narrows by a filter,
and reads the same figures as the report query; support has no reports."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes

REPORT = ("query($input: DealReportInput!) { report(input: $input) { groupCount rows(first: 100) "
          "{ owner { name } count } } }")


def test_a_head_charts_the_teams_deals_by_owner(head: Session, shots: Path) -> None:
    expected = head.graphql(REPORT, input={"groupBy": ["OWNER"], "measures": ["COUNT"]})["report"]["rows"]
    assert expected, "the demo data gives the head's team deals"
    page = head.page("/reports")
    expect(page.get_by_role("link", name="Reports")).to_be_visible()
    expect(page.locator(".bar-chart")).to_be_visible()
    page.select_option("select[name=by]", "OWNER")
    page.select_option("select[name=measure]", "COUNT")
    chart = page.get_by_role("img", name="Deals by owner")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).to_have_count(len(expected))
    body = page.locator(".report-table tbody tr")
    expect(body).to_have_count(len(expected))
    for i, row in enumerate(expected):
        expect(body.nth(i).locator("td").nth(0)).to_have_text(row["owner"]["name"] if row["owner"] else "None")
        expect(body.nth(i).locator("td").nth(1)).to_have_text(str(row["count"]))
    expect(page.locator(".report-table tfoot td").first).to_have_text(str(sum(r["count"] for r in expected)))
    expect(page.locator(".rates-note")).to_contain_text("base currency")
    assert "by=OWNER" in page.url and "measure=COUNT" in page.url, "the view is kept in the address"
    shot_sizes(page, shots, "reports")

    me = head.graphql("{ me { id } }")["me"]["id"]
    page.get_by_label("My deals").check()
    mine = head.graphql(REPORT, input={"groupBy": ["OWNER"], "measures": ["COUNT"],
                                       "filter": {"ownerId": [me]}})["report"]["rows"]
    expect(body).to_have_count(len(mine))
    assert "mine=1" in page.url


def test_support_has_no_reports(support: Session) -> None:
    page = support.page("/reports")
    expect(page.get_by_text("Reports are for sales.")).to_be_visible()
    expect(page.locator("nav").get_by_role("link", name="Reports")).to_have_count(0)
    expect(page.locator(".bar-chart")).to_have_count(0)
