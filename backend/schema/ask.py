"""Questions in plain language: how a question was understood, and the rows of the list it asks for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from backend.reads.context import Info
from backend.reads.paging import Connection
from backend.schema.activities import ActivityType
from backend.schema.campaigns import CampaignNode
from backend.schema.contacts import ContactType, LeadType
from backend.schema.customers import CustomerType
from backend.schema.deals import DealType
from backend.schema.tickets import TicketType

ROWS = "How many rows of the first page (at most 100)"


@strawberry.enum(description="Which list a question asks for")
class AskEntity(Enum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    LEADS = "leads"
    DEALS = "deals"
    TASKS = "tasks"
    ACTIVITIES = "activities"
    CAMPAIGNS = "campaigns"
    TICKETS = "tickets"


@strawberry.type(description="One condition of the filter a question was read as, in words")
class AskChip:
    field: str = strawberry.field(description="The filter input's field, e.g. `country` or `deal.amount`")
    label: str = strawberry.field(description="What it is, e.g. Country")
    value: str = strawberry.field(description="What it holds, in words, e.g. Germany")


# Reads one page of the asked-for list with the list query's own resolver (backend/resolvers/ask.py).
RowReader = Callable[[Info, int], Awaitable[Any]]


@strawberry.type(description="A question, how it was understood, and the first page of its answer. The filter is "
                 "the same typed filter the list query takes: send `variables` to that list to page on")
class AskAnswer:
    question: str = strawberry.field(description="The question as asked")
    understood: bool = strawberry.field(description="false: `message` says why, `suggestions` offer questions that work")
    entity: AskEntity | None = strawberry.field(description="The list the question asks for")
    reader: str = strawberry.field(
        description="Who read the question: `parser` (the CRM's own words), or `model` (the language model at "
        "CRM_LLM_URL, for a question the parser could not read; its filter was checked like any client's)")
    chips: list[AskChip] = strawberry.field(description="The filter's conditions in words")
    variables: JSON | None = strawberry.field(
        description="`filter`, `orderBy` and `search` for the list query (customers, deals, activities…)")
    list_path: str | None = strawberry.field(
        description="The list screen with these conditions as its filters, e.g. /customers?country=DE")
    list_exact: bool = strawberry.field(
        description="Whether the list screen can show every condition (false: it shows the ones it has filters for)")
    message: str | None = strawberry.field(description="Why a question was not understood")
    suggestions: list[str] = strawberry.field(description="Words or questions to try instead")
    answer: str | None = strawberry.field(
        description="A lookup's answer in a sentence (\"who is the account manager for …\")")
    rows: strawberry.Private[RowReader | None] = None

    async def _page(self, info: Info, first: int, *entities: AskEntity) -> Any:
        """The page when the question asks for one of `entities`; null for the other lists' fields."""
        if self.rows is None or self.entity not in entities:
            return None
        return await self.rows(info, first)

    @strawberry.field(description="The customers asked for (null when the question asks for another list)")
    async def customers(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                        ) -> Connection[CustomerType] | None:
        return await self._page(info, first, AskEntity.CUSTOMERS)

    @strawberry.field(description="The contacts asked for")
    async def contacts(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                       ) -> Connection[ContactType] | None:
        return await self._page(info, first, AskEntity.CONTACTS)

    @strawberry.field(description="The leads asked for")
    async def leads(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                    ) -> Connection[LeadType] | None:
        return await self._page(info, first, AskEntity.LEADS)

    @strawberry.field(description="The deals asked for")
    async def deals(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                    ) -> Connection[DealType] | None:
        return await self._page(info, first, AskEntity.DEALS)

    @strawberry.field(description="The tasks or other activities asked for")
    async def activities(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                         ) -> Connection[ActivityType] | None:
        return await self._page(info, first, AskEntity.TASKS, AskEntity.ACTIVITIES)

    @strawberry.field(description="The campaigns asked for")
    async def campaigns(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                        ) -> Connection[CampaignNode] | None:
        return await self._page(info, first, AskEntity.CAMPAIGNS)

    @strawberry.field(description="The tickets asked for")
    async def tickets(self, info: Info, first: Annotated[int, strawberry.argument(description=ROWS)] = 10
                      ) -> Connection[TicketType] | None:
        return await self._page(info, first, AskEntity.TICKETS)
