"""/admin's pieces that need no browser: which sections a role gets, and what a stage row sends."""

from __future__ import annotations

import pytest

from backend.auth.actor import Actor
from backend.models import Role
from backend.permissions import allowed_actions
from frontend.components.admin.pipelines import NotAPercent, probability, stage_changes
from frontend.components.admin.sections import nav_entry, open_to
from frontend.session import Session


def session(role: Role) -> Session:
    actor = Actor(1, "x@example.com", "X", role, None, via="ui")
    return Session(actor=actor, me={"id": "1", "allowedActions": allowed_actions(actor)}, signed_out=lambda: None)


@pytest.mark.parametrize(("role", "sections", "entry"), [
    (Role.ADMIN, ["users", "teams", "pipelines", "lost-reasons", "custom-fields", "pick-lists", "workflows",
                  "automations", "rates", "audit", "jobs", "support", "webhooks", "tokens", "notifications", "working-hours"],
     ("/admin", "Admin")),
    (Role.SALES_HEAD, ["pipelines", "lost-reasons", "audit", "tokens", "notifications", "working-hours"],
     ("/admin", "Admin")),
    (Role.SALES_REP, ["tokens", "notifications", "working-hours"], ("/admin/tokens", "Settings")),
    (Role.SUPPORT, ["tokens", "notifications", "working-hours"], ("/admin/tokens", "Settings")),
    (Role.MARKETING, ["tokens", "notifications"], ("/admin/tokens", "Settings")),
])
def test_sections_follow_the_roles_allowed_actions(role: Role, sections: list[str], entry: tuple[str, str]) -> None:
    assert [s.key for s in open_to(session(role))] == sections
    assert nav_entry(session(role)) == entry


def test_a_stage_row_sends_only_what_changed() -> None:
    stage = {"id": "3", "name": "Demo", "kind": "OPEN", "probability": 40, "position": 2}
    assert stage_changes(stage, {"name": " Demo ", "kind": "OPEN", "probability": "40"}) == {}
    assert stage_changes(stage, {"name": "Pilot", "kind": "OPEN", "probability": "55"}) == {"name": "Pilot", "probability": 55}
    # A closing stage's probability is the server's to set: it is not sent.
    assert stage_changes(stage, {"name": "Demo", "kind": "WON", "probability": "40"}) == {"kind": "WON"}
    assert probability("") is None
    with pytest.raises(NotAPercent):
        probability("12.5")
