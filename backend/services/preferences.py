"""Notification preferences: per user and kind, in the app and/or by email — one email each, or collected
into one digest each morning (a kind's default until set)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import NotificationPreference, User
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import write


@dataclass(frozen=True)
class Choice:
    kind: str
    label: str
    in_app: bool
    email: bool
    digest: bool = False  # with email: collected into the morning digest instead of one email each
    digestible: bool = True  # whether the kind may go into the digest
    # Only those who may do this can be told of it (a rep never owns a campaign): the settings list the rest
    # of the kinds only.
    concerns: Action | None = None


# The kinds a user may choose for, with their defaults: reminders in both places; the morning digest of
# overdue tasks by email only (in the app, the task list already shows what is overdue) — being a daily
# email itself, it is never folded into the digest.
DEFAULTS = {
    "task_reminder": Choice("task_reminder", "Task reminders", in_app=True, email=True),
    "overdue_digest": Choice("overdue_digest", "Overdue tasks, each morning", in_app=False, email=True,
                             digestible=False, concerns=Action.UPDATE_TICKET),
    # Campaign owners: their campaign started, ended, paused (by someone else or by its dates) — both places;
    # the morning summary of yesterday's engagement — both too, it is the owner's daily read (and, a daily
    # email itself, never folded into the digest).
    "campaign_status": Choice("campaign_status", "Campaign started, ended or changed status", in_app=True, email=True,
                              concerns=Action.CREATE_CAMPAIGN),
    "campaign_summary": Choice("campaign_summary", "Campaign engagement, each morning", in_app=True, email=True,
                               digestible=False, concerns=Action.CREATE_CAMPAIGN),
    # What others did to a user's work: in the app, as before there were choices; email for those who want it.
    "task_assigned": Choice("task_assigned", "A task given to you", in_app=True, email=False),
    "deal_moved": Choice("deal_moved", "Your deal moved by someone else", in_app=True, email=False,
                         concerns=Action.CREATE_DEAL),
    "deal_reassigned": Choice("deal_reassigned", "A deal given to you or taken from you", in_app=True, email=False,
                              concerns=Action.CREATE_DEAL),
    "campaign_shared": Choice("campaign_shared", "Your campaign shared or its greeting sent", in_app=True,
                              email=False, concerns=Action.CREATE_CAMPAIGN),
    # Support: a ticket given to you in the app; an SLA about to break, or broken, in both (it cannot wait).
    "ticket_assigned": Choice("ticket_assigned", "A ticket given to you", in_app=True, email=False,
                              concerns=Action.UPDATE_TICKET),
    "ticket_sla": Choice("ticket_sla", "A ticket near or past its SLA target", in_app=True, email=True,
                         digestible=False, concerns=Action.UPDATE_TICKET),
    # Admins: a webhook switched off after a day of failures (receivers miss changes until it is on again).
    "webhook_disabled": Choice("webhook_disabled", "A webhook switched off after failing for a day", in_app=True,
                               email=True, digestible=False, concerns=Action.MANAGE_WEBHOOKS),
}


def _made(row: NotificationPreference) -> Choice:
    return replace(DEFAULTS[row.kind], in_app=row.in_app, email=row.email, digest=row.digest)


async def choices(user_ids: Iterable[int], kind: str) -> dict[int, Choice]:
    """Each user's choice for `kind` (the default where they made none), in one query."""
    ids = list(set(user_ids))
    made = {row.user_id: row for row in await NotificationPreference.filter(user_id__in=ids, kind=kind)}
    return {id: _made(made[id]) if id in made else DEFAULTS[kind] for id in ids}


async def active_recipients(user_ids: Iterable[int], kind: str) -> tuple[dict[int, User], dict[int, Choice]]:
    """The active users among `user_ids` and each one's choice for `kind`: who a job's message may reach."""
    people = {u.id: u for u in await User.filter(id__in=list(set(user_ids)), active=True)}
    return people, await choices(people, kind)


async def own(actor: Actor) -> list[Choice]:
    permissions.require_role(actor)
    made = {row.kind: row for row in await NotificationPreference.filter(user_id=actor.user_id or 0)}
    return [_made(made[kind]) if kind in made else d for kind, d in DEFAULTS.items()
            if d.concerns is None or permissions.may(actor, d.concerns)]


async def set_own(actor: Actor, kind: str, in_app: bool, email: bool, digest: bool = False) -> Choice:
    """The caller's own choice for `kind`; other users' choices are theirs alone."""
    permissions.require(actor, Action.SET_NOTIFICATION_PREFERENCE)
    kind = v.text("kind", kind, max_length=40, required=True)
    if kind not in DEFAULTS:
        raise BadUserInput("kind", f"unknown kind (one of: {', '.join(DEFAULTS)})")
    if digest and not DEFAULTS[kind].digestible:
        raise BadUserInput("digest", f"{DEFAULTS[kind].label} is a daily email already")
    if digest and not email:
        raise BadUserInput("digest", "the digest is an email: turn email on to have it collected there")
    if actor.user_id is None:
        raise BadUserInput("kind", "only a user has notification preferences")
    wanted = {"in_app": in_app, "email": email, "digest": digest}
    async with write(actor) as unit:
        row = await NotificationPreference.filter(user_id=actor.user_id, kind=kind).first()
        before = {key: getattr(row, key) for key in wanted} if row else {}
        if row is None:
            await NotificationPreference.create(user_id=actor.user_id, kind=kind, in_app=in_app, email=email,
                                                digest=digest)
        else:
            await NotificationPreference.filter(id=row.id).update(**wanted)
        await unit.audit("preference.set", "user", actor.user_id,
                         {"kind": kind, **{k: [before.get(k), new] for k, new in wanted.items()}})
    return replace(DEFAULTS[kind], in_app=in_app, email=email, digest=digest)
