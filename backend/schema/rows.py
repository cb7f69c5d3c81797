"""The typed boundary between model rows and the API types that show them.

Strawberry reads a type's fields off whatever object a resolver returns, so the API types are served straight
from Tortoise rows: no copy per row (a list field may carry thousands), and partial rows (reads/columns.py)
stay partial. The API type names its model, `class DealType(Shows[Deal])`; its resolvers take the row as
`strawberry.Parent[Deal]`, and a resolver hands a row on as `DealType.of(row)`, so the type checker knows
which model stands behind which type and refuses a row of another model. At run time `of` is the row itself.
"""

from __future__ import annotations

from typing import Generic, Self, TypeVar, cast

from tortoise.models import Model

M = TypeVar("M", bound=Model)


class Shows(Generic[M]):
    """Base of an API type whose objects are rows of the model M (it adds no GraphQL fields)."""

    @classmethod
    def of(cls, row: M) -> Self:
        return cast(Self, row)

    @classmethod
    def of_maybe(cls, row: M | None) -> Self | None:
        return cast(Self | None, row)

    @classmethod
    def of_present(cls, row: M | None) -> Self:
        """A row a non-null key points to, for a non-null field. Should it be missing all the same (a loader's
        row rule hides it), the None passes on and GraphQL answers as for any null in a non-null field."""
        return cast(Self, row)

    @classmethod
    def of_all(cls, rows: list[M]) -> list[Self]:
        return cast(list[Self], rows)
