"""Deals in a real browser: a rep creates a deal from the board and edits it on its page (errors next to the
field), drags it through the stages and loses it with a reason from the admins' list; a head reassigns a
deal within the team; support sees deals but no control that changes them, and the API refuses them too."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import LIVE_PER_PAGE, Session, drag_card, resized, shot, subscribers, wait_for_subscribers

MANAGED = """query($email: String!) {
  users(first: 1, filter: {search: $email}) { edges { node { id } } }
}"""
CUSTOMERS = "{ customers(first: 100) { edges { node { id name accountManager { email } } } } }"
DEAL = """query($id: ID!) { deal(id: $id) {
  id title version probability lostReason lostReasonChoice { name } amount { amount currency } stage { name }
  owner { email } } }"""
OPEN_DEALS = """query($owner: [ID!]) {
  deals(first: 50, filter: {ownerId: $owner, stageKind: [OPEN]}, orderBy: {field: AMOUNT, direction: DESC}) {
    edges { node { id title version stage { name } customer { id name } owner { email } } } } }"""
MOVE = "mutation($input: MoveDealInput!) { moveDeal(input: $input) { id } }"
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


def both_sizes(page: Page, shots: Path, name: str) -> None:
    """The screen as a salesperson sees it at a desk and on a phone."""
    resized(page, DESKTOP)
    shot(page, shots, name)
    resized(page, PHONE)
    shot(page, shots, f"{name}-phone")
    resized(page, DESKTOP)


def user_id(session: Session, email: str) -> str:
    return session.graphql(MANAGED, email=email)["users"]["edges"][0]["node"]["id"]


def managed_by(session: Session, email: str) -> dict:
    nodes = [e["node"] for e in session.graphql(CUSTOMERS)["customers"]["edges"]]
    return next(n for n in nodes if (n["accountManager"] or {}).get("email") == email)


def settled_board(session: Session, path: str = "/pipeline") -> Page:
    """The board once its live subscriptions are registered: each refetches the board as it registers, and a
    click or a keystroke sent while that re-render is on its way can land on a control being replaced."""
    before = subscribers(session.server)
    page = session.page(path)
    expect(page.locator("section[data-stage='New']")).to_be_visible()
    wait_for_subscribers(session.server, before + LIVE_PER_PAGE, page)
    return page


def test_a_rep_creates_a_deal_on_the_board_and_edits_it_on_its_page(rep: Session, shots: Path) -> None:
    customer = managed_by(rep, "rep@example.com")
    page = settled_board(rep)
    page.get_by_role("button", name="+ New deal").click()
    form = page.locator("[aria-label='New deal']")
    form.get_by_role("button", name="Create deal").click()
    expect(form.locator("label.field", has=page.locator("[aria-label='Find customer']"))).to_contain_text(
        "Pick the customer")
    form.get_by_label("Find customer").fill(customer["name"][:6])
    form.get_by_role("list", name="Matching customers").get_by_role("button").filter(
        has_text=customer["name"]).first.click()
    expect(form.locator(".picked")).to_contain_text(customer["name"])
    form.locator("input[name=amount]").fill("12,500")
    form.get_by_role("button", name="Create deal").click()
    title = form.locator("label.field", has=page.locator("input[name=title]"))
    expect(title.locator(".field-error")).to_have_text("is required and may not be empty")  # the API's words
    shot(page, shots, "deal-create-error")
    form.locator("input[name=title]").fill("Rail fleet telemetry pilot")
    form.get_by_role("button", name="Create deal").click()

    expect(page.locator("h1")).to_have_text("Rail fleet telemetry pilot")
    assert "/deals/" in page.url
    expect(page.get_by_test_id("deal-amount")).to_have_text("EUR 12,500")
    expect(page.get_by_test_id("deal-owner")).to_have_text(rep.graphql("{ me { name } }")["me"]["name"])
    page.get_by_role("button", name="Edit").click()
    edit = page.locator("[aria-label='Edit deal']")
    edit.locator("input[name=probability]").fill("150")
    edit.get_by_role("button", name="Save changes").click()
    probability = edit.locator("label.field", has=page.locator("input[name=probability]"))
    expect(probability.locator(".field-error")).to_contain_text("100")  # the server's rule, under its field
    edit.locator("input[name=probability]").fill("35")
    edit.locator("input[name=amount]").fill("14000.50")
    edit.locator("input[name=expectedCloseDate]").fill("2030-03-31")
    edit.get_by_role("button", name="Save changes").click()
    expect(edit).to_have_count(0)
    expect(page.get_by_test_id("deal-amount")).to_have_text("EUR 14,000.50")
    expect(page.locator(".stat", has_text="Expected close")).to_contain_text("31 Mar 2030")
    page.get_by_label("Note", exact=True).fill("Budget is signed off in March.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("[aria-label=Notes] .note")).to_contain_text("Budget is signed off in March.")
    expect(page.locator("[aria-label=History] li.stage-change")).to_have_count(1)
    edits = page.locator("[aria-label=History] li.field-change")  # newest first, each "what: before → after"
    expect(edits).to_have_count(3)
    expect(edits.filter(has_text="Amount")).to_contain_text("Amount: €12,500.00 → €14,000.50")
    expect(edits.filter(has_text="Probability")).to_contain_text("Probability: 10 % → 35 %")
    expect(edits.filter(has_text="Expected close")).to_contain_text("Expected close: – → 31 Mar 2030")
    both_sizes(page, shots, "deal")


def test_a_deal_opened_from_the_customers_deals_tab(rep: Session) -> None:
    customer = managed_by(rep, "rep@example.com")
    page = rep.page(f"/customers/{customer['id']}?tab=deals")
    page.get_by_role("button", name="+ New deal").click()
    form = page.locator("[aria-label='New deal']")
    expect(form.locator(".field-static")).to_have_text(customer["name"])  # the tab's customer, no picker
    form.locator("input[name=title]").fill("Spare parts framework")
    form.get_by_role("button", name="Create deal").click()
    expect(page.locator("h1")).to_have_text("Spare parts framework")
    page.get_by_role("link", name=customer["name"]).first.click()
    page.get_by_role("tab", name="Deals").click()
    page.get_by_role("link", name="Spare parts framework").click()
    expect(page.locator("h1")).to_have_text("Spare parts framework")


def test_a_rep_drags_a_deal_through_the_stages_and_loses_it_with_a_listed_reason(rep: Session, shots: Path) -> None:
    mine = user_id(rep, "rep@example.com")
    deal = next(d for d in rep.graphql(OPEN_DEALS, owner=[mine])["deals"]["edges"]
                if d["node"]["stage"]["name"] == "New")["node"]
    page = settled_board(rep, "/pipeline?mine=1")
    card = page.locator(f"[data-deal='{deal['id']}']")
    expect(card).to_be_visible()
    drag_card(page, card, page.locator("section[data-stage='Qualified'] .column-head"))
    expect(page.locator(f"section[data-stage='Qualified'] [data-deal='{deal['id']}']")).to_be_visible()
    assert rep.graphql(DEAL, id=deal["id"])["deal"]["stage"]["name"] == "Qualified"

    lost = page.locator("section[data-stage='Lost']")
    expect(lost).to_have_class("column folded")  # closed stages take a narrow strip until opened
    drag_card(page, page.locator(f"[data-deal='{deal['id']}']"), lost.locator(".column-head"))
    dialog = page.get_by_role("dialog", name=f"Mark {deal['title']} as lost")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(dialog.locator("label.field", has=page.locator("[name=lostReasonId]")).locator(".field-error")).to_have_text(
        "A reason is required to mark the deal lost.")
    dialog.locator("select[name=lostReasonId]").select_option(label="Chose a competitor")
    dialog.locator("[name=lostReason]").fill("Went with the incumbent's bundle")
    shot(page, shots, "deal-lost-reasons")
    dialog.get_by_role("button", name="Mark as lost").click()
    expect(dialog).to_have_count(0)
    saved = rep.graphql(DEAL, id=deal["id"])["deal"]
    assert saved["stage"]["name"] == "Lost"
    assert saved["lostReason"] == "Chose a competitor: Went with the incumbent's bundle"
    assert saved["lostReasonChoice"] == {"name": "Chose a competitor"}
    page.goto(f"{rep.server}/deals/{deal['id']}")
    readable = "Chose a competitor (Went with the incumbent's bundle)"  # the listed reason, then its details
    expect(page.get_by_test_id("lost-reason")).to_have_text(f"Lost — {readable}")
    expect(page.get_by_label("Move to stage").locator("option:checked")).to_have_text("Lost")  # a state, no action
    expect(page.locator("[aria-label='Activity timeline'] .activity").filter(has_text="→ Lost")).to_contain_text(readable)


def test_the_deal_page_moves_and_follows_others_live(rep: Session, head: Session) -> None:
    mine = user_id(rep, "rep@example.com")
    deal = next(d for d in rep.graphql(OPEN_DEALS, owner=[mine])["deals"]["edges"]
                if d["node"]["stage"]["name"] in ("New", "Contacted"))["node"]
    before = subscribers(rep.server)
    page = rep.page(f"/deals/{deal['id']}")
    expect(page.locator("h1")).to_have_text(deal["title"])
    wait_for_subscribers(rep.server, before + LIVE_PER_PAGE + 1, page)  # bell, the deal, its customer's activities
    page.get_by_label("Move to stage").select_option(label="Move to Proposal sent")
    expect(page.locator(".hero .badge")).to_have_text("Proposal sent")
    current = head.graphql(DEAL, id=deal["id"])["deal"]
    head.graphql(MOVE, input={"id": deal["id"], "version": current["version"], "stageId": stage_id(head, "Qualified")})
    expect(page.locator(".hero .badge")).to_have_text("Qualified")  # the head's move, without a reload
    expect(page.locator("[aria-label=History] li.stage-change").first).to_contain_text("Qualified")


def stage_id(session: Session, name: str) -> str:
    stages = session.graphql("{ pipelines { isDefault stages { id name } } }")["pipelines"][0]["stages"]
    return next(s["id"] for s in stages if s["name"] == name)


def test_a_head_reassigns_a_deal_within_the_team(head: Session, rep: Session, shots: Path) -> None:
    mine = user_id(rep, "rep@example.com")
    deal = rep.graphql(OPEN_DEALS, owner=[mine])["deals"]["edges"][-1]["node"]
    page = head.page(f"/deals/{deal['id']}")
    page.get_by_role("button", name="Reassign").click()
    panel = page.locator("[aria-label='Reassign deal']")
    head_name = head.graphql("{ me { name } }")["me"]["name"]
    panel.locator("select[name=ownerId]").select_option(label=head_name)
    panel.get_by_role("button", name="Reassign").click()
    expect(page.get_by_test_id("deal-owner")).to_have_text(head_name)
    assert head.graphql(DEAL, id=deal["id"])["deal"]["owner"]["email"] == "head@example.com"
    # The rep no longer owns it: the page offers them no control that changes it.
    rep_page = rep.page(f"/deals/{deal['id']}")
    expect(rep_page.locator("h1")).to_have_text(deal["title"])
    expect(rep_page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(rep_page.get_by_label("Move to stage")).to_have_count(0)
    expect(rep_page.get_by_role("button", name="Reassign")).to_have_count(0)


def test_support_sees_deals_without_controls_and_the_api_refuses(support: Session, admin: Session) -> None:
    deal = admin.graphql(OPEN_DEALS, owner=None)["deals"]["edges"][0]["node"]
    page = support.page(f"/deals/{deal['id']}")
    expect(page.locator("h1")).to_have_text(deal["title"])
    for name in ("Edit", "Reassign"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_label("Move to stage")).to_have_count(0)
    expect(page.get_by_role("button", name="+ Log activity")).to_be_visible()  # support logs activities
    board = support.page("/pipeline")
    expect(board.locator(".deal").first).to_be_visible()
    expect(board.get_by_role("button", name="+ New deal")).to_have_count(0)
    expect(board.locator(".deal[draggable=true]")).to_have_count(0)
    expect(board.locator(".deal select")).to_have_count(0)
    current = admin.graphql(DEAL, id=deal["id"])["deal"]
    response = support.context.request.post(f"{support.server}/graphql", data={
        "query": MOVE, "variables": {"input": {"id": deal["id"], "version": current["version"],
                                               "stageId": stage_id(admin, "Qualified")}}})
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_board_filters_and_every_deal_reachable(admin: Session, shots: Path) -> None:
    page = settled_board(admin)
    new = page.locator("section[data-stage='New']")
    expect(new.locator(".deal").first).to_be_visible()
    total = int(new.get_by_test_id("stage-count").inner_text())
    both_sizes(page, shots, "pipeline-board")
    shown = new.locator(".deal").count()
    if total > shown:  # a long column pages on
        new.locator("button.more").click()
        expect(new.locator(".deal")).to_have_count(min(total, shown * 2))
    page.get_by_label("Amount from").fill("50000")
    page.get_by_label("Amount from").blur()
    expect(page).to_have_url(f"{admin.server}/pipeline?min=50000")
    big = admin.graphql("query($stage: ID!) { deals(filter: {stageId: [$stage], amount: {min: 5000000}}) { totalCount } }",
                        stage=new.get_attribute("data-stage-id"))["deals"]["totalCount"]
    expect(new.get_by_test_id("stage-count")).to_have_text(str(big))  # EUR 50,000 = 5,000,000 minor units
    for amount in new.locator(".deal-amount").all_inner_texts():
        assert int(amount.split()[1].replace(",", "").split(".")[0]) >= 50_000
    page.get_by_role("button", name="Clear filters").click()
    expect(page).to_have_url(f"{admin.server}/pipeline")

    card = new.locator(".deal").first
    customer = card.locator(".deal-meta a").inner_text()
    page.get_by_role("button", name="Customer…").click()
    page.get_by_placeholder("Type a customer name").fill(customer)  # reads as a search box, not a "filter found"
    page.get_by_role("list", name="Matching customers").get_by_role("button").filter(has_text=customer).first.click()
    expect(page.locator(".chip")).to_contain_text(f"Customer: {customer}")
    expect(page.locator(".column .deal-meta a").filter(has_not_text=customer)).to_have_count(0)
    expect(new.locator(".deal").first).to_be_visible()
    page.reload()  # the filter is in the address: a shared link shows the same board, the customer named
    expect(page.locator(".chip")).to_contain_text(f"Customer: {customer}")


def test_an_admin_keeps_the_lost_reasons(admin: Session, shots: Path) -> None:
    page = admin.page("/admin/lost-reasons")
    section = page.locator("section[aria-label='Lost reasons']")
    section.get_by_label("name").first.fill("price too HIGH")
    section.get_by_role("button", name="Add reason").click()
    expect(section.locator(".field-error")).to_contain_text("already in the list")
    section.get_by_label("name").first.fill("Lost to in-house build")
    section.get_by_role("button", name="Add reason").click()
    row = section.locator("li[data-reason='Lost to in-house build']")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Archive").click()
    expect(section.locator("li[data-reason='Lost to in-house build'] .badge")).to_have_text("Archived")
    both_sizes(page, shots, "admin-lost-reasons")
    names = [r["name"] for r in admin.graphql("{ lostReasons { name } }")["lostReasons"]]
    assert "Lost to in-house build" not in names and "Price too high" in names
    section.locator("li[data-reason='Lost to in-house build']").get_by_role("button", name="Restore").click()
    expect(section.locator("li[data-reason='Lost to in-house build'] .badge")).to_have_count(0)


def test_an_edit_that_meets_someone_elses_save_reloads_keeps_the_edits_and_marks_the_changes(
        rep: Session, head: Session, shots: Path) -> None:
    mine = user_id(rep, "rep@example.com")
    deal = rep.graphql(OPEN_DEALS, owner=[mine])["deals"]["edges"][1]["node"]
    page = rep.page(f"/deals/{deal['id']}")
    expect(page.locator("h1")).to_have_text(deal["title"])
    page.get_by_role("button", name="Edit").click()
    edit = page.locator("[aria-label='Edit deal']")
    before = edit.locator("input[name=amount]").input_value()
    edit.locator("input[name=title]").fill("Renamed while someone else saved")
    edit.locator("input[name=probability]").fill("40")
    # Meanwhile the head, in their own browser, changes the amount and the probability and saves first.
    theirs = head.page(f"/deals/{deal['id']}")
    theirs.get_by_role("button", name="Edit").click()
    their_form = theirs.locator("[aria-label='Edit deal']")
    their_form.locator("input[name=amount]").fill("77777")
    their_form.locator("input[name=probability]").fill("65")
    their_form.get_by_role("button", name="Save changes").click()
    expect(their_form).to_have_count(0)
    expect(page.get_by_test_id("deal-amount")).to_have_text("EUR 77,777")  # the rep's page follows, live
    edit.get_by_role("button", name="Save changes").click()
    notice = edit.locator(".notice-warn")
    expect(notice).to_contain_text("Someone else saved this deal")
    expect(notice).to_contain_text("Amount, Probability changed")
    # The rep's edits are kept; what they did not touch shows the head's values; both are marked.
    expect(edit.locator("input[name=title]")).to_have_value("Renamed while someone else saved")
    expect(edit.locator("input[name=amount]")).to_have_value("77777")
    expect(edit.locator("input[name=probability]")).to_have_value("40")
    amount = edit.locator("label.field", has=page.locator("input[name=amount]"))
    expect(amount.locator(".field-notice")).to_have_text(f"Changed meanwhile (was {before or '–'})")
    probability = edit.locator("label.field", has=page.locator("input[name=probability]"))
    expect(probability.locator(".field-notice")).to_have_text("Changed meanwhile to 65; your entry is kept")
    expect(edit.locator("label.field", has=page.locator("input[name=title]")).locator(".field-notice")).to_have_count(0)
    both_sizes(page, shots, "deal-edit-conflict")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("h1")).to_have_text("Renamed while someone else saved")
    saved = rep.graphql(DEAL, id=deal["id"])["deal"]
    assert (saved["amount"]["amount"], saved["probability"]) == (7777700, 40)  # theirs kept, mine applied
