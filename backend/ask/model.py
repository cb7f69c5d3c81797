"""A language model as a second reader (CRM_LLM_URL, an OpenAI-compatible chat endpoint): a question the
parser could not read is sent with the lists' filter names and this database's words, and the model answers
with JSON in the shape of a list query's variables. That JSON is only a proposal: the resolver checks it
against the schema's input types like any client's variables (interop.strawberry.typed_input), and runs it
through the list's own resolver. The model never writes SQL or GraphQL, and a failing model is no error:
the parser's own answer stands."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from backend.ask.vocabulary import Entity, Vocabulary
from backend.settings import get_settings

log = logging.getLogger("crm.ask")
TIMEOUT = 10.0  # seconds; the question waits for it
MAX_ANSWER = 20_000  # characters of the model's reply read at most

FILTERS = {
    Entity.CUSTOMERS: "CustomerFilter {status: [DRAFT|PROSPECT|ACTIVE|INACTIVE|CHURNED|BLOCKED], industry: [String], "
    "segment: [String], country: [ISO code], accountManagerId: [ID], tag: String, created: {start, end}, "
    "deal: {stageId: [ID], amount: {min, max}}}; orderBy {field: NAME|CREATED_AT|UPDATED_AT, direction: ASC|DESC}",
    Entity.CONTACTS: "ContactFilter {status: [NEW|HOT|CONVERTED|COLD|NOT_INTERESTED], ownerId: [ID], hasCustomer: Boolean, "
    "isPrimary: Boolean, created: {start, end}}",
    Entity.LEADS: "LeadFilter {status: [NEW|CONTACTED|QUALIFIED|CONVERTED|LOST], ownerId: [ID], source: [String], "
    "createdAt: {start, end}}",
    Entity.DEALS: "DealFilter {stageKind: [OPEN|WON|LOST], stageId: [ID], ownerId: [ID], amount: {min, max} (minor units), "
    "expectedClose: {start: date, end: date}, currency: [ISO]}; orderBy {field: AMOUNT|CREATED_AT|EXPECTED_CLOSE_DATE, "
    "direction}",
    Entity.TASKS: "ActivityFilter {assigneeId: ID, open: Boolean, overdue: Boolean, mine: Boolean, myTeam: Boolean, "
    "dueBefore: datetime}",
    Entity.ACTIVITIES: "ActivityFilter {kind: [CALL|EMAIL|MEETING|NOTE|TASK], authorId: ID, occurred: {start, end}}",
    Entity.CAMPAIGNS: "CampaignFilter {status: [DRAFT|NEW|ACTIVE|INACTIVE|DISCARDED], type: [REFERRAL|PROMOTION|GREETINGS], "
    "ownerId: [ID], period: {start: date, end: date}}; orderBy {field: ENROLMENTS|LIKES|VIEWS|CREATED_AT, direction}",
    Entity.TICKETS: "TicketFilter {mine: Boolean, unassigned: Boolean, status: [NEW|OPEN|PENDING_CUSTOMER|RESOLVED|CLOSED], "
    "priority: [LOW|NORMAL|HIGH|URGENT], assigneeId: ID}",
}


def instructions(vocabulary: Vocabulary) -> str:
    people = "; ".join(f"{p.name} = {p.id}" for p in {p.id: p for p in vocabulary.people.values()}.values())
    return "\n".join([
        "You turn a question about a CRM into a JSON object and nothing else:",
        '{"entity": "<list>", "filter": {...}, "orderBy": {...} or null}',
        "The lists and their filters (GraphQL input fields; omit what the question does not say):",
        *(f"- {entity.value}: {shape}" for entity, shape in FILTERS.items()),
        f"Today is {vocabulary.today.isoformat()}; datetimes are ISO 8601 with offset.",
        f"Users (name = id): {people}. The asking user is {vocabulary.me.id if vocabulary.me else 'unknown'}.",
        f"Industries: {', '.join(vocabulary.industries.values())}. Segments: {', '.join(vocabulary.segments.values())}.",
        'If the question cannot be answered from these lists, answer {"entity": null}.',
    ])


async def translate(question: str, vocabulary: Vocabulary) -> dict[str, Any] | None:
    """The model's proposal for `question`, or None (no model set, it failed, or it had no answer)."""
    settings = get_settings()
    if not settings.llm_url:
        return None
    body = {"model": settings.llm_model, "temperature": 0, "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": instructions(vocabulary)}, {"role": "user", "content": question}]}
    headers = {"Authorization": f"Bearer {settings.llm_key}"} if settings.llm_key else {}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.post(f"{settings.llm_url.rstrip('/')}/chat/completions", json=body, headers=headers)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"][:MAX_ANSWER]
        proposal = json.loads(content)
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as failure:
        log.warning("The language model at CRM_LLM_URL gave no usable answer: %s", failure)
        return None
    return proposal if isinstance(proposal, dict) and proposal.get("entity") else None
