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

FAMILIES = (deals, campaign_engagement, customer_activities, notifications, access_revoked, customer_changes)


def family_of(topic: str) -> Family | None:
    return next((family for family in FAMILIES if family.holds(topic)), None)
