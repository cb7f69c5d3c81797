"""The one place where pub/sub topic (channel) names are made.

Each topic family is a pattern (`crm.customer.{}.activities`) called with its ids to name one channel,
as `topics.customer_activities(7)`; the event registry (events.py) says which event kinds each family
carries, and `family_of` finds the family of a channel an event arrived on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Family:
    """A kind of channel: `pattern` with one `{}` per id."""

    pattern: str
    _match: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_match", re.compile(re.escape(self.pattern).replace(r"\{\}", r"\d+")))

    def __call__(self, *ids: int) -> str:
        return self.pattern.format(*ids)

    def holds(self, topic: str) -> bool:
        return self._match.fullmatch(topic) is not None


# Every deal change: created, updated, moved, deleted, removed from some audiences' view.
deals = Family("crm.deals")
campaign_engagement = Family("crm.campaign.{}.engagement")
customer_activities = Family("crm.customer.{}.activities")
notifications = Family("crm.user.{}.notifications")
# A session, token or user lost access: their open streams must end. The event names exactly one of
# them: a session (sign-out; expiry is checked on use), a token (revoked), or a user (deactivated, or
# role or team changed: every stream of that user ends, and clients reconnect with their new rights).
access_revoked = Family("crm.access.revoked")
# A customer's own record changed (edited, status changed, deleted): its page's header follows it.
customer_changes = Family("crm.customer.{}.changes")
# Pipelines and stages created, renamed, reordered or re-weighted: boards redraw their columns.
pipelines = Family("crm.pipelines")
# An import job moved on (a batch committed) or ended: its progress bar follows it.
import_progress = Family("crm.import.{}.progress")
# Customers whose facts a filter reads may have changed (record, status, deals, activities): every write
# that touches customers says which, once, so dynamic segments re-check just those (unit.write adds it).
customers_touched = Family("crm.customers.touched")
# A saved segment changed (conditions, hand-picked members) or was deleted: its member streams re-check.
segment = Family("crm.segment.{}")
# Every lead (contact) change: created, updated, converted, deleted, removed from some audiences' view.
leads = Family("crm.leads")
contacts = Family("crm.contacts")
# A campaign's per-recipient sends changed (queued by a share or greeting, sent, failed, unsubscribed).
campaign_sends = Family("crm.campaign.{}.sends")
# Custom-field definitions created or changed (issue 18): forms, columns and filters redraw.
custom_fields = Family("crm.custom_fields")
# The admins' configuration changed (a pick-list value, the allowed status transitions): forms re-read it.
configuration = Family("crm.configuration")
# Every ticket change (issue 20): created, edited, status moved, replied to, SLA warned or breached.
tickets = Family("crm.tickets")
# A quota set or replaced (issue 19): dashboards showing attainment read their figures again.
quotas = Family("crm.quotas")
# A file attached to or removed from a record (issue 18): that record's attachments panel follows it.
attachments = Family("crm.attachments")
# Change-feed rows committed (issue 21): a poke naming the largest id; streams read the rows from the table.
changes = Family("crm.changes")

FAMILIES = (
    deals, campaign_engagement, customer_activities, notifications, access_revoked, customer_changes, pipelines,
    import_progress, customers_touched, segment, leads, contacts, campaign_sends,
    custom_fields, configuration, tickets, attachments, changes, quotas,
)


def family_of(topic: str) -> Family | None:
    return next((family for family in FAMILIES if family.holds(topic)), None)
