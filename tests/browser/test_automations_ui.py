"""Automations in a real browser: the admin's Automations section (switch a rule off and on, edit its task), the
pipeline admin's "Needs a next step" flag, and the next-step dialog a flagged stage opens on the board (drag and
drop, and the card's stage select), which moves the deal and creates its task together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, drag_card, shot_sizes, wait_for_subscribers

RULES = "{ automationRules { id key enabled titleTemplate version } }"
DEAL = "query($id: ID!) { deal(id: $id) { stage { name } version } }"
TASKS = ("query($id: ID!) { activities(first: 10, filter: {dealId: $id, kind: [TASK]}) "
         "{ edges { node { title assignee { email } } } } }")


def rule(admin: Session, key: str) -> dict[str, Any]:
    return next(r for r in admin.graphql(RULES)["automationRules"] if r["key"] == key)


def test_the_admin_switches_and_edits_rules(admin: Session, shots: Path) -> None:
    page = admin.page("/admin/automations")
    card = page.locator("[data-rule=new_contact_call]")
    expect(card.get_by_role("heading", name="Call a new contact")).to_be_visible()
    expect(page.locator("[data-rule]")).to_have_count(3)
    shot_sizes(page, shots, "admin-automations")

    card.get_by_role("switch").click()
    expect(card.get_by_role("switch")).to_have_attribute("aria-checked", "false")
    expect(card.locator(".badge")).to_have_text("Off")
    assert rule(admin, "new_contact_call")["enabled"] is False
    card.get_by_role("switch").click()
    expect(card.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    assert rule(admin, "new_contact_call")["enabled"] is True

    title = card.get_by_label("Task title of Call a new contact")
    title.fill("Phone {nobody}")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".field-error")).to_contain_text("no placeholder of this rule")
    title.fill("Phone {contact} today")
    card.get_by_role("button", name="Save").click()
    expect(card.get_by_role("status")).to_have_text("Saved")
    assert rule(admin, "new_contact_call")["titleTemplate"] == "Phone {contact} today"
    # The audit log names what happened.
    log = admin.page("/admin/audit")
    expect(log.get_by_text("automation_rule.update").first).to_be_visible()


def flagged_pipeline(admin: Session, name: str) -> tuple[str, str]:
    """A pipeline with the open stage "Proposal" that needs a next step, and a deal of the admin in "New"."""
    pipeline = admin.graphql("mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }",
                             input={"name": name})["createPipeline"]
    admin.graphql("mutation($input: CreateStageInput!) { createStage(input: $input) { id } }",
                  input={"pipelineId": pipeline["id"], "name": "Proposal", "probability": 40, "position": 1,
                         "requiresNextStep": True})
    customer = admin.graphql("mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                             input={"name": f"{name} Customer", "email": f"{name.lower()}@example.com",
                                    "status": "ACTIVE"})["createCustomer"]
    deal = admin.graphql("mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }",
                         input={"customerId": customer["id"], "title": f"{name} deal", "pipelineId": pipeline["id"],
                                "amount": 1_250_000})["createDeal"]
    return pipeline["id"], deal["id"]


def test_the_pipeline_admin_flags_a_stage(admin: Session, shots: Path) -> None:
    pipeline_id, _ = flagged_pipeline(admin, "Flagging")
    page = admin.page("/admin/pipelines")
    page.get_by_label("Pipeline", exact=True).select_option(label="Flagging")
    box = page.get_by_label("Proposal needs a next step")
    expect(box).to_be_checked()
    shot_sizes(page, shots, "admin-pipeline-next-step")
    box.uncheck()
    page.locator("li[data-stage=Proposal]").get_by_role("button", name="Save").click()
    expect(page.get_by_label("Proposal needs a next step")).not_to_be_checked()

    def flags() -> dict[str, bool]:
        stages = admin.graphql("{ pipelines { id stages { name requiresNextStep } } }")["pipelines"]
        return {s["name"]: s["requiresNextStep"] for p in stages if p["id"] == pipeline_id for s in p["stages"]}

    # The box shows unticked as soon as it is clicked; the save reaches the server a moment later.
    for _ in range(100):
        if not flags()["Proposal"]:
            break
        page.wait_for_timeout(50)  # yields to the browser between polls of the condition
    assert flags() == {"New": False, "Proposal": False, "Won": False, "Lost": False}
    expect(page.get_by_label("Won needs a next step")).to_be_disabled()


def test_a_move_into_a_flagged_stage_asks_for_the_next_step(admin: Session, shots: Path) -> None:
    pipeline_id, deal_id = flagged_pipeline(admin, "Stepping")
    page = admin.page(f"/pipeline?pipeline={pipeline_id}")
    card = page.locator(f"[data-deal='{deal_id}']")
    expect(card).to_be_visible()

    # Drag and drop: the dialog asks; cancelling leaves the deal where it was.
    drag_card(page, card, page.locator("section[data-stage='Proposal'] .column-head"))
    dialog = page.get_by_role("dialog", name="Next step for Stepping deal")
    expect(dialog).to_be_visible()
    shot_sizes(page, shots, "next-step-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert admin.graphql(DEAL, id=deal_id)["deal"]["stage"]["name"] == "New"

    # The card's select asks the same; an empty title is refused next to its field.
    card.locator("select").select_option(label="Move to Proposal")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Next step", exact=True).fill("")
    dialog.get_by_role("button", name="Move to Proposal").click()
    expect(dialog.locator(".field-error").first).to_have_text("is required")
    dialog.get_by_label("Next step", exact=True).fill("Send the offer")
    dialog.get_by_role("button", name="Move to Proposal").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(f"section[data-stage='Proposal'] [data-deal='{deal_id}']")).to_be_visible()
    tasks = [e["node"] for e in admin.graphql(TASKS, id=deal_id)["activities"]["edges"]]
    assert [(t["title"], t["assignee"]["email"]) for t in tasks] == [("Send the offer", "admin@example.com")]


def test_a_new_contacts_call_task_shows_live_on_supports_task_list(support: Session, admin: Session) -> None:
    page = support.page("/tasks?view=week")
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    wait_for_subscribers(support.server, LIVE_PER_PAGE, page)  # the bell and the list's own
    admin.graphql("mutation($input: CreateContactInput!) { createContact(input: $input) { id } }",
                  input={"name": "Lotte Live", "email": "lotte.live@example.com"})
    expect(page.locator("tr", has_text="Lotte Live")).to_be_visible()  # no reload: it came with its notification
