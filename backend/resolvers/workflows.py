"""The status transitions admins allow: the workflows everyone reads (forms offer the allowed statuses), the
admins' write (services.workflows) and the stream that tells connected users when a workflow changed."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from tortoise.functions import Count

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.events import TransitionsChanged
from backend.models import Activity, ActivityKind, Contact, Customer, Lead, TransitionEntity
from backend.permissions import Action
from backend.reads.context import Info
from backend.resolvers.streams import listen
from backend.schema.workflows import (
    SetStatusTransitionInput,
    StatusCount,
    StatusStep,
    StatusWorkflow,
    StatusWorkflowChange,
)
from backend.services import workflows as service

E = TransitionEntity


def _name(value: str) -> str:
    return value.upper()  # the status enum's name in the API (values are its lower-case names)


async def _counts(actor: Actor, entity: TransitionEntity) -> list[StatusCount]:
    """Records per status, for admins (who see every record) deciding about a step."""
    if not permissions.may(actor, Action.MANAGE_WORKFLOWS):
        return []
    query: Any = {
        E.CUSTOMER: Customer.filter(merged_into_id__isnull=True).annotate(n=Count("id")).group_by("status")
        .values("status", "n"),
        E.CONTACT: Contact.filter(merged_into_id__isnull=True).annotate(n=Count("id")).group_by("status")
        .values("status", "n"),
        E.LEAD: Lead.all().annotate(n=Count("id")).group_by("status").values("status", "n"),
        E.TASK: Activity.filter(kind=ActivityKind.TASK).annotate(n=Count("id")).group_by("task_status")
        .values("task_status", "n"),
    }[entity]
    found: dict[str, int] = {}
    for row in await query:
        status = row.get("status") or row.get("task_status")
        found[str(getattr(status, "value", status))] = row["n"]  # an enum member, or its text
    return [StatusCount(status=_name(s.value), count=int(found.get(s.value, 0))) for s in service.STATUSES[entity]]


async def workflow(actor: Actor, entity: TransitionEntity, steps: service.Rules) -> StatusWorkflow:
    kinds = list(service.STATUSES[entity])
    return StatusWorkflow(
        entity=entity,
        statuses=[_name(s.value) for s in kinds],
        from_statuses=[_name(s) for s in service.FROM[entity]],
        to_statuses=[_name(s) for s in service.TO[entity]],
        self_steps=[_name(s) for kind, s in service.SELF_STEPS if kind is entity],
        steps=[StatusStep(from_status=_name(old), to_status=_name(new))
               for old in service.FROM[entity] for new in service.TO[entity] if new in steps.get(old, ())],
        records=await _counts(actor, entity),
    )


@strawberry.type
class WorkflowQuery:
    @strawberry.field(description="The allowed status steps of customers, contacts, leads and tasks")
    async def status_workflows(self, info: Info) -> list[StatusWorkflow]:
        permissions.require_role(info.context.actor)
        return [await workflow(info.context.actor, entity, await info.context.loaders.workflow.load(entity))
                for entity in TransitionEntity]


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(description="Allow or forbid one status step of an entity (admins); records keep their "
                         "status either way")
    async def set_status_transition(self, info: Info, input: SetStatusTransitionInput) -> StatusWorkflow:
        actor = info.context.actor
        steps = await service.set_transition(actor, input.entity, input.from_status, input.to_status, input.allowed)
        return await workflow(actor, input.entity, steps)


@strawberry.type
class WorkflowSubscription:
    @strawberry.subscription(description="An entity's allowed status steps changed, as committed: forms re-read "
                             "them (every signed-in user reads the workflows)")
    async def status_workflow_changed(self, info: Info) -> AsyncGenerator[StatusWorkflowChange, None]:
        async with listen(info.context, topics.configuration()) as events:
            async for event in events:
                if isinstance(change := event.data, TransitionsChanged):
                    yield StatusWorkflowChange(entity=TransitionEntity(change.entity))
