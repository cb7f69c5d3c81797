"""Admin → Support desk in Chromium: an admin sets the high priority's escalation on breach (raise to urgent,
hand to a user), a wrong one is refused beside its field, and the saved choice is shown again."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, resized, shot

POLICIES = "{ slaPolicies { priority escalateTo escalateAssignee { id } } }"


def test_admin_sets_an_escalation_on_breach(admin: Session, shots: Path) -> None:
    page = admin.page("/admin/support")
    high = page.get_by_role("form", name="High targets")
    expect(high.get_by_label("High escalate to")).to_be_visible()
    expect(page.get_by_role("form", name="Urgent targets").get_by_label("Urgent escalate to")).to_have_count(0)
    options = high.get_by_label("High escalate to").locator("option")
    expect(options).to_have_text(["Keep the priority", "Urgent"])  # only higher priorities are offered
    high.get_by_label("High escalate to").select_option("URGENT")
    assignee = high.get_by_label("High escalate assignee")
    assignee.select_option(index=1)
    picked = assignee.input_value()
    high.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("High targets saved.")
    policies = {p["priority"]: p for p in admin.graphql(POLICIES)["slaPolicies"]}
    assert policies["HIGH"]["escalateTo"] == "URGENT" and policies["HIGH"]["escalateAssignee"] == {"id": picked}
    page.reload()
    high = page.get_by_role("form", name="High targets")
    expect(high.get_by_label("High escalate to")).to_have_value("URGENT")
    for size, viewport in {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}.items():
        resized(page, viewport)
        shot(page, shots, f"sla-escalation-{size}", full_page=True)
    high.get_by_label("High resolution").fill("1")  # shorter than the first response: refused, beside the field
    high.get_by_role("button", name="Save").click()
    expect(high.locator(".field-error, [role=alert]").first).to_be_visible()
    admin.graphql("mutation { setSlaPolicy(input: {priority: HIGH, firstResponseMinutes: 240, "
                  "resolutionMinutes: 960}) { priority } }")  # back as it was for the other browser tests
