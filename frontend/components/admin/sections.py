"""The one list of /admin's sections. A section built elsewhere joins with one AdminSection entry here.

Each section names the action (from me.allowedActions) that lets a user open it, so the server's
permission table decides who sees which tab; the server still refuses what the role may not do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reactpy.types import Component

from frontend.components.admin.audit import AuditSection
from frontend.components.admin.automations import AutomationsSection
from frontend.components.admin.custom_fields import CustomFieldsSection
from frontend.components.admin.jobs import JobsSection
from frontend.components.admin.notification_settings import NotificationSettingsSection
from frontend.components.admin.pick_lists import PickListsSection
from frontend.components.admin.pipelines import PipelinesSection
from frontend.components.admin.rates import RatesSection
from frontend.components.admin.support import SupportSection
from frontend.components.admin.teams import TeamsSection
from frontend.components.admin.tokens import TokensSection
from frontend.components.admin.users import UsersSection
from frontend.components.admin.webhooks import WebhooksSection
from frontend.components.admin.workflows import WorkflowsSection
from frontend.components.admin.working_hours import WorkingHoursSection
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
    # Heads shape stages (not pipelines): the section opens on updateStage and hides what they may not do.
    AdminSection("pipelines", "Pipelines", "updateStage", PipelinesSection),
    AdminSection("lost-reasons", "Lost reasons", "manageLostReasons", LostReasons),
    AdminSection("custom-fields", "Custom fields", "manageCustomFields", CustomFieldsSection),
    AdminSection("pick-lists", "Pick-lists", "managePickLists", PickListsSection),
    AdminSection("workflows", "Status workflows", "manageWorkflows", WorkflowsSection),
    AdminSection("automations", "Automations", "manageAutomations", AutomationsSection),
    AdminSection("rates", "Exchange rates", "setExchangeRate", RatesSection),
    AdminSection("audit", "Audit log", "readAuditLog", AuditSection),
    AdminSection("jobs", "Jobs", "manageJobs", JobsSection),
    AdminSection("support", "Support desk", "manageSupport", SupportSection),
    AdminSection("webhooks", "Webhooks", "manageWebhooks", WebhooksSection),
    AdminSection("tokens", "API tokens", "createApiToken", TokensSection, administers=False),
    AdminSection("notifications", "Notification settings", "setNotificationPreference", NotificationSettingsSection,
                 administers=False),
    AdminSection("working-hours", "Working hours", "setWorkingHours", WorkingHoursSection, administers=False),
]


def open_to(session: Session) -> list[AdminSection]:
    return [s for s in SECTIONS if session.can(s.needs)]


def administers(session: Session) -> bool:
    """Whether the user has an administration section (admins, and sales heads for their team's audit log)."""
    return any(s.administers for s in open_to(session))


def heading(session: Session) -> str:
    """What the sections are to this user: administration, or their own settings (tokens, notifications,
    working hours)."""
    return "Admin" if administers(session) else "Settings"


def nav_entry(session: Session) -> tuple[str, str] | None:
    """(href, text) of the navigation's way in: /admin for those who administer, else their own sections
    (everyone's API tokens first) under "Settings", or the one section's name, or nothing."""
    if administers(session):
        return "/admin", "Admin"
    own = open_to(session)
    if not own:
        return None
    return f"/admin/{own[0].key}", heading(session) if len(own) > 1 else own[0].title
