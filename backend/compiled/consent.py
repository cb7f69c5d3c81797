"""A contact's mail consent compiled: the consent of its address, joined in the statement, with its newest
changes."""

from __future__ import annotations

from graphql import GraphQLLeafType

from backend.compiled.computed import Compiler
from backend.compiled.leaves import column
from backend.compiled.selection import NotCovered, Selected
from backend.models import ConsentChange, ConsentStatus, MailConsent


def mail_consent(c: Compiler, f: Selected, row: str) -> str:
    """Contact.mailConsent: the consent of the contact's address and its newest changes (loaders.mail_consent,
    .consent_history), null without an address. Both are keyed by the address as the contact holds it, which
    its write path stores as the resolver's key (trimmed, lower case: validate.email)."""
    st, m = c.st, c.alias()
    stored = MailConsent._meta.fields_map

    def one(sub: Selected) -> str:
        if sub.name == "email":
            return st.mark(f'{row}."email"', lambda email: email.strip().lower())
        if sub.name == "subscribed":
            return st.boolean(f"coalesce({m}.\"status\", '') = {st.param(ConsentStatus.SUBSCRIBED.value)}")
        if sub.name == "history":
            limit = max(1, min(sub.args["first"], 50))
            return c.many(ConsentChange, sub, row, '{a}."email" = {parent}."email"', [("occurred_at", True), ("id", True)],
                          limit, ruled=False)
        named = {"status": "status", "source": "source", "changedAt": "changed_at"}
        if sub.name not in named:
            raise NotCovered(f"MailConsent.{sub.name}")
        assert isinstance(sub.type, GraphQLLeafType)
        return column(st, stored[named[sub.name]], sub.type, f'{m}."{named[sub.name]}"')

    consent = c.obj(f.type.name, f.fields, one)
    return st.nested(f'SELECT {consent} FROM (SELECT 1 AS "one") o LEFT JOIN "{MailConsent._meta.db_table}" {m} '
                     f'ON {m}."email" = {row}."email" WHERE coalesce({row}."email", \'\') <> \'\'')
