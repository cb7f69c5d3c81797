"""Campaign mail in a real browser: the Share dialog, the live Sends list, a contact's consent card, and
the public /u/{token} preferences page (anonymous), at desktop and phone sizes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.helpers import LIVE_PER_PAGE, VIEWPORT, Session, shot_sizes, subscribers, wait_for_subscribers
from tests.mailserver import smtp_server
from tests.servers import ROOT

CREATE = """mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id code title } }"""
STATUS = """mutation($input: ChangeCampaignStatusInput!) { changeCampaignStatus(input: $input) { version } }"""
CONTACTS = "query { contacts(first: 20) { edges { node { id name email } } } }"
MARK = "mutation($input: SetMailConsentInput!) { setMailConsent(input: $input) { id } }"
SENDS = "query($id: ID!) { campaign(id: $id) { sendCounts { sent queued } } }"


def _worker_once(data_dir: Path, smtp_url: str, campaign_id: str, marketing: Session) -> None:
    """A `crm worker` of its own (the test server runs no jobs) delivers the queued mail, then stops."""
    env = {**os.environ, "CRM_DATA_DIR": str(data_dir), "CRM_DATABASE_URL": f"sqlite://{data_dir}/crm.sqlite3",
           "CRM_SMTP_URL": smtp_url, "CRM_JOBS_POLL_SECONDS": "0.1"}
    env.pop("CRM_TEST_DATABASE_URL", None)
    log = (data_dir / "mail-worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        # The demo data's reminders go out first (jobs run in the order they fell due).
        deadline = time.monotonic() + 180
        while marketing.graphql(SENDS, id=campaign_id)["campaign"]["sendCounts"]["queued"]:
            assert time.monotonic() < deadline, "the worker did not deliver the queued mail"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        log.close()


def test_share_dialog_sends_list_and_preferences_page(
    marketing: Session, chromium: Browser, data_dir: Path, shots: Path
) -> None:
    campaign = marketing.graphql(CREATE, input={"title": "Winter maintenance offer", "type": "PROMOTION",
                                                "visibility": "PUBLIC", "description": "20 % off this winter."})["createCampaign"]
    for version, status in ((1, "NEW"), (2, "ACTIVE")):
        marketing.graphql(STATUS, input={"id": campaign["id"], "version": version, "status": status})
    people = [e["node"] for e in marketing.graphql(CONTACTS)["contacts"]["edges"] if e["node"]["email"]]
    yes = people[0]
    never = next(p for p in people if yes["name"] not in p["name"] and p["name"] not in yes["name"])
    marketing.graphql(MARK, input={"contactId": yes["id"], "subscribed": True, "note": "asked at the fair"})

    before = subscribers(marketing.server)
    page = marketing.page(f"/campaigns/{campaign['id']}")
    expect(page.locator("h1")).to_have_text(campaign["title"])
    expect(page.locator("[aria-label=Sends]")).to_be_visible()
    wait_for_subscribers(marketing.server, before + LIVE_PER_PAGE + 1, page)  # the sends stream too
    page.click("button:has-text('Share')")
    dialog = page.locator("[role=dialog][aria-label='Share this campaign']")
    for picked, person in enumerate((yes, never), start=1):
        dialog.locator("input[aria-label='Find contact']").fill(person["name"])
        dialog.locator("[aria-label='Matching contacts'] button", has_text=person["name"]).first.click()
        expect(dialog.locator("[aria-label='Picked contacts'] .chip")).to_have_count(picked)
        expect(dialog.locator("[aria-label='Picked contacts']")).to_contain_text(person["name"])
    dialog.locator("#share-note").fill("Thought this might interest you.")
    shot_sizes(page, shots, "share-dialog")
    dialog.locator("button:has-text('Send now')").click()
    expect(dialog.locator("[data-testid=share-result]")).to_contain_text("1 mail on the way")
    expect(dialog.locator("[data-testid=share-result]")).to_contain_text("1 left out")
    sends = page.locator("table[aria-label='Sends list']")
    # Live: the share's event reloads the list without a click.
    expect(sends.locator("tbody tr", has_text=yes["email"].lower())).to_contain_text("Queued")
    expect(sends.locator("tbody tr", has_text=never["email"].lower())).to_contain_text("No consent")

    with smtp_server() as (inbox, url):
        _worker_once(data_dir, url, campaign["id"], marketing)
        [mail] = inbox.to(yes["email"].lower())
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page.reload()
    sends = page.locator("table[aria-label='Sends list']")
    expect(sends.locator("tbody tr", has_text=yes["email"].lower())).to_contain_text("Sent")
    page.click("[aria-label='Filter sends'] button:has-text('No consent')")
    expect(sends.locator("tbody tr")).to_have_count(1)
    page.click("[aria-label='Filter sends'] button:has-text('All')")
    expect(sends.locator("tbody tr")).to_have_count(2)
    page.locator("[aria-label=Sends]").scroll_into_view_if_needed()
    shot_sizes(page, shots, "campaign-sends")

    # The person opens the unsubscribe link from the mail: no account, no cookie.
    link = mail["List-Unsubscribe"].strip("<>").removesuffix("/unsubscribe")
    visitor = chromium.new_context(viewport=VIEWPORT)
    public = visitor.new_page()
    public.goto(link + "?unsubscribe=1")
    expect(public.locator("h1")).to_have_text("Unsubscribe?")
    shot_sizes(public, shots, "preferences-unsubscribe")
    public.click("button:has-text('Unsubscribe from marketing email')")
    expect(public.locator(".flash")).to_contain_text("You are unsubscribed")
    expect(public.locator("button:has-text('Subscribe again')")).to_be_visible()
    shot_sizes(public, shots, "preferences-unsubscribed")
    visitor.close()

    contact = marketing.page(f"/contacts/{yes['id']}")
    card = contact.locator("[aria-label='Marketing email']")
    expect(card.locator("[data-testid=consent-state]")).to_contain_text("Unsubscribed")
    expect(card.locator("[aria-label='Consent history'] li")).to_have_count(2)
    expect(card.locator("[aria-label='Consent history']")).to_contain_text("unsubscribe link in an email")
    expect(card.locator("[aria-label='Consent history']")).to_contain_text("asked at the fair")
    card.scroll_into_view_if_needed()
    shot_sizes(contact, shots, "contact-consent")
