"""The status transitions admins allow for customers, contacts, leads and tasks (issue 18): the rules every
status change is checked against, and the admins' write that allows or forbids one step.

Steps are rows of `status_transition` (m0030 seeded the steps the code allowed before). Forbidding a step is
always safe for existing data: records keep their status, they only cannot take that step any more (a
status left with no step out becomes final). Some statuses are reached or left by fixed rules and are not
in the matrix: a customer is blocked from any status (with a reason) and unblocked back to the status it
had; a converted contact or lead and a done or aborted task are final; a lead is converted by convertLead
from the statuses CONVERTIBLE names (services/leads.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from tortoise.exceptions import IntegrityError

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import TransitionsChanged
from backend.models import (
    ContactStatus,
    CustomerStatus,
    LeadStatus,
    StatusTransition,
    TaskStatus,
    TransitionEntity,
)
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import write

E = TransitionEntity
STATUSES: dict[TransitionEntity, type[Enum]] = {
    E.CUSTOMER: CustomerStatus, E.CONTACT: ContactStatus, E.LEAD: LeadStatus, E.TASK: TaskStatus,
}
# The statuses a step the admins edit may leave (rows of the matrix) and enter (its columns).
FROM: dict[TransitionEntity, tuple[str, ...]] = {
    E.CUSTOMER: ("draft", "prospect", "active", "inactive", "churned"),
    E.CONTACT: ("new", "hot", "cold", "not_interested"),
    E.LEAD: ("new", "contacted", "qualified", "lost"),
    E.TASK: ("new", "scheduled", "rescheduled"),
}
TO: dict[TransitionEntity, tuple[str, ...]] = {
    E.CUSTOMER: FROM[E.CUSTOMER],
    E.CONTACT: (*FROM[E.CONTACT], "converted"),  # a step into converted: such contacts may be converted
    E.LEAD: FROM[E.LEAD],
    E.TASK: (*FROM[E.TASK], "done", "aborted"),
}
# Steps from a status to itself that mean something: rescheduling a rescheduled task again.
SELF_STEPS = {(E.TASK, "rescheduled")}

Rules = Mapping[str, frozenset[str]]  # status value → the status values that may follow it


async def rules(entity: TransitionEntity) -> dict[str, frozenset[str]]:
    """The steps allowed now, read inside the caller's write (so a status change checks what is committed)."""
    steps: dict[str, set[str]] = {}
    for old, new in await StatusTransition.filter(entity=entity).values_list("from_status", "to_status"):
        steps.setdefault(str(old), set()).add(str(new))
    return {old: frozenset(news) for old, news in steps.items()}


def following(steps: Rules, status: Enum) -> list[Any]:
    """The statuses that may follow `status`, in the enum's order."""
    kind = type(status)
    allowed = steps.get(status.value, frozenset())
    return [s for s in kind if s.value in allowed]


def editable(entity: TransitionEntity, old: str, new: str) -> bool:
    return old in FROM[entity] and new in TO[entity] and (old != new or (entity, old) in SELF_STEPS)


def _status(entity: TransitionEntity, field: str, raw: Any, offered: Sequence[str]) -> str:
    value = v.text(field, raw, max_length=40, required=True).lower()
    if value not in offered:
        names = ", ".join(s.upper() for s in offered)
        raise BadUserInput(field, f"is not a status whose steps admins edit for a {entity.value}: one of {names}")
    return value


async def set_transition(actor: Actor, entity: TransitionEntity, raw_from: Any, raw_to: Any, allowed: Any
                         ) -> dict[str, frozenset[str]]:
    """Allow (`allowed` true) or forbid the step from one status to another; the rules after the write.
    Records keep their status either way."""
    permissions.require(actor, Action.MANAGE_WORKFLOWS)
    old = _status(entity, "from", raw_from, FROM[entity])
    new = _status(entity, "to", raw_to, TO[entity])
    if not editable(entity, old, new):
        raise BadUserInput("to", "a status does not step to itself here")
    if allowed is None:
        raise BadUserInput("allowed", "may not be null: true allows the step, false forbids it")
    wanted = bool(allowed)
    try:
        async with write(actor) as unit:
            step = StatusTransition.filter(entity=entity, from_status=old, to_status=new)
            if wanted == await step.exists():
                return await rules(entity)
            if wanted:
                await StatusTransition.create(entity=entity, from_status=old, to_status=new)
            else:
                await step.delete()
            await unit.audit("status_transition.allow" if wanted else "status_transition.forbid",
                             "status_transition", f"{entity.value}:{old}:{new}",
                             {"entity": entity.value, "from": old, "to": new, "allowed": [not wanted, wanted]})
            unit.publish(topics.configuration(), TransitionsChanged(entity=entity.value))
            return await rules(entity)
    except IntegrityError:  # another admin allowed the same step at the same moment: it is allowed
        return await rules(entity)
