"""A pipeline's board figures (`Pipeline.summary(filter:)`) as the statement reads them: the deals the caller sees,
narrowed by the board's filter, counted and summed per stage and currency by the resolver path's own grouped query
(reads.loaders.deal_totals_of), with the pipeline's stages in order and the stored rates; then
schema.deals.board_figures converts and adds them up in Python, as on the resolver path."""

from __future__ import annotations

from typing import Any

from backend import permissions
from backend.compiled.computed import Compiler, columns, derived, rate_table, record_of, stored_rate
from backend.compiled.selection import NotCovered, Selected, strawberry_input
from backend.interop.tortoise import parameterized
from backend.models import Deal, Stage
from backend.reads.loaders import deal_totals_of
from backend.schema.deals import DealFilter, board_figures, filter_deals

_STAGE = ("id", "name", "position", "probability", "kind", "requires_next_step", "pipeline_id")
_GROUP = ("stage_id", "currency", "n", "total", "weighted")


def summary(c: Compiler, f: Selected, row: str) -> str:
    """The summary of the pipeline `row`. A filter with custom-field conditions reads their definitions first
    (schema.deals.with_custom): that document runs on the resolvers."""
    given = f.args.get("filter")
    where = None if given is None else strawberry_input(DealFilter, given)
    if where is not None and where.custom:
        raise NotCovered("Pipeline.summary(filter: {custom})")
    st = c.st
    deals = filter_deals(Deal.filter(permissions.deal_rule(c.actor)), where)
    # Every pipeline's groups, computed once for the statement (a list of deals may ask each deal's pipeline).
    totals = c.once(("board", repr(given)), lambda: st.embed(*parameterized(deal_totals_of(deals))))
    group = st.array(*columns("g", _GROUP), stored_rate('g."currency"'))
    groups = st.nested(f'SELECT {st.aggregate(group, "g.stage_id")} FROM {totals} g WHERE g."pipeline_id" = {row}."id"')
    stages = st.nested(f'SELECT {st.aggregate(st.array(*columns("s", _STAGE)), "s.position, s.id")} FROM (SELECT * '
                       f'FROM "{Stage._meta.db_table}" s WHERE s."pipeline_id" = {row}."id" ORDER BY s."position", s."id") s')

    def answer(values: list[Any]) -> Any:
        found, listed = values
        table = rate_table([(group[1], group[-1]) for group in found])
        return board_figures([record_of(Stage, _STAGE, stage) for stage in listed],
                             [dict(zip(_GROUP, group, strict=False)) for group in found], table)

    return derived(c, f, [groups, stages], answer)
