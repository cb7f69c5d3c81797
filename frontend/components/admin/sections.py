"""The one list of /admin's sections. A section built elsewhere joins with one AdminSection entry here.

Each section names the action (from me.allowedActions) that lets a user open it, so the server's
permission table decides who sees which tab; the server still refuses what the role may not do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reactpy.types import Component

from frontend.components.admin.audit import AuditSection
from frontend.components.admin.pipelines import PipelinesSection
from frontend.components.admin.rates import RatesSection
from frontend.components.admin.teams import TeamsSection
from frontend.components.admin.tokens import TokensSection
from frontend.components.admin.users import UsersSection
from frontend.components.lost_reasons import LostReasons
from frontend.session import Session


@dataclass(frozen=True)
class AdminSection:
    key: str  # its address: /admin/<key>
    title: str
    needs: str  # the action in me.allowedActions that opens it
    render: Callable[[], Component]
    administers: bool = True  # administration proper, not the user's own things (their API tokens)


SECTIONS: list[AdminSection] = [
    AdminSection("users", "Users", "updateUser", UsersSection),
    AdminSection("teams", "Teams", "createTeam", TeamsSection),
    AdminSection("pipelines", "Pipelines", "createPipeline", PipelinesSection),
    AdminSection("lost-reasons", "Lost reasons", "manageLostReasons", LostReasons),
    AdminSection("rates", "Exchange rates", "setExchangeRate", RatesSection),
    AdminSection("audit", "Audit log", "readAuditLog", AuditSection),
    AdminSection("tokens", "API tokens", "createApiToken", TokensSection, administers=False),
]


def open_to(session: Session) -> list[AdminSection]:
    return [s for s in SECTIONS if session.can(s.needs)]


def administers(session: Session) -> bool:
    """Whether the user has an administration section (admins, and sales heads for their team's audit log)."""
    return any(s.administers for s in open_to(session))


def nav_entry(session: Session) -> tuple[str, str] | None:
    """(href, text) of the navigation's way in: /admin for those who administer, else their own section
    (everyone's API tokens), or nothing."""
    if administers(session):
        return "/admin", "Admin"
    own = open_to(session)
    return (f"/admin/{own[0].key}", own[0].title) if own else None
