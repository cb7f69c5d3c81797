"""Editable workflows in a real browser: a sales head keeps the lost reasons and shapes a pipeline's stages
(never the pipelines themselves) from /admin."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes, subscribers, wait_for_subscribers

STAGES = "{ pipelines { id name isDefault stages { name } } }"


def test_a_head_edits_lost_reasons_and_a_pipelines_stages(head: Session, shots: Path) -> None:
    page = head.page("/admin")
    expect(page.locator(".admin-tabs .tab.active")).to_have_text("Pipelines")
    expect(page.get_by_role("button", name="+ New pipeline")).to_have_count(0)  # pipelines stay the admins'
    expect(page.locator("form[aria-label='Rename pipeline']")).to_have_count(0)

    new = page.locator("form[aria-label='New stage']")
    new.locator("input[name=name]").fill("Head's review")
    new.locator("input[name=probability]").fill("35")
    new.get_by_role("button", name="Add stage").click()
    row = page.locator("li[data-stage=\"Head's review\"]")
    expect(row).to_be_visible()
    row.locator("input[name=name]").fill("Head review")
    row.locator("input[name=probability]").fill("45")
    row.get_by_role("button", name="Save").click()
    renamed = page.locator("li[data-stage='Head review']")
    expect(renamed.locator("input[name=probability]")).to_have_value("45")
    renamed.get_by_role("button", name="Move Head review up").click()
    page.evaluate("window.scrollTo(0, 0)")
    default = next(p for p in head.graphql(STAGES)["pipelines"] if p["isDefault"])
    names = [s["name"] for s in default["stages"]]
    assert "Head review" in names and names.index("Head review") < names.index("Won")
    shot_sizes(page, shots, "admin-stages-head")

    page.locator(".admin-tabs .tab", has_text="Lost reasons").click()
    reasons = page.locator("section[aria-label='Lost reasons']")
    reasons.locator("form.form-row input[name=name]").fill("Budget moved to next year")
    reasons.get_by_role("button", name="Add reason").click()
    reason = reasons.locator("li[data-reason='Budget moved to next year']")
    expect(reason).to_be_visible()
    reason.get_by_role("button", name="Rename").click()
    reason.locator("input[name=name]").fill("Budget moved to next quarter")
    reason.get_by_role("button", name="Save").click()
    moved = reasons.locator("li[data-reason='Budget moved to next quarter']")
    expect(moved).to_be_visible()
    moved.get_by_role("button", name="Archive").click()
    expect(moved.locator(".badge")).to_have_text("Archived")
    shot_sizes(page, shots, "admin-lost-reasons-head")


MANAGED = """{ me { id } customers(first: 100, orderBy: {field: NAME}) {
  edges { node { id name status industry accountManager { id } } } } }"""
CUSTOMER = "query($id: ID!) { customer(id: $id) { status allowedStatuses } }"


def managed(rep: Session, status: str | None = None) -> dict:
    data = rep.graphql(MANAGED)
    return next(e["node"] for e in data["customers"]["edges"]
                if (e["node"]["accountManager"] or {}).get("id") == data["me"]["id"]
                and (status is None or e["node"]["status"] == status))


def test_an_admin_keeps_industries_and_open_customer_forms_follow(admin: Session, rep: Session, shots: Path) -> None:
    customer = managed(rep)
    edit = rep.page(f"/customers/{customer['id']}")
    expect(edit.get_by_role("button", name="Edit", exact=True)).to_be_visible()
    listening = subscribers(rep.server)
    edit.get_by_role("button", name="Edit", exact=True).click()
    industry = edit.locator("form select[name=industry]")
    expect(industry.locator("option", has_text="Rail")).to_have_count(1)  # the migration's common values
    wait_for_subscribers(rep.server, listening + 1, edit)  # the form follows the lists

    page = admin.page("/admin/pick-lists")
    industries = page.locator("section[aria-label='Industries']")
    industries.locator("form.form-row input[name=label]").fill("Shipbuilding")
    industries.get_by_role("button", name="Add industry").click()
    expect(industries.locator("li[data-industry='Shipbuilding']")).to_be_visible()
    industries.locator("li[data-industry='Healthcare']").get_by_role("button", name="Archive").click()
    expect(industries.locator("li[data-industry='Healthcare'] .badge")).to_have_text("Archived")
    shot_sizes(page, shots, "admin-pick-lists")

    expect(industry.locator("option", has_text="Shipbuilding")).to_have_count(1)  # live in the rep's open form
    expect(industry.locator("option", has_text="Healthcare")).to_have_count(
        1 if customer["industry"] == "Healthcare" else 0)  # a customer keeps its own, archived or not
    industry.select_option("Shipbuilding")
    edit.click("button:has-text('Save changes')")
    expect(edit.locator(".hero .hero-meta").first).to_contain_text("Shipbuilding")
    industries.locator("li[data-industry='Healthcare']").get_by_role("button", name="Restore").click()
    expect(industries.locator("li[data-industry='Healthcare'] .badge")).to_have_count(0)


def test_an_admin_forbids_a_status_step_and_the_status_dialog_follows(admin: Session, rep: Session,
                                                                      shots: Path) -> None:
    page = admin.page("/admin/workflows")
    customers = page.locator("section[aria-label='Customers workflow']")
    step = customers.get_by_role("checkbox", name="Customers: Prospect to Churned")
    expect(step).to_be_checked()
    prospect = managed(rep, "PROSPECT")
    assert "CHURNED" in rep.graphql(CUSTOMER, id=prospect["id"])["customer"]["allowedStatuses"]
    try:
        step.click()
        expect(customers.locator(".notice")).to_contain_text("Prospect → Churned no longer allowed")
        expect(step).not_to_be_checked()
        shot_sizes(page, shots, "admin-workflows")
        allowed = rep.graphql(CUSTOMER, id=prospect["id"])["customer"]["allowedStatuses"]
        assert "CHURNED" not in allowed and "ACTIVE" in allowed

        status = rep.page(f"/customers/{prospect['id']}")
        status.get_by_role("button", name="Change status").click()
        offered = status.locator("[aria-label='Change status'] select[name=status] option")
        expect(offered).to_have_text(["Active", "Inactive", "Blocked"])  # no Churned
    finally:
        admin.graphql("mutation($input: SetStatusTransitionInput!) { setStatusTransition(input: $input) { entity } }",
                      input={"entity": "CUSTOMER", "from": "PROSPECT", "to": "CHURNED", "allowed": True})
