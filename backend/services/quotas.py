"""Quotas (issue 19): a sales head sets the amount their team and each member should win in a month, quarter or
year, admins anyone's. Setting one again replaces its figures; every setting is a history row and an audit entry
written with it, so the history is never lost; subscribers of quotaChanged hear of it once committed."""

from __future__ import annotations

from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Forbidden
from backend.live import topics
from backend.live.events import QuotaSet
from backend.models import Quota, QuotaChange, QuotaPeriod, Team, User
from backend.services import validate as v
from backend.services.periods import starts_period
from backend.services.unit import diff, write
from backend.settings import get_settings

TARGET_MAX = 1000  # calls or meetings a week: more is a typo, not a target

FIGURES = ("amount", "currency", "calls_per_week", "meetings_per_week")


async def _holder(actor: Actor, user_id: Any, team_id: Any) -> tuple[str, dict[str, Any]]:
    """The quota's holder, its row locked until the commit so two settings of one holder take turns; NOT_FOUND
    for one the caller may not see, FORBIDDEN for one they see but may not set (another team's)."""
    if (user_id is None) == (team_id is None):
        raise BadUserInput("userId", "give either userId or teamId")
    if user_id is not None:
        id = v.parse_id("userId", user_id)
        user = await v.one(User.filter(id=id).select_for_update(), "User", user_id, "userId")
        if not permissions.may_set_quota_of(actor, None, user.team_id, user.id):
            raise Forbidden("Sales heads set quotas of their own team's members only")
        return f"user:{user.id}", {"user_id": user.id, "team_id": None}
    id = v.parse_id("teamId", team_id)
    team = await v.one(Team.filter(id=id).select_for_update(), "Team", team_id, "teamId")
    if not permissions.may_set_quota_of(actor, team.id, None, None):
        raise Forbidden("Sales heads set their own team's quota only")
    return f"team:{team.id}", {"user_id": None, "team_id": team.id}


async def set_quota(actor: Actor, *, user_id: Any = None, team_id: Any = None, period: Any, starts_on: Any,
                    amount: Any, calls_per_week: Any = None, meetings_per_week: Any = None) -> Quota:
    """Set (or replace) the quota of a user or a team for the period starting on `starts_on`."""
    permissions.require(actor, permissions.Action.SET_QUOTA)
    kind = v.choice("period", period, QuotaPeriod)
    if starts_on is None or not starts_period(kind, starts_on):
        raise BadUserInput("startsOn", f"must be the first day of a {kind.value}")
    figures: dict[str, Any] = {
        "amount": v.money("amount", amount),
        "currency": get_settings().base_currency,
        "calls_per_week": v.integer("callsPerWeek", calls_per_week, maximum=TARGET_MAX),
        "meetings_per_week": v.integer("meetingsPerWeek", meetings_per_week, maximum=TARGET_MAX),
    }
    async with write(actor) as unit:
        holder, ids = await _holder(actor, user_id, team_id)
        quota = await Quota.filter(holder=holder, period=kind, starts_on=starts_on).first()
        before = {f: getattr(quota, f) for f in FIGURES} if quota else {}
        if quota is None:
            quota = await Quota.create(holder=holder, period=kind, starts_on=starts_on, set_by_id=actor.user_id,
                                       **ids, **figures)
        else:
            await Quota.filter(id=quota.id).update(set_by_id=actor.user_id, **figures)
            await quota.refresh_from_db()
        await QuotaChange.create(quota_id=quota.id, set_by_id=actor.user_id, **figures)
        await unit.audit("quota.set", "quota", quota.id,
                         {"holder": holder, "period": kind.value, "starts_on": starts_on.isoformat(),
                          **diff(before, figures)})
        unit.publish(topics.quotas(), QuotaSet(id=quota.id, user_id=quota.user_id, team_id=quota.team_id,
                                               actor_id=actor.user_id))
    return quota
