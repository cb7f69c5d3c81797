"""The navigation's entries follow the role: Import only for those who may import something."""

from __future__ import annotations

import pytest

from backend.auth.actor import Actor
from backend.models import Role
from backend.permissions import allowed_actions
from frontend.components.layout import sections
from frontend.session import Session


def session(role: Role) -> Session:
    actor = Actor(1, "x@example.com", "X", role, None, via="ui")
    return Session(actor=actor, me={"id": "1", "allowedActions": allowed_actions(actor)}, signed_out=lambda: None)


@pytest.mark.parametrize(("role", "imports"), [
    (Role.ADMIN, True), (Role.SALES_HEAD, True), (Role.SALES_REP, True),
    (Role.SUPPORT, True),  # support creates contacts, so it imports contacts
    (Role.MARKETING, False),
])
def test_import_entry_only_for_roles_that_may_import(role: Role, imports: bool) -> None:
    keys = [key for key, *_ in sections(session(role))]
    assert ("import" in keys) is imports
    assert "customers" in keys and "campaigns" in keys
