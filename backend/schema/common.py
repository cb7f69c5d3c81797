"""Types shared by every domain: sorting, money, date ranges, input helpers (connections: backend.reads.paging)."""

from __future__ import annotations

from dataclasses import fields as dc_fields
from datetime import date, datetime
from enum import Enum
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition
from strawberry.types.unset import UNSET

# An int to Python and mypy; the schema maps it to its GraphQL scalar (SCALARS, passed to StrawberryConfig).
BigInt = NewType("BigInt", int)

SCALARS: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="An integer beyond GraphQL's 32 bits (money in minor units), sent as a JSON number",
        serialize=int,
        parse_value=int,
    ),
}


@strawberry.enum(description="Sort direction")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.type(description="An amount of money")
class Money:
    amount: BigInt = strawberry.field(description="In minor units (cents) of the currency")
    currency: str = strawberry.field(description="ISO 4217 code")

    @strawberry.field(description="The amount in major units, e.g. 1234.5")
    def value(self) -> float:
        return self.amount / 100


@strawberry.input(description="An inclusive range of dates")
class DateRange:
    start: date | None = strawberry.field(default=None, description="On or after this date")
    end: date | None = strawberry.field(default=None, description="On or before this date")


@strawberry.input(description="An inclusive range of instants")
class DateTimeRange:
    start: datetime | None = strawberry.field(default=None, description="At or after")
    end: datetime | None = strawberry.field(default=None, description="At or before")


@strawberry.input(description="An inclusive range of amounts in minor units")
class AmountRange:
    min: BigInt | None = strawberry.field(default=None, description="At least")
    max: BigInt | None = strawberry.field(default=None, description="At most")


@strawberry.type(description="The result of a delete")
class Deleted:
    id: strawberry.ID = strawberry.field(description="The id that was deleted")


def provided(obj: Any, *, rename: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields a client actually sent in an input object (UNSET ones left out), snake_case keys."""
    rename = rename or {}
    return {
        rename.get(f.name, f.name): getattr(obj, f.name)
        for f in dc_fields(obj)
        if getattr(obj, f.name) is not UNSET
    }
