"""`exchangeRates` as one statement: the stored rates by code, each read as the model reads it, then listed by the
resolver's own function (resolvers.currency.listed_rates: the base currency first, at 1, as the settings name it
when the answer is written)."""

from __future__ import annotations

from backend.compiled.computed import derived, record_of
from backend.compiled.nodes import Compiler
from backend.compiled.selection import Selected
from backend.models import ExchangeRate
from backend.resolvers.currency import listed_rates

_RATE = ("currency", "rate", "updated_at")


def exchange_rates(c: Compiler, root: Selected) -> str:
    """The statement answering `exchangeRates` with its JSON."""
    st, table = c.st, ExchangeRate._meta.db_table
    # Every root's statement opens with its matching rows (the tests tell a compiled answer by it); here, the rates.
    c.ctes["matching"] = f'SELECT "currency" FROM "{table}"'
    # The rate as the decimal's text: SQLite would write a float's digits.
    item = st.array('x."currency"', 'CAST(x."rate" AS TEXT)', st.instant('x."updated_at"'))
    rows = st.nested(f'SELECT {st.aggregate(item, "x.currency")} FROM (SELECT * FROM "{table}" x ORDER BY x."currency") x')
    listed = derived(c, root, [rows], lambda v: listed_rates([record_of(ExchangeRate, _RATE, row) for row in v[0]]))
    return f"{c.with_clause()} SELECT {st.json_string(listed)} AS answer"
