"""A customer's relationship phase (idea → exploring → active → paused → archived): moved by hand, in any
direction, by whoever may edit the customer; pausing or archiving a relationship says why. Each move adds a
history row in the same transaction as the customer's new phase and its audit entry."""

from __future__ import annotations

from typing import Any

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.live import topics
from backend.live.events import CustomerUpdated
from backend.models import Customer, CustomerPhase, CustomerPhaseChange
from backend.permissions import Action
from backend.services import validate as v
from backend.services.customers import visible
from backend.services.unit import write

P = CustomerPhase
WHY_LENGTH = 500
# Stepping back from a relationship is what colleagues later ask about; moving forward speaks for itself.
NEEDS_WHY = frozenset({P.PAUSED, P.ARCHIVED})


async def set_phase(actor: Actor, raw_id: Any, version: int | None, phase: Any, why: str | None) -> Customer:
    expected = v.version("version", version)
    target = v.choice("phase", phase, CustomerPhase)
    reason = v.text("why", why, max_length=WHY_LENGTH)
    if target in NEEDS_WHY and not reason:
        raise BadUserInput("why", f"is required to move a relationship to {target.value}")
    async with write(actor) as unit:
        customer = await visible(actor, raw_id)
        permissions.require(actor, Action.SET_CUSTOMER_PHASE, customer)
        await permissions.require_runs(actor, customer.id)
        current = customer.phase
        if target == current:
            raise BadUserInput("phase", f"the relationship is already {current.value}")
        await v.versioned_update(Customer, customer, expected, "Customer", phase=target)
        await CustomerPhaseChange.create(
            customer_id=customer.id, from_phase=current, to_phase=target, why=reason, changed_by_id=actor.user_id
        )
        await unit.audit("customer.set_phase", "customer", customer.id,
                         {"phase": [current.value, target.value], "why": reason})
        unit.publish(topics.customer_changes(customer.id), CustomerUpdated(id=customer.id))
    return customer
