"""A list's totalCount counted in custom_value's covering indexes: the records holding custom values that meet a
filter, less those the list leaves out (resolvers.customers.counted_in_values says when that is its count).

Why: `COUNT(*)` over a list's own query reads the records' table once per match (SQLite) or hash-joins it
(PostgreSQL): 25-120 ms for a third or half of 100,000 customers, where the index alone answers in 1-3 ms and
the left-out holders (archived customers, few) in about as much (docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet, ValuesQuery


class HeldCount:
    """`count()` of `held` (custom_value rows, one per record: services.custom_fields.holders) less those whose
    record is among `left_out` (a query of the records' table). One statement, the second count a subquery of the
    first, so both are read at one moment: two would let a write between them count a record neither saw.
    COUNT(record_id): the column is in every covering index (PostgreSQL reads no table row for it)."""

    def __init__(self, held: QuerySet, left_out: QuerySet) -> None:
        self.held = held
        self.left_out = left_out

    def query(self) -> ValuesQuery[Any]:
        """The one statement: its row holds the count as `n` less `gone` (compiled reads embed it)."""
        gone = self.held.filter(record_id__in=Subquery(self.left_out.values("id"))).annotate(n=Count("record_id")).values("n")
        return self.held.annotate(n=Count("record_id"), gone=Subquery(gone)).values("n", "gone")

    async def count(self) -> int:
        row = (await self.query())[0]
        return int(row["n"]) - int(row["gone"])
