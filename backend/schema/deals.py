"""Pipelines, stages and deals as the API shows them, and what a DealFilter means: one meaning for SQL (lists,
the board's summary) and for live events."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.unset import UNSET
from tortoise.queryset import QuerySet

from backend import permissions
from backend.interop.tortoise import joined
from backend.models import CustomEntity, Deal, DealStageChange, Pipeline, Stage
from backend.models import StageKind as StageKindModel
from backend.reads.columns import reads
from backend.reads.context import Info
from backend.reads.nested import newest_activities
from backend.schema.attachments import AttachmentRecord, AttachmentType, attachments_of
from backend.schema.common import AmountRange, BigInt, DateRange, DateTimeRange, Money, SortDirection
from backend.schema.custom_fields import CustomFieldFilter, CustomFieldValue, CustomFieldValueInput, record_values
from backend.schema.deal_history import DealFieldChange, field_history
from backend.schema.lost_reasons import LostReasonType, picked_reason
from backend.schema.rows import Shows
from backend.schema.users import UserType
from backend.services import custom_fields
from backend.services import validate as v
from backend.services.currency import to_base
from backend.settings import get_settings

if TYPE_CHECKING:
    from backend.schema.activities import ActivityType
    from backend.schema.contacts import ContactType
    from backend.schema.customers import CustomerType

CustomerRef = Annotated["CustomerType", strawberry.lazy("backend.schema.customers")]
ContactRef = Annotated["ContactType", strawberry.lazy("backend.schema.contacts")]
ActivityRef = Annotated["ActivityType", strawberry.lazy("backend.schema.activities")]

# The API's enums are the models' own Enum classes, registered with strawberry.enum (which returns the class
# it registers); the names are aliases, so the type checker sees the Enum.
StageKind = StageKindModel
strawberry.enum(StageKind, name="StageKind", description="open, or a closing stage: won or lost")


@strawberry.type(name="Stage", description="A step of a pipeline")
class StageType(Shows[Stage]):
    id: strawberry.ID = strawberry.field(description="Stage id")
    name: str = strawberry.field(description="Stage name")
    position: int = strawberry.field(description="Order within the pipeline, from 0")
    probability: int = strawberry.field(description="Default win probability in percent")
    kind: StageKind = strawberry.field(description="open, won or lost")
    requires_next_step: bool = strawberry.field(
        description="Deals moving into it need a next step: an open task with a due date on the deal, or one "
        "given with moveDeal (while the automation rule deal_next_step is on)"
    )

    @strawberry.field(description="Deals you may see in this stage (a stage holding deals keeps its kind)")
    @staticmethod
    async def deal_count(stage: strawberry.Parent[Stage], info: Info) -> int:
        return await info.context.loaders.deal_count_of_stage.load(stage.id)


@strawberry.type(name="Pipeline", description="A sales process: ordered stages deals move through")
class PipelineType(Shows[Pipeline]):
    id: strawberry.ID = strawberry.field(description="Pipeline id")
    name: str = strawberry.field(description="Pipeline name")
    is_default: bool = strawberry.field(description="Used when a deal names no pipeline")

    @strawberry.field(description="Stages in order")
    @staticmethod
    async def stages(pipeline: strawberry.Parent[Pipeline], info: Info) -> list[StageType]:
        return StageType.of_all(await info.context.loaders.stages_of_pipeline.load(pipeline.id))

    @strawberry.field(
        description="The pipeline board's figures: per stage the deals you may see (optionally filtered), "
        "their total and weighted forecast in the base currency"
    )
    @staticmethod
    async def summary(
        pipeline: strawberry.Parent[Pipeline],
        info: Info,
        filter: Annotated[DealFilter | None, strawberry.argument(description="Only deals matching this")] = None,
    ) -> PipelineSummary:
        return await pipeline_summary(info, pipeline, filter)


@strawberry.type(name="DealStageChange", description="One move of a deal between stages")
class DealStageChangeType(Shows[DealStageChange]):
    changed_at: datetime = strawberry.field(description="When")

    @strawberry.field(description="Stage before (null when the deal was created)")
    @staticmethod
    async def from_stage(change: strawberry.Parent[DealStageChange], info: Info) -> StageType | None:
        stage_id = change.from_stage_id
        return StageType.of_maybe(await info.context.loaders.stage.load(stage_id)) if stage_id else None

    @strawberry.field(description="Stage after")
    @staticmethod
    async def to_stage(change: strawberry.Parent[DealStageChange], info: Info) -> StageType:
        return StageType.of_present(await info.context.loaders.stage.load(change.to_stage_id))

    @strawberry.field(description="Who moved it")
    @staticmethod
    async def changed_by(change: strawberry.Parent[DealStageChange], info: Info) -> UserType | None:
        user_id = change.changed_by_id
        return UserType.of_maybe(await info.context.loaders.user.load(user_id)) if user_id else None


async def stage_of(deal: Deal, info: Info) -> StageType:
    """The deal's stage: already joined when the deal came through a loader, else batched."""
    return StageType.of_present(joined(deal, "stage") or await info.context.loaders.stage.load(deal.stage_id))


@strawberry.type(name="Deal", description="An opportunity with a customer, moving through a pipeline")
class DealType(Shows[Deal]):
    id: strawberry.ID = strawberry.field(description="Deal id")
    title: str = strawberry.field(description="What is being sold")
    probability: int = strawberry.field(description="Win probability in percent")
    expected_close_date: date | None = strawberry.field(description="When it should close")
    lost_reason: str = strawberry.field(description="Why it was lost")
    closed_at: datetime | None = strawberry.field(description="When it reached a won or lost stage")
    version: int = strawberry.field(description="Send it back with updateDeal and moveDeal")
    created_at: datetime = strawberry.field(description="Created at")
    updated_at: datetime = strawberry.field(description="Last changed at")

    @strawberry.field(description="Files attached to it, newest first", metadata=reads())
    @staticmethod
    async def attachments(deal: strawberry.Parent[Deal], info: Info) -> list[AttachmentType]:
        return await attachments_of(info, AttachmentRecord.DEAL, deal.id)

    @strawberry.field(description="Deal value", metadata=reads("amount", "currency"))
    @staticmethod
    def amount(deal: strawberry.Parent[Deal]) -> Money:
        return Money(amount=BigInt(deal.amount), currency=deal.currency)

    @strawberry.field(
        description="Amount × probability, the weighted forecast",
        metadata=reads("amount", "probability", "currency")
    )
    @staticmethod
    def weighted_amount(deal: strawberry.Parent[Deal]) -> Money:
        return Money(amount=BigInt(deal.amount * deal.probability // 100), currency=deal.currency)

    @strawberry.field(description="The listed reason picked when it was lost (null: free text only, or not lost)",
                      metadata=reads("lost_reason_choice_id"))
    @staticmethod
    async def lost_reason_choice(deal: strawberry.Parent[Deal], info: Info) -> LostReasonType | None:
        return await picked_reason(deal.lost_reason_choice_id, info)

    @strawberry.field(description="Current stage", metadata=reads("stage_id"))
    @staticmethod
    async def stage(deal: strawberry.Parent[Deal], info: Info) -> StageType:
        return await stage_of(deal, info)

    @strawberry.field(
        description="The amount converted to the base currency (CRM_BASE_CURRENCY)",
        metadata=reads("amount", "currency")
    )
    @staticmethod
    async def amount_in_base_currency(deal: strawberry.Parent[Deal], info: Info) -> Money | None:
        table = await info.context.loaders.exchange_rates()
        if deal.currency not in table:
            return None
        return Money(amount=BigInt(to_base(deal.amount, deal.currency, table)), currency=get_settings().base_currency)

    @strawberry.field(description="The pipeline", metadata=reads("pipeline_id"))
    @staticmethod
    async def pipeline(deal: strawberry.Parent[Deal], info: Info) -> PipelineType:
        return PipelineType.of_present(await info.context.loaders.pipeline.load(deal.pipeline_id))

    @strawberry.field(description="The customer", metadata=reads("customer_id"))
    @staticmethod
    async def customer(deal: strawberry.Parent[Deal], info: Info) -> CustomerRef:
        from backend.schema.customers import CustomerType

        return CustomerType.of_present(await info.context.loaders.customer.load(deal.customer_id))

    @strawberry.field(description="The contact person", metadata=reads("contact_id"))
    @staticmethod
    async def contact(deal: strawberry.Parent[Deal], info: Info) -> ContactRef | None:
        from backend.schema.contacts import ContactType

        contact_id = deal.contact_id
        return ContactType.of_maybe(await info.context.loaders.contact.load(contact_id)) if contact_id else None

    @strawberry.field(description="Who owns the deal", metadata=reads("owner_id"))
    @staticmethod
    async def owner(deal: strawberry.Parent[Deal], info: Info) -> UserType | None:
        owner_id = deal.owner_id
        return UserType.of_maybe(await info.context.loaders.user.load(owner_id)) if owner_id else None

    @strawberry.field(description="Newest activities on this deal", metadata=reads())
    @staticmethod
    async def activities(deal: strawberry.Parent[Deal], info: Info, first: int = 10) -> list[ActivityRef]:
        from backend.schema.activities import ActivityType

        return ActivityType.of_all(await newest_activities(info, ActivityType, "deal", deal.id, first))

    @strawberry.field(description="Edits of amount, currency, expected close date, probability and owner, oldest "
                      "first (from the audit log)", metadata=reads("currency"))
    @staticmethod
    async def field_history(deal: strawberry.Parent[Deal], info: Info) -> list[DealFieldChange]:
        return await field_history(deal, info)

    @strawberry.field(description="Every stage move, oldest first", metadata=reads())
    @staticmethod
    async def stage_history(deal: strawberry.Parent[Deal], info: Info) -> list[DealStageChangeType]:
        return DealStageChangeType.of_all(await info.context.loaders.stage_history_of_deal.load(deal.id))

    @strawberry.field(description="Custom fields in use on deals, with this one's values", metadata=reads())
    @staticmethod
    async def custom_fields(deal: strawberry.Parent[Deal], info: Info) -> list[CustomFieldValue]:
        return await record_values(info, CustomEntity.DEAL, deal.id)


@strawberry.type(name="StageTotals", description="One column of the pipeline board")
class StageTotals:
    stage: StageType = strawberry.field(description="The stage")
    count: int = strawberry.field(description="How many deals are in it")
    amount: Money = strawberry.field(description="Their total, in the base currency")
    weighted_amount: Money = strawberry.field(description="Their total × probability, in the base currency")


@strawberry.type(name="PipelineSummary", description="A pipeline's figures in the base currency")
class PipelineSummary:
    stages: list[StageTotals] = strawberry.field(description="Every stage in order, empty ones included")
    count: int = strawberry.field(description="Deals in the pipeline")
    open_amount: Money = strawberry.field(description="Total of the deals in open stages")
    weighted_forecast: Money = strawberry.field(description="Open deals' amount × probability: the forecast")
    won_amount: Money = strawberry.field(description="Total of the won deals")


@strawberry.input(description="Which deals to list; all conditions given must hold")
class DealFilter:
    pipeline_id: strawberry.ID | None = strawberry.field(default=None, description="In this pipeline")
    stage_id: list[strawberry.ID] | None = strawberry.field(default=None, description="In any of these stages")
    stage_kind: list[StageKind] | None = strawberry.field(
        default=None, description="In a stage of any of these kinds (open, won, lost)"
    )
    owner_id: list[strawberry.ID] | None = strawberry.field(default=None, description="Owned by any of")
    customer_id: list[strawberry.ID] | None = strawberry.field(default=None, description="With any of these customers")
    amount: AmountRange | None = strawberry.field(default=None, description="Amount in minor units, own currency")
    expected_close: DateRange | None = strawberry.field(default=None, description="Expected to close within")
    currency: list[str] | None = strawberry.field(default=None, description="In any of these ISO currencies")
    created_at: DateTimeRange | None = strawberry.field(default=None, description="Created within")
    custom: list[CustomFieldFilter] | None = strawberry.field(default=None, description="Custom-field conditions")


Condition = tuple[str, str, Any]  # (attribute path, operator, value)

TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "in": lambda value, allowed: value in allowed,
    "gte": lambda value, bound: value is not None and value >= bound,
    "lte": lambda value, bound: value is not None and value <= bound,
}


def _ids(field: str, raw: list[Any]) -> list[int]:
    return [v.parse_id(field, i) for i in raw]


def conditions(where: DealFilter | None) -> list[Condition]:
    """The built-in part of the filter as conditions with one meaning, evaluated by SQL (`filter_deals`) and in
    Python (`matches`); its custom-field conditions are SQL only (`custom_matches` for one deal)."""
    if where is None:
        return []
    found: list[Condition] = []
    if where.pipeline_id is not None:
        found.append(("pipeline_id", "eq", v.parse_id("filter.pipelineId", where.pipeline_id)))
    if where.stage_id:
        found.append(("stage_id", "in", _ids("filter.stageId", where.stage_id)))
    if where.stage_kind:
        found.append(("stage__kind", "in", [StageKind(k) for k in where.stage_kind]))
    if where.owner_id:
        found.append(("owner_id", "in", _ids("filter.ownerId", where.owner_id)))
    if where.customer_id:
        found.append(("customer_id", "in", _ids("filter.customerId", where.customer_id)))
    if where.currency:
        found.append(("currency", "in", [v.currency("filter.currency", c) for c in where.currency]))
    ranges = (
        ("amount", where.amount and where.amount.min, where.amount and where.amount.max),
        ("expected_close_date", where.expected_close and where.expected_close.start,
         where.expected_close and where.expected_close.end),
    )
    for path, low, high in ranges:
        if low is not None:
            found.append((path, "gte", low))
        if high is not None:
            found.append((path, "lte", high))
    if where.created_at and where.created_at.start:
        found.append(("created_at", "gte", v.aware("filter.createdAt.start", where.created_at.start)))
    if where.created_at and where.created_at.end:
        found.append(("created_at", "lte", v.aware("filter.createdAt.end", where.created_at.end)))
    return found


def filter_deals(query: QuerySet, where: DealFilter | None) -> QuerySet:
    for path, op, value in conditions(where):
        query = query.filter(**{path if op == "eq" else f"{path}__{op}": value})
    return query


def matches(where: DealFilter | None, deal: Deal) -> bool:
    """Whether `deal` passes `where`, without a query: for live events (dealChanged).

    The deal must come with its stage joined (e.g. loaders.deal) when the filter names a stage kind."""
    for path, op, value in conditions(where):
        actual: Any = deal
        for part in path.split("__"):
            actual = getattr(actual, part)
        if not TESTS[op](actual, value):
            return False
    return True


async def with_custom(query: QuerySet, where: DealFilter | None) -> QuerySet:
    """`query` narrowed by the filter's custom-field conditions (they read their fields' definitions)."""
    return await custom_fields.filtered(query, CustomEntity.DEAL, where.custom if where else None)


async def custom_matches(where: DealFilter | None, deal_id: int) -> bool:
    """Whether the deal meets the filter's custom-field conditions (true without any): for live events."""
    if where is None or not where.custom:
        return True
    return await (await with_custom(Deal.filter(id=deal_id), where)).exists()


async def visible_deals(info: Info, where: DealFilter | None = None) -> QuerySet:
    return await with_custom(filter_deals(Deal.filter(permissions.deal_rule(info.context.actor)), where), where)


async def pipeline_summary(info: Info, pipeline: Pipeline, where: DealFilter | None) -> PipelineSummary:
    """Per-stage totals of the visible deals: one GROUP BY for all pipelines of the request, then arithmetic."""
    loaders = info.context.loaders
    stages = await loaders.stages_of_pipeline.load(pipeline.id)
    groups = await loaders.deal_totals(repr(where), await visible_deals(info, where)).load(pipeline.id)
    return board_figures(stages, groups, await loaders.exchange_rates())


def board_figures(stages: list[Stage], groups: list[dict[str, Any]], table: dict[str, Any]) -> PipelineSummary:
    """A pipeline's figures from its `stages` in order and its deals' count, amount and amount × probability per
    stage and currency (`groups`, as loaders.deal_totals reads them), converted at the rates of `table` (the
    compiled reads give what their statement read)."""
    per_stage: dict[int, list[int]] = {stage.id: [0, 0, 0] for stage in stages}
    for group in groups:
        figures = per_stage.setdefault(group["stage_id"], [0, 0, 0])
        figures[0] += group["n"]
        figures[1] += to_base(int(group["total"] or 0), group["currency"], table)
        # amount × percent, converted, then divided by 100 once: no rounding per deal
        figures[2] += to_base(int(group["weighted"] or 0), group["currency"], table)
    base = get_settings().base_currency

    def money(minor: int) -> Money:
        return Money(amount=BigInt(minor), currency=base)

    columns = [
        StageTotals(stage=StageType.of(stage), count=per_stage[stage.id][0], amount=money(per_stage[stage.id][1]),
                    weighted_amount=money(round(per_stage[stage.id][2] / 100)))
        for stage in stages
    ]
    open_ = [c for c in columns if c.stage.kind is StageKind.OPEN]
    return PipelineSummary(
        stages=columns,
        count=sum(c.count for c in columns),
        open_amount=money(sum(c.amount.amount for c in open_)),
        weighted_forecast=money(sum(c.weighted_amount.amount for c in open_)),
        won_amount=money(sum(c.amount.amount for c in columns if c.stage.kind is StageKind.WON)),
    )


@strawberry.enum(description="What to sort deals by")
class DealOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TITLE = "title"
    AMOUNT = "amount"
    EXPECTED_CLOSE_DATE = "expected_close_date"


@strawberry.input(description="Sort order of deals (deals without an expected close date come last)")
class DealOrder:
    field: DealOrderField = strawberry.field(
        default=DealOrderField.CREATED_AT, description="Sort key (amount: in the deal's own currency)"
    )
    custom_field: str | None = strawberry.field(
        default=None, description="Sort by this custom field's key instead of `field` (empty values last)"
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="ASC or DESC")


@strawberry.input(description="A new deal")
class CreateDealInput:
    title: str = strawberry.field(description="What is being sold (required)")
    customer_id: strawberry.ID = strawberry.field(description="The customer (required)")
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="A contact of that customer")
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owner (default: you; a sales rep always owns the deals they create)"
    )
    pipeline_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Pipeline (default: the default)")
    stage_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Stage (default: the first)")
    amount: BigInt | None = strawberry.field(default=UNSET, description="Value in minor units (default 0)")
    currency: str | None = strawberry.field(default=UNSET, description="ISO code (default: the base currency)")
    probability: int | None = strawberry.field(default=UNSET, description="0..100 (default: the stage's)")
    expected_close_date: date | None = strawberry.field(default=UNSET, description="When it should close")
    lost_reason: str | None = strawberry.field(default=UNSET, description="Required when created in a lost stage")
    lost_reason_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A reason from lostReasons (lostReason then adds detail)"
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values; fields not sent get their default"
    )


@strawberry.input(description="Changes to a deal; fields left out stay as they are. Stages change with moveDeal")
class UpdateDealInput:
    id: strawberry.ID = strawberry.field(description="Deal id")
    version: int = strawberry.field(description="The version you read; a stale one is refused with CONFLICT")
    title: str | None = strawberry.field(default=UNSET, description="Title")
    amount: BigInt | None = strawberry.field(default=UNSET, description="Value in minor units")
    currency: str | None = strawberry.field(default=UNSET, description="ISO currency code")
    probability: int | None = strawberry.field(default=UNSET, description="0..100 (fixed while won or lost)")
    expected_close_date: date | None = strawberry.field(default=UNSET, description="When it should close")
    contact_id: strawberry.ID | None = strawberry.field(default=UNSET, description="A contact of the customer, or null")
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="New owner")
    lost_reason: str | None = strawberry.field(default=UNSET, description="Why it was lost")
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Custom-field values to set (all slots empty clears one); others stay"
    )


@strawberry.input(description="The next step given with a move: a task on the deal, created in the move's write")
class NextStepInput:
    title: str = strawberry.field(description="What happens next, e.g. Send the offer")
    due_at: datetime = strawberry.field(description="When it is due")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Who does it; default the deal's owner")


@strawberry.input(description="Move a deal to another stage of its pipeline")
class MoveDealInput:
    id: strawberry.ID = strawberry.field(description="Deal id")
    version: int = strawberry.field(description="The version you read")
    stage_id: strawberry.ID = strawberry.field(description="The new stage")
    lost_reason: str | None = strawberry.field(
        default=None, description="Why, in words (a lost stage needs this, lostReasonId or both)"
    )
    lost_reason_id: strawberry.ID | None = strawberry.field(
        default=None, description="A reason from lostReasons; lostReason then adds detail to it"
    )
    next_step: NextStepInput | None = strawberry.field(
        default=None, description="A task on the deal made with the move (a stage with requiresNextStep needs one "
        "unless the deal has an open task with a due date)"
    )


@strawberry.input(description="Where deals in one stage go in the target pipeline")
class StageMapping:
    from_stage_id: strawberry.ID = strawberry.field(description="A stage the deals are in now")
    to_stage_id: strawberry.ID = strawberry.field(description="The stage of the target pipeline they go to")


@strawberry.input(description="Move deals to another pipeline: each goes to the stage the map gives for its current "
                  "one (all the deals or none)")
class MoveDealsToPipelineInput:
    deal_ids: list[strawberry.ID] = strawberry.field(description="The deals (at most 100)")
    pipeline_id: strawberry.ID = strawberry.field(description="The target pipeline")
    stage_map: list[StageMapping] = strawberry.field(
        description="For each stage the deals are in, a stage of the target pipeline"
    )
    lost_reason: str | None = strawberry.field(
        default=None, description="Why, for deals mapped into a lost stage that were not lost yet"
    )
    lost_reason_id: strawberry.ID | None = strawberry.field(
        default=None, description="A reason from lostReasons for those deals; lostReason then adds detail"
    )


@strawberry.input(description="Delete a deal")
class DeleteDealInput:
    id: strawberry.ID = strawberry.field(description="Deal id")
    version: int = strawberry.field(description="The version you read")
