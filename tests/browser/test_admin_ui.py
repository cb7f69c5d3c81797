"""/admin in a real browser: an admin changes a user's role and a stage's name and place (the board follows
live), a sales head reads the team's audit log, a sales rep is refused and manages their own API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, resized, shot, sign_in, wait_for_subscribers

BOARD_LIVE = LIVE_PER_PAGE + 1  # the bell, deals, and pipelines
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def rep(chromium: object, server: str, issuer: str) -> Iterator[Session]:
    from tests.browser.conftest import _session

    yield from _session(chromium, server, issuer, "rep@example.com")  # type: ignore[misc]


def shots_at_both_sizes(page: Page, folder: Path, name: str) -> None:
    for size, viewport in SIZES.items():
        resized(page, viewport)
        shot(page, folder, f"{name}-{size}", full_page=True)
    page.set_viewport_size({"width": 1360, "height": 860})


def test_admin_changes_a_users_role_and_the_audit_log_shows_it(admin: Session, shots: Path) -> None:
    page = admin.page("/admin")
    expect(page.locator(".admin-tabs .tab.active")).to_have_text("Users")
    me = page.locator("tr[data-user='admin@example.com']")
    expect(me.locator("select[name=role]")).to_be_disabled()  # no admin locks themselves out
    row = page.locator("tr[data-user='rep2@example.com']")
    role = row.locator("select[name=role]")
    expect(role).to_have_value("SALES_REP")
    shots_at_both_sizes(page, shots, "admin-users")
    try:
        role.select_option("SUPPORT")
        expect(row.locator(".saved")).to_have_text("Role saved")
        expect(row.locator("select[name=role]")).to_have_value("SUPPORT")
        users = admin.graphql("{ users(first: 100, filter: {search: \"rep2@\"}) { edges { node { role } } } }")
        assert users["users"]["edges"] == [{"node": {"role": "SUPPORT"}}]

        page.locator(".admin-tabs .tab", has_text="Audit log").click()
        page.locator("select[name=entity]").select_option("user")
        latest = page.locator("table[aria-label='Audit log'] tbody tr").first
        expect(latest).to_contain_text("user.update")
        expect(latest).to_contain_text("sales_rep → support")
        expect(latest).to_contain_text("Ada Admin")  # the actor by name
        shots_at_both_sizes(page, shots, "admin-audit")

        page.locator(".admin-tabs .tab", has_text="Users").click()
        row.get_by_role("button", name="Deactivate").click()
        row.get_by_role("button", name="Confirm").click()  # it ends their sessions: asked twice
        expect(row.locator(".badge")).to_have_text("Deactivated")
        row.get_by_role("button", name="Reactivate").click()
        expect(row.locator(".badge")).to_have_text("Active")
    finally:
        user = admin.graphql("{ users(first: 1, filter: {search: \"rep2@\"}) { edges { node { id version } } } }")
        node = user["users"]["edges"][0]["node"]
        admin.graphql("mutation($input: UpdateUserInput!) { updateUser(input: $input) { id } }",
                      input={"id": node["id"], "version": node["version"], "role": "SALES_REP", "active": True})


def test_admin_creates_and_renames_a_team_and_sets_a_rate(admin: Session, shots: Path) -> None:
    page = admin.page("/admin/teams")
    north = page.locator("article[aria-label='Team North']")
    expect(north).to_contain_text("Head: Hedda Head")
    expect(north.locator(".members li")).to_have_count(2)
    new_team = page.locator("form[aria-label='New team']")
    new_team.locator("input[name=name]").fill("north")
    new_team.locator("button[type=submit]").click()
    expect(new_team.locator(".field-error")).to_have_text("another team is already called 'north'")
    new_team.locator("input[name=name]").fill("West")
    new_team.locator("button[type=submit]").click()
    west = page.locator("article[aria-label='Team West']")
    expect(west).to_contain_text("No members yet")
    west.get_by_role("button", name="Rename").click()
    west.locator("input[name=name]").fill("West Coast")
    west.get_by_role("button", name="Save").click()
    expect(page.locator("article[aria-label='Team West Coast']")).to_be_visible()
    shots_at_both_sizes(page, shots, "admin-teams")

    page.locator(".admin-tabs .tab", has_text="Exchange rates").click()
    form = page.locator("form[aria-label='Set exchange rate']")
    form.locator("input[name=currency]").fill("NOK")
    form.locator("input[name=rate]").fill("-2")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field-error")).to_be_visible()
    form.locator("input[name=rate]").fill("0.086")
    form.locator("button[type=submit]").click()
    nok = page.locator("table[aria-label='Exchange rates'] tr", has_text="NOK")
    expect(nok).to_contain_text("0.086")
    nok.get_by_role("button", name="Change NOK").click()
    expect(form.locator("input[name=currency]")).to_have_value("NOK")
    form.locator("input[name=rate]").fill("0.09")
    form.locator("button[type=submit]").click()
    expect(nok).to_contain_text("0.09")
    shots_at_both_sizes(page, shots, "admin-rates")

    page.locator(".admin-tabs .tab", has_text="API tokens").click()
    expect(page.locator("table[aria-label='All API tokens']")).to_contain_text("health")  # the suite's own token
    shots_at_both_sizes(page, shots, "admin-tokens")


def stage_names(page: Page) -> list[str]:
    return [name for name in page.locator("section.column").evaluate_all("cs => cs.map(c => c.dataset.stage)")]


def test_admin_renames_and_moves_a_stage_and_the_board_follows_live(admin: Session, shots: Path) -> None:
    board = admin.page("/pipeline")
    expect(board.locator("section[data-stage='Contacted']")).to_be_visible()
    wait_for_subscribers(admin.server, BOARD_LIVE, board)
    board.evaluate("window.__sameDocument = true")
    page = admin.page("/admin/pipelines")
    stage = page.locator("li[data-stage='Contacted']")
    stage_id = admin.graphql("{ pipelines { isDefault stages { id name } } }")["pipelines"]
    contacted = next(s["id"] for p in stage_id if p["isDefault"] for s in p["stages"] if s["name"] == "Contacted")
    try:
        stage.locator("input[name=name]").fill("Won")
        stage.locator("button:has-text('Save')").click()
        expect(stage.locator(".field-error")).to_have_text("another stage of this pipeline is already called 'Won'")
        expect(stage.locator("input[name=name]")).to_have_value("Contacted")  # the stored name, not the refused one
        held = page.locator("li[data-stage='New']")  # the seeded deals start there: its kind stays
        expect(held.locator("select[name=kind]")).to_be_disabled()
        expect(held.locator(".field-hint")).to_contain_text("in this stage: move them to change its kind")

        stage.locator("input[name=name]").fill("First call")
        stage.locator("button:has-text('Save')").click()
        moved = page.locator("li[data-stage='First call']")
        expect(moved).to_be_visible()
        moved.get_by_role("button", name="Move First call down").click()
        expect(page.locator("li.stage-row").nth(2)).to_have_attribute("data-stage", "First call")
        expect(page.locator("li.stage-row").nth(2).locator("input[name=name]")).to_have_value("First call")
        expect(page.locator("li.stage-row").nth(1).locator("input[name=name]")).to_have_value("Qualified")
        shots_at_both_sizes(page, shots, "admin-pipelines")

        expect(board.locator("section.column").nth(2)).to_have_attribute("data-stage", "First call")
        assert stage_names(board)[:3] == ["New", "Qualified", "First call"]
        assert board.evaluate("window.__sameDocument") is True  # followed live, not reloaded
    finally:
        admin.graphql("mutation($input: UpdateStageInput!) { updateStage(input: $input) { id } }",
                      input={"id": contacted, "name": "Contacted", "position": 1})


CUSTOMERS_OF = """query($q: String) { customers(first: 100, search: $q) {
  edges { node { id name version accountManager { email } } } } }"""
RENAME = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }"


def managed_by(admin: Session, email: str) -> dict:
    nodes = [e["node"] for e in admin.graphql(CUSTOMERS_OF)["customers"]["edges"]]
    return next(n for n in nodes if (n["accountManager"] or {}).get("email") == email)


def test_a_head_reads_the_teams_audit_log_only(head: Session, admin: Session, shots: Path) -> None:
    ours, theirs = managed_by(admin, "rep@example.com"), managed_by(admin, "rep2@example.com")  # North, South
    for customer in (ours, theirs):  # an admin's changes: by no member of either team
        admin.graphql(RENAME, input={"id": customer["id"], "version": customer["version"],
                                     "phone": "+49 30 1234567"})
    page = head.page("/admin/audit")
    tabs = page.locator(".admin-tabs .tab")
    expect(tabs).to_have_text(["Pipelines", "Lost reasons", "Audit log", "API tokens", "Notification settings",
                               "Working hours"])
    expect(page.locator(".admin-tabs .tab.active")).to_have_text("Audit log")
    rows = page.locator("table[aria-label='Audit log'] tbody tr")
    expect(rows.first).to_be_visible()
    people = page.locator("select[name=actor] option").all_inner_texts()
    assert people[0] == "Anyone" and len(people) > 2
    admin_name = admin.graphql("{ me { name } }")["me"]["name"]
    page.locator("select[name=actor]").select_option(label=admin_name)
    who = page.locator("table[aria-label='Audit log'] tbody td[data-label=Who]")
    expect(who.filter(has_not_text=admin_name)).to_have_count(0)  # the filter has applied
    # The admin's change to the team's customer is in the team's log; the one to South's customer is not.
    records = "table[aria-label='Audit log'] tbody td[data-label=Record] a"
    expect(page.locator(f"{records}[href='/customers/{ours['id']}']")).to_have_count(1)
    expect(page.locator(f"{records}[href='/customers/{theirs['id']}']")).to_have_count(0)
    shots_at_both_sizes(page, shots, "admin-audit-head")
    page.locator(f"{records}[href='/customers/{ours['id']}']").first.click()  # each entry leads to its record
    expect(page).to_have_url(f"{head.server}/customers/{ours['id']}")


def test_the_audit_log_filters_by_record_person_and_days_in_the_users_zone(
        chromium: object, server: str, issuer: str, admin: Session, shots: Path) -> None:
    customer = managed_by(admin, "rep@example.com")
    renamed = admin.graphql(RENAME, input={"id": customer["id"], "version": customer["version"],
                                           "website": "https://audit.example"})["updateCustomer"]
    entry = admin.graphql("""query($id: ID) { auditLog(first: 1, filter: {entity: "customer", entityId: $id}) {
        edges { node { at } } } }""", id=renamed["id"])["auditLog"]["edges"][0]["node"]
    tokyo = ZoneInfo("Asia/Tokyo")
    at = datetime.fromisoformat(entry["at"]).astimezone(tokyo)
    viewer = sign_in(chromium, server, issuer, "admin@example.com", timezone_id="Asia/Tokyo")  # type: ignore[arg-type]
    try:
        page = viewer.page("/admin/audit")
        table = page.locator("table[aria-label='Audit log']")
        page.locator("select[name=entity]").select_option("customer")
        page.locator("select[name=actor]").select_option(label=viewer.graphql("{ me { name } }")["me"]["name"])
        row = table.locator("tbody tr").filter(has=page.locator(f"a[href='/customers/{customer['id']}']")).first
        expect(row).to_contain_text("customer.update")
        # The time as the user's clock shows it (Tokyo, UTC+9), not the stored UTC.
        expect(row.locator("td[data-label=When]")).to_have_text(at.strftime("%d %b %Y, %H:%M"))
        # The entity filter's re-render may land after the row above shows (it is there unfiltered too):
        # wait until the table is no longer stale and no Record cell names another kind, then read them.
        records = table.locator("tbody td[data-label=Record]")
        expect(page.locator(".table-wrap.stale")).to_have_count(0)
        expect(records.filter(has_not=page.locator("a[href^='/customers/']"))).to_have_count(0)
        # Days are the user's days: the entry's own day in Tokyo holds it, the day before does not.
        page.locator("input[name=since]").fill(at.date().isoformat())
        page.locator("input[name=until]").fill(at.date().isoformat())
        expect(row).to_be_visible()
        page.locator("input[name=until]").blur()  # a focused input would be scrolled to when the page narrows
        shots_at_both_sizes(page, shots, "admin-audit-filtered")
        day_before = (at.date() - timedelta(days=1)).isoformat()
        page.locator("input[name=since]").fill(day_before)
        page.locator("input[name=until]").fill(day_before)
        expect(page.get_by_text("No entries match.")).to_be_visible()
        page.locator("input[name=until]").fill(at.date().isoformat())
        row.locator("a").first.click()
        expect(page).to_have_url(f"{server}/customers/{customer['id']}")
    finally:
        viewer.context.close()


def test_a_rep_is_refused_and_keeps_their_own_api_tokens(rep: Session, shots: Path) -> None:
    page = rep.page("/admin/users")
    expect(page.get_by_role("alert")).to_have_text("Not allowed: The Users section is for administrators.")
    expect(page.locator(".sidebar a", has_text="Admin")).to_have_count(0)
    expect(page.locator(".sidebar a", has_text="Settings")).to_have_attribute("href", "/admin/tokens")
    expect(page.locator("h1")).to_have_text("Settings")  # their own settings, not administration
    page.goto(rep.server + "/admin")
    expect(page.get_by_role("alert")).to_contain_text("Not allowed: Administration is for administrators")
    shots_at_both_sizes(page, shots, "admin-refused")

    page.locator(".content").get_by_role("link", name="API tokens").click()
    page.locator("form[aria-label='New token'] input[name=name]").fill("field laptop")
    page.locator("form[aria-label='New token'] button[type=submit]").click()
    secret = page.locator("input[aria-label='New token']")
    expect(secret).to_have_value(re.compile(r"^crm_[0-9a-f]{8}_"))
    token = secret.input_value()
    assert me_by_token(rep.server, token) == {"me": {"email": "rep@example.com"}}
    page.get_by_role("button", name="Done, I copied it").click()
    expect(secret).to_have_count(0)  # shown once: the list shows its prefix only
    row = page.locator("tr[data-token='field laptop']")
    expect(row).to_contain_text(f"crm_{token.split('_')[1]}_…")
    row.get_by_role("button", name="Revoke").click()
    row.get_by_role("button", name="Revoke now").click()
    expect(row).to_have_count(0)
    assert me_by_token(rep.server, token) is None


def me_by_token(server: str, token: str) -> dict[str, object] | None:
    answer = httpx.post(f"{server}/graphql", json={"query": "{ me { email } }"},
                        headers={"Authorization": f"Bearer {token}"}).json()
    return answer.get("data")
