"""Activity targets on /dashboard in Chromium: a sales head sets a rep's calls and meetings a week in the quota
form and sees them against the rep's week in the Salespeople table (flagged when behind pace); the rep logs a
call and finds it counted in their "This week" card, bars and all."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import Session, shot, shot_sizes

WEEK = "{ done target pace behind }"
MINE = f"{{ me {{ id name }} dashboard {{ rep {{ activityTargets {{ calls {WEEK} meetings {WEEK} }} }} }} }}"
LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }"


def test_a_head_sets_weekly_targets_and_a_rep_works_towards_them(head: Session, rep: Session, shots: Path) -> None:
    found = rep.graphql(MINE)
    me, week = found["me"], found["dashboard"]["rep"]["activityTargets"]
    calls, meetings = week["calls"]["done"], week["meetings"]["done"]
    # Calls: one more than done, which the rep's next call meets; meetings: far more than any pace allows today.
    call_target, meeting_target = calls + 1, min(1000, 7 * meetings + 14)

    page = head.page("/dashboard")
    row = page.locator(f"tr[data-rep='{me['name']}']")
    row.get_by_role("button", name="Set quota").click()
    form = page.get_by_role("form", name=f"Quota of {me['name']}")
    form.locator("input[name=amount]").fill("250000")
    form.locator("input[name=callsPerWeek]").fill(str(call_target))
    form.locator("input[name=meetingsPerWeek]").fill(str(meeting_target))
    form.get_by_role("button", name="Save quota").click()
    expect(form).to_have_count(0)
    # Saved in place: the browser did not also submit the form itself (a page load that cut the save off).
    assert page.url.endswith("/dashboard"), page.url
    # The quota's change moves the table live: counts against the new targets, meetings flagged behind pace.
    expect(row.locator(f"[data-target='{me['name']}-calls']")).to_contain_text(f"{calls} / {call_target} calls")
    behind = row.locator(f"[data-target='{me['name']}-meetings']")
    expect(behind).to_contain_text(f"{meetings} / {meeting_target} meetings")
    expect(behind).to_have_attribute("title", re.compile(r"^Behind pace: \d+ by today$"))
    expect(behind).to_have_class("week-target behind")

    rep.graphql(LOG, input={"kind": "CALL", "title": "Weekly target call"})  # now, by the rep
    mine = rep.page("/dashboard")
    card = mine.get_by_role("region", name="This week")
    bar = card.locator("[data-target=me-calls]")
    expect(bar).to_contain_text(f"Calls {calls + 1} / {call_target}")
    expect(bar).to_contain_text("on pace")
    expect(bar).to_have_class("dash-quota quota quota-ahead")
    meeting_bar = card.locator("[data-target=me-meetings]")
    expect(meeting_bar).to_contain_text(f"Meetings {meetings} / {meeting_target}")
    expect(meeting_bar).to_have_class("dash-quota quota quota-behind")
    card.scroll_into_view_if_needed()
    shot(mine, shots, "activity-targets-rep-card")
    shot_sizes(mine, shots, "activity-targets-rep")

    page.reload()  # activities have no dashboard subscription: the head sees the call on the next visit
    calls_cell = page.locator(f"tr[data-rep='{me['name']}'] [data-target='{me['name']}-calls']")
    expect(calls_cell).to_contain_text(f"{calls + 1} / {call_target} calls")
    expect(calls_cell).to_have_class("week-target")
    page.locator("table.dash-reps").scroll_into_view_if_needed()
    shot(page, shots, "activity-targets-head-table")
    shot_sizes(page, shots, "activity-targets-head")
