"""Activity outcomes as a list admins keep, in a real browser: an admin adds and archives outcomes on
/admin/pick-lists, a rep's open log-activity form follows at once, the activity shows the outcome it was
given, and activities that carry an archived outcome keep showing it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot, shot_sizes, subscribers, wait_for_subscribers

VISIBLE = "query { customers(first: 1) { edges { node { id name } } } }"
OUTCOMES = "query { pickList(list: ACTIVITY_OUTCOME, includeArchived: true) { id label archived version } }"
WITH_NEUTRAL = """query { activities(first: 1, filter: {outcomeName: ["Neutral"]}) {
  edges { node { title customer { id } } } } }"""
UPDATE = "mutation($input: UpdatePickListItemInput!) { updatePickListItem(input: $input) { id } }"


def outcome_item(admin: Session, label: str) -> dict[str, object] | None:
    return next((i for i in admin.graphql(OUTCOMES)["pickList"] if i["label"] == label), None)


def set_archived(admin: Session, label: str, archived: bool) -> None:
    item = outcome_item(admin, label)
    if item is not None and item["archived"] != archived:
        admin.graphql(UPDATE, input={"id": item["id"], "version": item["version"], "archived": archived})


def test_an_admin_keeps_the_outcomes_and_the_log_form_follows(admin: Session, rep: Session, shots: Path) -> None:
    customer = rep.graphql(VISIBLE)["customers"]["edges"][0]["node"]
    neutral = admin.graphql(WITH_NEUTRAL)["activities"]["edges"][0]["node"]  # the demo's, before the archive
    listening = subscribers(rep.server)
    page = rep.page(f"/customers/{customer['id']}")
    expect(page.locator("h1")).to_have_text(customer["name"])
    page.get_by_role("button", name="+ Log activity").click()
    form = page.locator("[aria-label='Log activity'] form")
    outcome = form.locator("select[name=outcome]")
    expect(outcome.locator("option")).to_have_text(["—", "Positive", "Neutral", "Negative"])  # m0042's values
    wait_for_subscribers(rep.server, listening + 1, page)  # the form follows the lists

    try:
        admin_page = admin.page("/admin/pick-lists")
        outcomes = admin_page.locator("section[aria-label='Activity outcomes']")
        outcomes.locator("form.form-row input[name=label]").fill("Follow-up booked")
        outcomes.get_by_role("button", name="Add outcome").click()
        expect(outcomes.locator("li[data-outcome='Follow-up booked']")).to_be_visible()
        outcomes.locator("li[data-outcome='Neutral']").get_by_role("button", name="Archive").click()
        expect(outcomes.locator("li[data-outcome='Neutral'] .badge")).to_have_text("Archived")
        outcomes.scroll_into_view_if_needed()
        shot_sizes(admin_page, shots, "admin-activity-outcomes")

        # Live in the rep's open form: the new value offered, the archived one no longer.
        expect(outcome.locator("option")).to_have_text(["—", "Positive", "Negative", "Follow-up booked"])
        form.locator("select[name=kind]").select_option("call")
        form.locator("input[name=title]").fill("Demo of the fleet dashboard")
        outcome.select_option("Follow-up booked")
        form.locator("button[type=submit]").click()
        logged = page.locator("li.activity", has=page.locator(".activity-title", has_text="Demo of the fleet dashboard"))
        expect(logged.locator(".badge").first).to_have_text("Follow-up booked")
        shot(page, shots, "activity-outcome-logged")

        # An activity that had the now archived outcome keeps showing it.
        older = admin.page(f"/customers/{neutral['customer']['id']}?tab=activities")
        kept = older.locator("li.activity", has=older.locator(".activity-title", has_text=neutral["title"])).first
        expect(kept.locator(".badge-neutral")).to_have_text("Neutral")
        shot(older, shots, "activity-outcome-archived-kept")
    finally:
        set_archived(admin, "Neutral", False)
        set_archived(admin, "Follow-up booked", True)
