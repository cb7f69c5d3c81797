"""Correcting a logged activity in a real browser: a rep edits a call's notes and outcome on the customer page,
the head's open page of that customer shows the correction at once, marketing (who may correct nothing) sees
no Edit action, and a save on a stale version says so plainly."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import Session, shot, subscribers, wait_for_subscribers

MANAGED = "query($me: [ID!]) { customers(first: 1, filter: {accountManagerId: $me}) { edges { node { id name } } } }"
ME = "query { me { id } }"
LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id version } }"
UPDATE = "mutation($input: UpdateActivityInput!) { updateActivity(input: $input) { id version } }"


def entry(page: Page, activity_id: str) -> Locator:
    return page.locator(f"li.activity[data-activity='{activity_id}']")


def test_a_rep_corrects_a_call_and_open_timelines_follow(rep: Session, head: Session, marketing: Session,
                                                         shots: Path) -> None:
    me = rep.graphql(ME)["me"]["id"]
    customer = rep.graphql(MANAGED, me=[me])["customers"]["edges"][0]["node"]
    call = rep.graphql(LOG, input={"kind": "CALL", "title": "Call about the fleet renewal", "customerId": customer["id"],
                                   "description": "Tlaked about renewal", "outcomeName": "Neutral"})["logActivity"]
    path = f"/customers/{customer['id']}?tab=activities"

    listening = subscribers(rep.server)
    watching = head.page(path)  # the other open page
    expect(entry(watching, call["id"])).to_be_visible()
    page = rep.page(path)
    logged = entry(page, call["id"])
    expect(logged).to_be_visible()
    wait_for_subscribers(rep.server, listening + 4, page)  # both pages follow the timeline (added and updated)

    logged.get_by_role("button", name="Edit").click()
    form = logged.locator("[aria-label='Edit activity'] form")
    expect(form.locator("textarea[name=description]")).to_have_value("Tlaked about renewal")  # prefilled
    expect(form.locator("select[name=outcome]")).to_have_value("Neutral")
    form.locator("textarea[name=description]").fill("Talked about the renewal; they want a quote by Friday")
    form.locator("select[name=outcome]").select_option("Positive")
    shot(page, shots, "activity-edit-form")
    form.get_by_role("button", name="Save changes").click()

    expect(form).to_have_count(0)  # closed once saved
    expect(logged.locator(".muted").first).to_have_text("Talked about the renewal; they want a quote by Friday")
    expect(logged.locator(".badge").first).to_have_text("Positive")
    seen = entry(watching, call["id"])  # live, without a reload
    expect(seen.locator(".muted").first).to_have_text("Talked about the renewal; they want a quote by Friday")
    expect(seen.locator(".badge").first).to_have_text("Positive")
    shot(watching, shots, "activity-edit-live-on-the-heads-page")

    outsider = marketing.page(path)
    expect(entry(outsider, call["id"])).to_be_visible()
    expect(outsider.get_by_role("button", name="Edit")).to_have_count(0)
    shot(outsider, shots, "activity-edit-none-for-marketing")

    # A stale save: the head corrects the call while the rep's form is open.
    logged.get_by_role("button", name="Edit").click()
    form = logged.locator("[aria-label='Edit activity'] form")
    expect(form.locator("select[name=outcome]")).to_have_value("Positive")
    head.graphql(UPDATE, input={"id": call["id"], "version": call["version"] + 1, "title": "Call about the renewal"})
    form.locator("textarea[name=description]").fill("Quote promised for Friday")
    form.get_by_role("button", name="Save changes").click()
    edit = page.locator("[aria-label='Edit activity']")
    expect(edit.get_by_role("alert")).to_contain_text("Someone else saved this activity while you were editing")
    expect(form.locator("textarea[name=description]")).to_have_value("Quote promised for Friday")  # kept
    shot(page, shots, "activity-edit-conflict")
    form.get_by_role("button", name="Save changes").click()  # now knowingly, on their version
    expect(logged.locator(".activity-title")).to_have_text("Call about the renewal")  # their correction stays
    expect(logged.locator(".muted").first).to_have_text("Quote promised for Friday")
    expect(seen.locator(".muted").first).to_have_text("Quote promised for Friday")


LINKS = """query($id: ID!) { customer(id: $id) { contacts { id } deals { id owner { id } stage { kind } } } }"""


def test_the_deal_and_contact_timelines_offer_the_same_correction(rep: Session, shots: Path) -> None:
    me = rep.graphql(ME)["me"]["id"]
    customer = rep.graphql(MANAGED, me=[me])["customers"]["edges"][0]["node"]
    links = rep.graphql(LINKS, id=customer["id"])["customer"]
    contact = links["contacts"][0]
    deal = next(d for d in links["deals"] if d["stage"]["kind"] == "OPEN")
    # Logged through the deal page's form, which shares its controls with the correcting one.
    page = rep.page(f"/deals/{deal['id']}")
    page.get_by_role("button", name="+ Log activity").click()
    log = page.locator("[aria-label='Log activity'] form")
    log.locator("select[name=kind]").select_option("email")
    log.locator("input[name=title]").fill("Sent the pricing sheet")
    log.locator("select[name=contactId]").select_option(contact["id"])
    log.locator("textarea[name=description]").fill("With the volume discount")
    log.get_by_role("button", name="Save activity").click()
    logged = page.locator("li.activity", has=page.locator(".activity-title", has_text="Sent the pricing sheet"))
    expect(logged.locator(".muted").first).to_have_text("With the volume discount")
    activity_id = logged.get_attribute("data-activity")
    assert activity_id

    for path, title in ((f"/deals/{deal['id']}", "Sent the pricing sheet v2"),
                        (f"/contacts/{contact['id']}", "Sent the pricing sheet v3")):
        page = rep.page(path)
        logged = entry(page, activity_id)
        logged.get_by_role("button", name="Edit").click()
        form = logged.locator("[aria-label='Edit activity'] form")
        form.locator("input[name=title]").fill(title)
        shot(page, shots, f"activity-edit-on-{path.split('/')[1]}")
        form.get_by_role("button", name="Save changes").click()
        expect(logged.locator(".activity-title")).to_have_text(title)  # live: activityUpdated reloads the page
        expect(form).to_have_count(0)
        expect(logged.locator(".muted").first).to_have_text("With the volume discount")  # not sent, kept
