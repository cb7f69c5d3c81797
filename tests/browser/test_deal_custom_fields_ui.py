"""Deals and activities carry their custom fields in a real browser: the deal form edits a deal's fields and the
deal page shows them under Details; the log-activity form asks for the activities' fields; and a deal moves to
another pipeline from its page (pipeline, then stage), its history and header following."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot_sizes
from tests.browser.test_custom_field_filters_ui import archive_afterwards  # noqa: F401  (a fixture)

DEFINE = "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id } }"
PIPELINE = "mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id stages { id name } } }"
STAGE = "mutation($input: CreateStageInput!) { createStage(input: $input) { id } }"
OPEN_DEAL = """{ deals(first: 1, filter: {stageKind: [OPEN]}, orderBy: {field: AMOUNT, direction: DESC}) {
  edges { node { id title stage { name } pipeline { name } } } } }"""
ACTIVITIES = """query($id: ID!) { activities(first: 5, filter: {dealId: $id}) {
  edges { node { title customFields { key text } } } } }"""
DEAL = "query($id: ID!) { deal(id: $id) { pipeline { name } stage { name } customFields { key number text } } }"


def test_a_deal_shows_and_edits_its_fields_logs_activity_fields_and_moves_to_another_pipeline(
        admin: Session, shots: Path, archive_afterwards: Callable[[str, str], None]) -> None:  # noqa: F811
    for entity, key in (("DEAL", "vehicles_quoted"), ("DEAL", "contract_kind"), ("ACTIVITY", "meeting_channel")):
        archive_afterwards(entity, key)
    admin.graphql(DEFINE, input={"entity": "DEAL", "key": "vehicles_quoted", "label": "Vehicles quoted",
                                 "type": "NUMBER", "helpText": "Trucks in the offer"})
    admin.graphql(DEFINE, input={"entity": "DEAL", "key": "contract_kind", "label": "Contract kind", "type": "SELECT",
                                 "options": ["Lease", "Purchase"]})
    admin.graphql(DEFINE, input={"entity": "ACTIVITY", "key": "meeting_channel", "label": "Channel", "type": "SELECT",
                                 "options": ["Phone", "Video", "On site"]})
    made = admin.graphql(PIPELINE, input={"name": "Fleet renewals"})["createPipeline"]
    admin.graphql(STAGE, input={"pipelineId": made["id"], "name": "Renewal offer", "probability": 70})
    deal = admin.graphql(OPEN_DEAL)["deals"]["edges"][0]["node"]

    page = admin.page(f"/deals/{deal['id']}")
    expect(page.locator("h1")).to_have_text(deal["title"])
    details = page.locator("[aria-label=Details]")
    expect(details.locator("dd[data-custom-field=vehicles_quoted]")).to_have_text("–")
    page.get_by_role("button", name="Edit", exact=True).click()
    edit = page.locator("[aria-label='Edit deal']")
    edit.locator("input[name='customFields.vehicles_quoted']").fill("1e20")
    edit.get_by_role("button", name="Save changes").click()
    expect(edit.locator("[data-custom-field=vehicles_quoted] .field-error")).to_contain_text("must be between")
    edit.locator("input[name='customFields.vehicles_quoted']").fill("24")
    edit.locator("select[name='customFields.contract_kind']").select_option("Lease")
    edit.get_by_role("button", name="Save changes").click()
    expect(edit).to_have_count(0)
    expect(details.locator("dd[data-custom-field=vehicles_quoted]")).to_have_text("24")
    expect(details.locator("dd[data-custom-field=contract_kind]")).to_have_text("Lease")
    stored = {v["key"]: v["number"] or v["text"] for v in admin.graphql(DEAL, id=deal["id"])["deal"]["customFields"]}
    assert (stored["vehicles_quoted"], stored["contract_kind"]) == (24, "Lease")

    page.get_by_role("button", name="+ Log activity").click()
    log = page.locator("[aria-label='Log activity']")
    log.locator("input[name=title]").fill("Walked through the lease terms")
    log.locator("select[name='customFields.meeting_channel']").select_option("Video")
    log.get_by_role("button", name="Save activity").click()
    expect(log).to_have_count(0)
    logged = [e["node"] for e in admin.graphql(ACTIVITIES, id=deal["id"])["activities"]["edges"]]
    walked = next(a for a in logged if a["title"] == "Walked through the lease terms")
    assert {v["key"]: v["text"] for v in walked["customFields"]}["meeting_channel"] == "Video"

    page.get_by_role("button", name="Move to pipeline").click()
    mover = page.locator("[aria-label='Move to another pipeline']")
    mover.locator("select[name=pipelineId]").select_option(label="Fleet renewals")
    mover.locator("select[name=stageId]").select_option(label="Renewal offer (70 %)")
    shot_sizes(page, shots, "deal-custom-fields")
    mover.get_by_role("button", name="Move to Fleet renewals").click()
    expect(mover).to_have_count(0)
    expect(page.locator(".hero-meta")).to_contain_text("Fleet renewals pipeline")
    expect(page.locator(".hero .badge").first).to_have_text("Renewal offer")
    expect(page.locator("[aria-label=History] li.stage-change").first).to_contain_text(
        re.compile(f"{re.escape(deal['stage']['name'])}.*Renewal offer|Renewal offer"))
    moved = admin.graphql(DEAL, id=deal["id"])["deal"]
    assert (moved["pipeline"]["name"], moved["stage"]["name"]) == ("Fleet renewals", "Renewal offer")
