"""`ask(question)`: a question read by backend/ask into a list's typed filter, answered by that list's own
query resolver, so the caller's row rules and the filter's validation are the list's."""

from __future__ import annotations

import difflib
import json
import logging
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from backend.ask import build, links, model, parse
from backend.ask.vocabulary import Vocabulary, load
from backend.interop.strawberry import typed_input
from backend.models import ActivityKind
from backend.reads.context import Info
from backend.reads.paging import MAX_FIRST
from backend.resolvers.activities import ActivityQuery
from backend.resolvers.campaigns import CampaignQuery
from backend.resolvers.contacts import ContactQuery
from backend.resolvers.customers import CustomerQuery, customers_matching
from backend.resolvers.deals import DealQuery
from backend.resolvers.leads import LeadQuery
from backend.resolvers.tickets import TicketQuery
from backend.schema.ask import AskAnswer, AskChip, AskEntity
from backend.services import validate as v
from backend.services.search import customer_search_q

log = logging.getLogger("crm.ask")
EXAMPLES = (
    "active customers in Germany in rail",
    "open deals over 50k closing this quarter",
    "my overdue tasks",
    "campaigns with most enrolments this month",
    "who is the account manager for Alpine Dairy",
)


async def read_page(info: Info, plan: build.Plan, first: int) -> Any:
    """One page of the plan's list, read by that list's root resolver."""
    first = min(max(first, 1), MAX_FIRST)
    where, order, search = plan.filter, plan.order, plan.search
    match plan.entity:
        case AskEntity.CUSTOMERS:
            return await CustomerQuery().customers(info, first=first, filter=where, order_by=order, search=search)
        case AskEntity.CONTACTS:
            return await ContactQuery().contacts(info, first=first, filter=where)
        case AskEntity.LEADS:
            return await LeadQuery().leads(info, first=first, filter=where, order_by=order)
        case AskEntity.DEALS:
            return await DealQuery().deals(info, first=first, filter=where, order_by=order)
        case AskEntity.TASKS | AskEntity.ACTIVITIES:
            return await ActivityQuery().activities(info, first=first, filter=where)
        case AskEntity.CAMPAIGNS:
            return await CampaignQuery().campaigns(info, first=first, filter=where, order_by=order)
        case AskEntity.TICKETS:
            return await TicketQuery().tickets(info, first=first, filter=where)


async def account_manager(info: Info, plan: build.Plan) -> str:
    """The lookup's sentence, from the customers the caller may see whose name matches."""
    query = (await customers_matching(info.context.actor, plan.filter)).filter(customer_search_q(plan.search or ""))
    found = await query.prefetch_related("account_manager").order_by("name").limit(2)
    if not found:
        return f"No customer you can see matches “{plan.search}”."
    manager = found[0].account_manager
    said = (f"{found[0].name}’s account manager is {manager.name}." if manager
            else f"{found[0].name} has no account manager.")
    return said + (" Other customers match too." if len(found) > 1 else "")


async def proposed_plan(info: Info, question: str, vocabulary: Vocabulary) -> build.Plan | None:
    """The language model's reading (CRM_LLM_URL) as a plan, its JSON checked against the list's own input
    types; None when no model is set or its proposal does not hold."""
    proposal = await model.translate(question, vocabulary)
    if proposal is None:
        return None
    try:
        entity = AskEntity(proposal["entity"])
        filter_type, order_type = build.LIST_INPUTS[entity]
        where = typed_input(info.schema, filter_type, proposal.get("filter") or {})
        order = (typed_input(info.schema, order_type, proposal["orderBy"])
                 if order_type and proposal.get("orderBy") else None)
    except (ValueError, KeyError, TypeError) as wrong:
        log.warning("The language model's filter was refused: %s", wrong)
        return None
    if entity is AskEntity.TASKS:
        where.kind = [ActivityKind.TASK]
    chips = [build.Chip(key, key, json.dumps(value, ensure_ascii=False)) for key, value in links.as_json(where).items()]
    return build.Plan(entity, where, order, None, chips, None)


def not_understood(question: str, problem: str, found: parse.Understanding, vocabulary: Vocabulary) -> AskAnswer:
    near = [w for word in found.unknown for w in difflib.get_close_matches(word.casefold(), vocabulary.words(), 2, 0.75)]
    hints = [f"Did you mean “{w}”?" for w in dict.fromkeys(near)]
    return AskAnswer(question=question, understood=False, entity=found.entity, reader="parser", chips=[], variables=None,
                     list_path=None, list_exact=False, message=problem, suggestions=[*hints, *EXAMPLES], answer=None)


@strawberry.type
class AskQuery:
    @strawberry.field(description="A question in plain language (\"active customers in Germany in rail\", \"my overdue "
                      "tasks\") read as a list's filter and answered from that list, under your row rules. An unknown "
                      "word gives understood: false with a message and suggestions, not an error")
    async def ask(
        self, info: Info, question: Annotated[str, strawberry.argument(description="The question, up to 300 characters")]
    ) -> AskAnswer:
        question = v.text("question", question, max_length=300, required=True) or ""
        vocabulary = await load(info.context.actor)
        found = parse.understand(question, vocabulary)
        reader = "parser"
        try:
            plan = build.plan(found, vocabulary)
        except build.Unanswerable as problem:
            proposed = await proposed_plan(info, question, vocabulary)
            if proposed is None:
                return not_understood(question, str(problem), found, vocabulary)
            plan, reader = proposed, "model"
        path, exact = links.list_link(plan)

        async def rows(row_info: Info, first: int) -> Any:
            return await read_page(row_info, plan, first)

        return AskAnswer(
            question=question, understood=True, entity=plan.entity, reader=reader,
            chips=[AskChip(field=c.field, label=c.label, value=c.value) for c in plan.chips],
            variables=JSON(links.variables(plan)), list_path=path, list_exact=exact, message=None, suggestions=[],
            answer=await account_manager(info, plan) if plan.lookup else None, rows=rows,
        )
