"""Customers that look like one being typed into the New customer form: the duplicates view's signals
(services/matching.py), asked cheaply enough for every pause in typing.

A bounded set of candidates comes from SQL — the same email, a website or email on the same domain, the
same phone digits, or a name sharing the start of a word (the trigram search index) — and the matcher ranks
them, so a warning and the /duplicates screen agree on what a duplicate is.
"""

from __future__ import annotations

from tortoise.expressions import Q

from backend import permissions
from backend.auth.actor import Actor
from backend.models import Customer
from backend.services.matching import (
    CUSTOMERS,
    Match,
    Matcher,
    Record,
    domain_of_email,
    domain_of_website,
    normalise_email,
    normalise_name,
    normalise_phone,
)
from backend.services.search import customer_search_q, phone_key_q

CANDIDATES = 100  # rows ranked per lookup at most: enough for any real duplicate, small for a keystroke

def _by_key(record: Record) -> list[Q]:
    """Conditions for the exact signals: few rows each, so none of them is crowded out by common names."""
    wanted: list[Q] = []
    if email := normalise_email(record.email):
        wanted.append(Q(email=record.email.strip().lower()) | Q(email=email))  # stored lower-cased
    if domain := domain_of_website(record.website) or domain_of_email(record.email):
        wanted += [Q(email__endswith=f"@{domain}"), Q(website__icontains=domain)]
    if phone := normalise_phone(record.phone):
        wanted.append(phone_key_q("customer", phone))  # the last nine digits, through m0021's index
    return wanted


def _by_name(record: Record) -> list[Q]:
    """The start of each name word: "cafe" and "café" share "caf", and a typo late in a word keeps its start."""
    return [customer_search_q(word[:3]) for word in normalise_name(record.name).split() if len(word) >= 3]


async def similar_customers(actor: Actor, record: Record, limit: int) -> list[Match]:
    """The visible customers in use that `record` most likely duplicates, most confident first."""
    matcher = Matcher(weights=CUSTOMERS)
    seen: set[int] = set()
    for conditions in (_by_key(record), _by_name(record)):
        if not conditions:
            continue
        rows = await (
            Customer.filter(permissions.customer_rule(actor), archived_at__isnull=True)  # merged ones are archived
            .filter(Q(*conditions, join_type="OR"))
            .limit(CANDIDATES)
            .values_list("id", "name", "email", "phone", "website")
        )
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                matcher.add(Record(*row))
    return matcher.match(record, limit=limit)
