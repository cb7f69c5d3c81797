"""Deals: open, edit, move through a pipeline's stages (history, timeline entry, owner notification), delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from tortoise.expressions import Q

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput, Conflict
from backend.live import topics
from backend.live.events import (
    ActivityAdded,
    DealCreated,
    DealDeleted,
    DealMoved,
    DealMovedNote,
    DealReassignedNote,
    DealUpdated,
    NotificationKind,
)
from backend.lost_text import readable
from backend.models import (
    Activity,
    ActivityKind,
    Contact,
    CustomEntity,
    Customer,
    Deal,
    DealStageChange,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
    User,
)
from backend.permissions import Action
from backend.services import activities, attachments, automations, customers, lost_reasons, notify, users
from backend.services import custom_fields as custom
from backend.services import validate as v
from backend.services.currency import rates
from backend.services.locks import lock_pipeline
from backend.services.removals import as_payload, hiding
from backend.services.unit import Unit, diff, write
from backend.settings import get_settings

# Fields that may be changed but never emptied; their GraphQL names for error messages.
NOT_NULL = {"title": "title", "amount": "amount", "currency": "currency", "probability": "probability"}


def _close_date(field: str, value: date | None) -> date | None:
    if value is not None and not 1900 <= value.year <= 2200:
        raise BadUserInput(field, "is not a plausible date")
    return value


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the plain fields present in `data` (the title is required when creating)."""
    checks = {
        "title": lambda x: v.text("title", x, max_length=200, required=True),
        "amount": lambda x: v.money("amount", x),
        "probability": lambda x: v.integer("probability", x, maximum=100),
        "expected_close_date": lambda x: _close_date("expectedCloseDate", x),
        "lost_reason": lambda x: v.text("lostReason", x, max_length=500),
    }
    if creating:
        data = {"title": None, **data}
    else:
        for key, name in NOT_NULL.items():
            if key in data and data[key] is None:
                raise BadUserInput(name, "may not be null")
    return {key: checks[key](value) for key, value in data.items() if key in checks}


async def _currency(value: str | None) -> str:
    """An ISO code with a known exchange rate, so every total and forecast can count the deal."""
    code = v.currency("currency", value if value is not None else get_settings().base_currency)
    if code not in await rates():
        raise BadUserInput("currency", f"no exchange rate for {code} yet; an admin sets it with setExchangeRate")
    return code


async def _contact(actor: Actor, raw_id: Any, customer_id: int) -> int | None:
    if raw_id is None:
        return None
    contact_id = v.parse_id("contactId", raw_id)
    contact = await v.one(
        Contact.filter(permissions.contact_rule(actor), id=contact_id), "Contact", raw_id, "contactId"
    )
    if contact.customer_id != customer_id:
        raise BadUserInput("contactId", "this person does not work for the deal's customer")
    return contact.id


async def pipeline_or_default(raw_id: Any, field: str = "pipelineId") -> Pipeline:
    if raw_id is None:
        return await v.one(Pipeline.all().order_by("-is_default", "position", "id"), "Pipeline", None, field)
    return await v.one(Pipeline.filter(id=v.parse_id(field, raw_id)), "Pipeline", raw_id, field)


async def _stage(pipeline: Pipeline, raw_id: Any) -> Stage:
    """The named stage, which must belong to `pipeline`; by default its first stage."""
    if raw_id is None:
        return await v.one(Stage.filter(pipeline_id=pipeline.id).order_by("position"), "Stage", None, "stageId")
    stage = await v.one(Stage.filter(id=v.parse_id("stageId", raw_id)), "Stage", raw_id, "stageId")
    if stage.pipeline_id != pipeline.id:
        raise BadUserInput("stageId", f"is not a stage of the pipeline {pipeline.name!r}")
    return stage


def entering(stage: Stage, lost_reason: str, probability: int | None, choice_id: int | None = None) -> dict[str, Any]:
    """What a deal entering `stage` becomes: closing stages fix the probability and the close time; a lost
    one keeps its reason (and the listed reason picked, `choice_id`)."""
    now = datetime.now(UTC)
    if stage.kind is StageKind.WON:
        return {"stage_id": stage.id, "probability": 100, "closed_at": now, "lost_reason": "",
                "lost_reason_choice_id": None}
    if stage.kind is StageKind.LOST:
        if not lost_reason:
            raise BadUserInput("lostReason", f"is required to close a deal as {stage.name!r}")
        return {"stage_id": stage.id, "probability": 0, "closed_at": now, "lost_reason": lost_reason,
                "lost_reason_choice_id": choice_id}
    chosen = stage.probability if probability is None else probability
    return {"stage_id": stage.id, "probability": chosen, "closed_at": None, "lost_reason": "",
            "lost_reason_choice_id": None}


def facts(actor: Actor, deal: Deal) -> dict[str, Any]:
    """What every deal event carries (events.DealFacts)."""
    return {
        "id": deal.id,
        "customer_id": deal.customer_id,
        "owner_id": deal.owner_id,
        "stage_id": deal.stage_id,
        "actor_id": actor.user_id,
    }


async def visible(actor: Actor, raw_id: Any, field: str = "id") -> Deal:
    deal_id = v.parse_id(field, raw_id)
    return await v.one(Deal.filter(permissions.deal_rule(actor), id=deal_id), "Deal", raw_id, field)


async def create_deal(actor: Actor, data: Mapping[str, Any]) -> Deal:
    permissions.require(actor, Action.CREATE_DEAL)
    if data.get("customer_id") is None:
        raise BadUserInput("customerId", "is required")
    async with write(actor):
        customer = await customers.visible(actor, data["customer_id"], "customerId")
        return await insert_deal(actor, customer, data)


async def insert_deal(actor: Actor, customer: Customer, data: Mapping[str, Any], *, require: bool = True) -> Deal:
    """Validate and open a deal with `customer` (already known visible), inside the caller's write.

    createDeal and convertLead both open deals here, so both get the same checks, history and audit. A
    conversion (`require` False) asks for no custom fields: the deal gets the defaults, and a required field
    without one stays empty until someone edits the deal, as a conversion's new customer."""
    values = _clean(data, creating=True)
    extra = await custom.clean(CustomEntity.DEAL, data.get("custom_fields"), creating=True, require=require)
    async with write(actor) as unit:
        values["currency"] = await _currency(data.get("currency"))
        owner_raw = data.get("owner_id")
        owner_id = actor.user_id if owner_raw is None else await users.assignable(actor, "ownerId", owner_raw, required=True)
        permissions.require(actor, Action.CREATE_DEAL, SimpleNamespace(owner_id=owner_id))
        pipeline = await pipeline_or_default(data.get("pipeline_id"))
        stage = await _stage(pipeline, data.get("stage_id"))
        choice_id, reason = await lost_reasons.reason_text(data.get("lost_reason_id"), values.pop("lost_reason", ""))
        values |= entering(stage, reason, values.pop("probability", None), choice_id)
        contact_id = await _contact(actor, data.get("contact_id"), customer.id)
        deal = await Deal.create(
            **values, customer_id=customer.id, contact_id=contact_id, owner_id=owner_id, pipeline_id=pipeline.id
        )
        await DealStageChange.create(deal_id=deal.id, to_stage_id=stage.id, changed_by_id=actor.user_id)
        recorded = {**values, "customer_id": customer.id, "contact_id": contact_id, "owner_id": owner_id}
        changes = diff({}, {**recorded, "pipeline_id": pipeline.id}) | await custom.store(deal.id, extra)
        await unit.audit("deal.create", "deal", deal.id, changes)
        unit.publish(topics.deals(), DealCreated(**facts(actor, deal)))
    return deal


async def update_deal(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Deal:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
    extra = await custom.clean(CustomEntity.DEAL, data.get("custom_fields"), creating=False)
    async with write(actor) as unit:
        deal = await visible(actor, raw_id)
        permissions.require(actor, Action.UPDATE_DEAL, deal)
        if "currency" in data:
            values["currency"] = await _currency(data["currency"])
        if "owner_id" in data:
            values["owner_id"] = await users.assignable(actor, "ownerId", data["owner_id"], required=True)
            # A rep may hand over no deal: after the change they must still own it.
            permissions.require(actor, Action.UPDATE_DEAL, SimpleNamespace(owner_id=values["owner_id"]))
        if "contact_id" in data:
            values["contact_id"] = await _contact(actor, data["contact_id"], deal.customer_id)
        stage = await Stage.get(id=deal.stage_id)
        if stage.kind is not StageKind.OPEN and values.get("probability", deal.probability) != deal.probability:
            raise BadUserInput("probability", f"is fixed at {deal.probability}% while the deal is {stage.kind.value}")
        reason = values.get("lost_reason", deal.lost_reason)
        if stage.kind is StageKind.LOST and not reason:
            raise BadUserInput("lostReason", "a lost deal keeps a reason")
        if stage.kind is not StageKind.LOST and reason:
            raise BadUserInput("lostReason", "only a lost deal has a reason: move it to a lost stage")
        before = {key: getattr(deal, key) for key in values}
        handed_over = [deal.customer_id] if values.get("owner_id", deal.owner_id) != deal.owner_id else []
        async with hiding(unit, handed_over):
            await v.versioned_update(Deal, deal, expected, "Deal", **values)
            if handed_over:
                await _tell_owners(actor, unit, deal, before["owner_id"])
            extra_changes = await custom.store(deal.id, extra)
            await unit.audit("deal.update", "deal", deal.id, diff(before, values) | extra_changes)
            unit.publish(topics.deals(), DealUpdated(**facts(actor, deal), custom_fields=custom.keys_of(extra_changes)))
    return deal


async def move_deal(actor: Actor, raw_id: Any, version: int | None, stage_id: Any, lost_reason: str | None,
                    lost_reason_id: Any = None, next_step: Mapping[str, Any] | None = None) -> Deal:
    """Move a deal; into a lost stage with a reason: free text, one from the admins' list
    (`lost_reason_id`), or both (the text then details the listed reason). A stage that requires a next step
    needs an open task with a due date on the deal, or `next_step` (a title and due time), created with the
    move in its write: both or neither."""
    expected = v.version("version", version)
    v.text("lostReason", lost_reason, max_length=500)  # bad text is refused before anything is read
    step = automations.clean_next_step(next_step)
    target_id = v.parse_id("stageId", stage_id)
    async with write(actor) as unit:
        deal = await visible(actor, raw_id)
        permissions.require(actor, Action.MOVE_DEAL, deal)
        # Its pipeline's stages hold still (their kinds above all) until the move commits: services/locks.py.
        await lock_pipeline(deal.pipeline_id, "id")
        target = await v.one(Stage.filter(id=target_id), "Stage", stage_id, "stageId")
        if target.pipeline_id != deal.pipeline_id:
            raise BadUserInput("stageId", "is not a stage of this deal's pipeline")
        if target.id == deal.stage_id:
            raise BadUserInput("stageId", "the deal is already in this stage")
        source = await Stage.get(id=deal.stage_id)
        choice_id, reason = await lost_reasons.reason_text(
            lost_reason_id if target.kind is StageKind.LOST else None, lost_reason)
        values = entering(target, reason, None, choice_id)
        before = {key: getattr(deal, key) for key in values}
        await v.versioned_update(Deal, deal, expected, "Deal", **values)
        await _next_step(actor, unit, deal, target, step)
        await DealStageChange.create(
            deal_id=deal.id, from_stage_id=source.id, to_stage_id=target.id, changed_by_id=actor.user_id
        )
        await log_move(actor, unit, deal, source, target)
        await unit.audit("deal.move", "deal", deal.id, diff(before, values))
        unit.publish(topics.deals(), DealMoved(**facts(actor, deal), from_stage_id=source.id))
    return deal


async def _next_step(actor: Actor, unit: Unit, deal: Deal, target: Stage, step: Mapping[str, Any] | None) -> None:
    """The next step given with a move becomes a task on the deal (its owner's unless it names someone), in the
    move's write; a stage that requires one (services/automations.py) refuses the move without."""
    if step is not None:
        assignee = step["assignee_id"] if step["assignee_id"] is not None else deal.owner_id
        await activities.log_activity(actor, {"kind": ActivityKind.TASK, "deal_id": deal.id, "title": step["title"],
                                              "due_at": step["due_at"], "assignee_id": assignee}, require=False)
        return
    if await automations.next_step_required(actor, unit, target) and not await automations.has_next_step(deal.id):
        raise BadUserInput(
            "nextStep", f"moving into {target.name!r} needs a next step: give one with the move (a title and a due "
            "date), or add an open task with a due date to the deal first")


async def log_move(actor: Actor, unit: Unit, deal: Deal, source: Stage, target: Stage, via: str = "") -> None:
    """A move shows on the customer's timeline, and tells the owner when someone else made it; `via` names the
    pipelines of a move between them ("New business → Renewals")."""
    customer_id = deal.customer_id
    reason = ""
    if target.kind is StageKind.LOST:
        listed = await LostReason.get_or_none(id=deal.lost_reason_choice_id) if deal.lost_reason_choice_id else None
        reason = readable(deal.lost_reason, listed.name if listed else None)
    activity = await Activity.create(
        kind=ActivityKind.DEAL_UPDATE,
        title=f"{deal.title}: {source.name} → {target.name}{f' ({via})' if via else ''}"[:200],
        description=reason,
        occurred_at=datetime.now(UTC),
        customer_id=customer_id,
        contact_id=deal.contact_id,
        deal_id=deal.id,
        author_id=actor.user_id,
    )
    unit.publish(topics.customer_activities(customer_id), ActivityAdded(id=activity.id, customer_id=customer_id))
    told = deal.owner_id not in (None, actor.user_id)
    owner = await User.filter(id=deal.owner_id, active=True).first() if told else None
    if owner is not None:
        await notify.tell(unit, owner, NotificationKind.DEAL_MOVED,
                          f"{actor.name} moved your deal {deal.title!r} from {source.name} to {target.name}"
                          f"{f' ({via})' if via else ''}",
                          ("deal", deal.id), lambda note: DealMovedNote(id=note.id, deal_id=deal.id, message=note.message),
                          f"deal_moved:{deal.id}:{deal.version}", path=f"/deals/{deal.id}")


async def _tell_owners(actor: Actor, unit: Unit, deal: Deal, old_owner_id: int | None) -> None:
    """A reassigned deal (heads and admins may) tells its new owner and its old one, unless they made the change."""
    owners = {user.id: user for user in await User.filter(id__in=[i for i in (old_owner_id, deal.owner_id) if i])}
    new_owner, old_owner = owners.get(deal.owner_id or 0), owners.get(old_owner_id or 0)
    told: dict[int, str] = {}
    if new_owner is not None:
        told[new_owner.id] = f"{actor.name} gave you the deal {deal.title!r}"
    if old_owner is not None:
        to = f" to {new_owner.name}" if new_owner is not None else ""
        told[old_owner.id] = f"{actor.name} reassigned your deal {deal.title!r}{to}"
    for user_id, message in told.items():
        if user_id == actor.user_id:
            continue
        await notify.tell(unit, owners[user_id], NotificationKind.DEAL_REASSIGNED, message, ("deal", deal.id),
                          lambda note: DealReassignedNote(id=note.id, deal_id=deal.id, message=note.message),
                          f"deal_reassigned:{deal.id}:{deal.version}:{user_id}", path=f"/deals/{deal.id}")


async def delete_deal(actor: Actor, raw_id: Any, version: int | None) -> int:
    expected = v.version("version", version)
    async with write(actor) as unit:
        deal = await visible(actor, raw_id)
        permissions.require(actor, Action.DELETE_DEAL, deal)
        async with hiding(unit, [deal.customer_id]) as saw:
            await attachments.files_leave_with(unit, Q(deal_id=deal.id) | Q(activity__deal_id=deal.id))
            if deal.version != expected or not await Deal.filter(id=deal.id, version=expected).delete():
                raise Conflict("Deal", deal.version)
            await custom.forget(CustomEntity.DEAL, deal.id)
            await unit.audit("deal.delete", "deal", deal.id, {"title": [deal.title, None]}, was=deal)
            # The row is gone: who saw it is told by the event (the customer may be out of their sight now).
            audiences = as_payload(saw[deal.customer_id])
            unit.publish(topics.deals(), DealDeleted(**facts(actor, deal), audiences=audiences))
    return deal.id
