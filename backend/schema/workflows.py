"""The status transitions admins allow (issue 18), as the API shows and edits them: one workflow per entity,
its statuses and the allowed steps between them. Statuses are named as the entity's status enum names them
(e.g. PROSPECT, NOT_INTERESTED)."""

from __future__ import annotations

import strawberry

from backend.models import TransitionEntity

strawberry.enum(TransitionEntity, name="WorkflowEntity", description="Whose status steps admins edit")


@strawberry.type(description="An allowed step from one status to another")
class StatusStep:
    from_status: str = strawberry.field(name="from", description="The status a record leaves")
    to_status: str = strawberry.field(name="to", description="The status it may take next")


@strawberry.type(description="The status steps allowed for one entity; everything else is refused with "
                 "BAD_USER_INPUT (field status, or taskStatus for tasks)")
class StatusWorkflow:
    entity: TransitionEntity = strawberry.field(description="Whose statuses")
    statuses: list[str] = strawberry.field(description="Every status of the entity, in its order")
    from_statuses: list[str] = strawberry.field(description="Statuses whose steps out admins edit (the matrix's "
                                                "rows); the others are final or left by fixed rules")
    to_statuses: list[str] = strawberry.field(description="Statuses admins may allow steps into (its columns)")
    self_steps: list[str] = strawberry.field(description="Statuses that may step to themselves (a rescheduled "
                                             "task is rescheduled again); no other status does")
    steps: list[StatusStep] = strawberry.field(description="The allowed steps between those statuses")
    records: list[StatusCount] = strawberry.field(description="How many records are in each status now: "
                                                  "forbidding a step leaves them where they are")


@strawberry.type(description="How many records are in a status")
class StatusCount:
    status: str
    count: int


@strawberry.input(description="Allow or forbid one step (admins). Records keep their status either way")
class SetStatusTransitionInput:
    entity: TransitionEntity = strawberry.field(description="Whose statuses")
    from_status: str = strawberry.field(name="from", description="The status a record leaves, e.g. PROSPECT")
    to_status: str = strawberry.field(name="to", description="The status it would take, e.g. CHURNED")
    allowed: bool = strawberry.field(description="true allows the step, false forbids it")


@strawberry.type(description="The allowed status steps of an entity changed: forms and boards re-read them")
class StatusWorkflowChange:
    entity: TransitionEntity = strawberry.field(description="Whose steps changed")
