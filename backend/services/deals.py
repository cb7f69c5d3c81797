"""Deals: open, edit, move through a pipeline's stages (history, timeline entry, owner notification), delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

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
    DealUpdated,
    NotificationKind,
)
from backend.models import (
    Activity,
    ActivityKind,
    Contact,
    Customer,
    Deal,
    DealStageChange,
    Notification,
    Pipeline,
    Stage,
    StageKind,
)
from backend.permissions import Action
from backend.services import customers, users
from backend.services import validate as v
from backend.services.currency import rates
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


def _entering(stage: Stage, lost_reason: str, probability: int | None) -> dict[str, Any]:
    """What a deal entering `stage` becomes: closing stages fix the probability and the close time."""
    now = datetime.now(UTC)
    if stage.kind is StageKind.WON:
        return {"stage_id": stage.id, "probability": 100, "closed_at": now, "lost_reason": ""}
    if stage.kind is StageKind.LOST:
        if not lost_reason:
            raise BadUserInput("lostReason", f"is required to close a deal as {stage.name!r}")
        return {"stage_id": stage.id, "probability": 0, "closed_at": now, "lost_reason": lost_reason}
    chosen = stage.probability if probability is None else probability
    return {"stage_id": stage.id, "probability": chosen, "closed_at": None, "lost_reason": ""}


def _facts(actor: Actor, deal: Deal) -> dict[str, Any]:
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


async def insert_deal(actor: Actor, customer: Customer, data: Mapping[str, Any]) -> Deal:
    """Validate and open a deal with `customer` (already known visible), inside the caller's write.

    createDeal and convertLead both open deals here, so both get the same checks, history and audit."""
    values = _clean(data, creating=True)
    async with write(actor) as unit:
        values["currency"] = await _currency(data.get("currency"))
        owner_raw = data.get("owner_id")
        owner_id = actor.user_id if owner_raw is None else await users.assignable(actor, "ownerId", owner_raw, required=True)
        permissions.require(actor, Action.CREATE_DEAL, SimpleNamespace(owner_id=owner_id))
        pipeline = await pipeline_or_default(data.get("pipeline_id"))
        stage = await _stage(pipeline, data.get("stage_id"))
        values |= _entering(stage, values.pop("lost_reason", ""), values.pop("probability", None))
        contact_id = await _contact(actor, data.get("contact_id"), customer.id)
        deal = await Deal.create(
            **values, customer_id=customer.id, contact_id=contact_id, owner_id=owner_id, pipeline_id=pipeline.id
        )
        await DealStageChange.create(deal_id=deal.id, to_stage_id=stage.id, changed_by_id=actor.user_id)
        recorded = {**values, "customer_id": customer.id, "contact_id": contact_id, "owner_id": owner_id}
        await unit.audit("deal.create", "deal", deal.id, diff({}, {**recorded, "pipeline_id": pipeline.id}))
        unit.publish(topics.deals(), DealCreated(**_facts(actor, deal)))
    return deal


async def update_deal(actor: Actor, raw_id: Any, version: int | None, data: Mapping[str, Any]) -> Deal:
    expected = v.version("version", version)
    values = _clean(data, creating=False)
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
            await unit.audit("deal.update", "deal", deal.id, diff(before, values))
            unit.publish(topics.deals(), DealUpdated(**_facts(actor, deal)))
    return deal


async def move_deal(actor: Actor, raw_id: Any, version: int | None, stage_id: Any, lost_reason: str | None) -> Deal:
    expected = v.version("version", version)
    reason = v.text("lostReason", lost_reason, max_length=500)
    target_id = v.parse_id("stageId", stage_id)
    async with write(actor) as unit:
        deal = await visible(actor, raw_id)
        permissions.require(actor, Action.MOVE_DEAL, deal)
        target = await v.one(Stage.filter(id=target_id), "Stage", stage_id, "stageId")
        if target.pipeline_id != deal.pipeline_id:
            raise BadUserInput("stageId", "is not a stage of this deal's pipeline")
        if target.id == deal.stage_id:
            raise BadUserInput("stageId", "the deal is already in this stage")
        source = await Stage.get(id=deal.stage_id)
        values = _entering(target, reason, None)
        before = {key: getattr(deal, key) for key in values}
        await v.versioned_update(Deal, deal, expected, "Deal", **values)
        await DealStageChange.create(
            deal_id=deal.id, from_stage_id=source.id, to_stage_id=target.id, changed_by_id=actor.user_id
        )
        await _log_move(actor, unit, deal, source, target)
        await unit.audit("deal.move", "deal", deal.id, diff(before, values))
        unit.publish(topics.deals(), DealMoved(**_facts(actor, deal), from_stage_id=source.id))
    return deal


async def _log_move(actor: Actor, unit: Unit, deal: Deal, source: Stage, target: Stage) -> None:
    """A move shows on the customer's timeline, and tells the owner when someone else made it."""
    customer_id = deal.customer_id
    activity = await Activity.create(
        kind=ActivityKind.DEAL_UPDATE,
        title=f"{deal.title}: {source.name} → {target.name}",
        description=deal.lost_reason if target.kind is StageKind.LOST else "",
        occurred_at=datetime.now(UTC),
        customer_id=customer_id,
        contact_id=deal.contact_id,
        deal_id=deal.id,
        author_id=actor.user_id,
    )
    unit.publish(topics.customer_activities(customer_id), ActivityAdded(id=activity.id, customer_id=customer_id))
    owner_id = deal.owner_id
    if owner_id is not None and owner_id != actor.user_id:
        message = f"{actor.name} moved your deal {deal.title!r} from {source.name} to {target.name}"
        note = await Notification.create(
            user_id=owner_id, kind=NotificationKind.DEAL_MOVED, message=message[:500], entity="deal", entity_id=deal.id
        )
        unit.publish(topics.notifications(owner_id), DealMovedNote(id=note.id, deal_id=deal.id, message=note.message))


async def delete_deal(actor: Actor, raw_id: Any, version: int | None) -> int:
    expected = v.version("version", version)
    async with write(actor) as unit:
        deal = await visible(actor, raw_id)
        permissions.require(actor, Action.DELETE_DEAL, deal)
        async with hiding(unit, [deal.customer_id]) as saw:
            if deal.version != expected or not await Deal.filter(id=deal.id, version=expected).delete():
                raise Conflict("Deal", deal.version)
            await unit.audit("deal.delete", "deal", deal.id, {"title": [deal.title, None]})
            # The row is gone: who saw it is told by the event (the customer may be out of their sight now).
            audiences = as_payload(saw[deal.customer_id])
            unit.publish(topics.deals(), DealDeleted(**_facts(actor, deal), audiences=audiences))
    return deal.id
