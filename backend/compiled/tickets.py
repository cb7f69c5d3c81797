"""A customer's ticket timeline compiled: its newest tickets opened and resolved, merged in the statement as
schema.ticket_timeline merges them."""

from __future__ import annotations

from backend.compiled.computed import Compiler
from backend.compiled.selection import Selected
from backend.models import Ticket
from backend.reads.paging import nested_size
from backend.schema.ticket_timeline import TicketMoment


def ticket_events(c: Compiler, f: Selected, row: str) -> str:
    """Customer.ticketEvents as schema.ticket_timeline.ticket_entries merges them: the customer's newest `first`
    tickets opened and newest resolved (loaders.recent_tickets: seen with their customer), newest first, a
    resolution before an opening at the same instant, then the newer ticket first."""
    limit, st, table = nested_size(f.args["first"]), c.st, Ticket._meta.db_table

    def newest(moment: TicketMoment, column: str) -> str:
        a = c.alias()
        held = "" if column == "created_at" else f' AND {a}."{column}" IS NOT NULL'
        rows = (f'SELECT * FROM "{table}" {a} WHERE {a}."customer_id" = {row}."id"{held}'
                f'{c.rule(Ticket, a, of_customer=True)} ORDER BY {a}."{column}" DESC, {a}."id" DESC LIMIT {limit}')
        return f'SELECT {st.text(moment.name)} AS moment, {a}."{column}" AS at, {a}.* FROM ({rows}) {a}'

    e = c.alias()
    by = f"{e}.at DESC, {e}.moment DESC, {e}.id DESC"  # RESOLVED after CREATED in the alphabet: first when DESC
    entries = (f"SELECT * FROM ({newest(TicketMoment.CREATED, 'created_at')} UNION ALL "
               f"{newest(TicketMoment.RESOLVED, 'resolved_at')}) {e} ORDER BY {by} LIMIT {limit}")
    parts = {"kind": lambda _: f"{e}.moment", "at": lambda _: st.instant(f"{e}.at"),
             "ticket": lambda sub: c.node("Ticket", sub.fields, e)}
    item = c.obj(f.type.name, f.fields, lambda sub: parts[sub.name](sub))
    return st.nested(f"SELECT {st.aggregate(item, by)} FROM ({entries}) {e}")
