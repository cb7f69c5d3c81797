"""Likely duplicates among the customers or contacts a user may see, grouped and ranked by confidence.

The same signals as the import (services/matching.py); records in use only (archived ones are settled).
Pairs that share a record are joined into one group, so three spellings of one company are one merge.

Candidates come from SQL by blocking keys — the email, the phone's last nine digits (m0021's index), the email
domain (free mail left out) and the first letters of the name — and only records sharing a key with another
(in a block of at most MAX_BLOCK) are read into Python and scored. Before, every visible record was read and
indexed; at 100,000 customers that is most of the time and memory (docs/benchmarks.md, "Duplicates").
"""

from __future__ import annotations

import base64
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, cast

from tortoise import connections
from tortoise.expressions import Q, RawSQL

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import Contact, Customer
from backend.services.matching import CONTACTS, CUSTOMERS, FREE_MAIL, MAX_BLOCK, PREFIX, Matcher, Reason, Record
from backend.services.search import phone_key_sql

MAX_GROUP = 10  # as many as one merge takes (services/merges.py)


def _blocking_keys(sqlite: bool) -> list[str]:
    """SQL for each blocking key of a row: email, phone key, email domain, name prefix."""
    domain = """substr("email", instr("email", '@') + 1)""" if sqlite else """split_part("email", '@', 2)"""
    free = ", ".join(f"'{d}'" for d in sorted(FREE_MAIL))  # constants of matching.py: safe inside the SQL text
    return ['lower("email")', phone_key_sql(),
            f"CASE WHEN {domain} IN ({free}) THEN '' ELSE {domain} END",
            f'lower(substr(trim("name"), 1, {PREFIX}))']


def _shares_a_key(table: str) -> Q:
    """Rows of `table` in use that share at least one blocking key with another row in use, in a block of at
    most MAX_BLOCK rows (a key that common says nothing). Blocks are counted over every row in use, so the
    row rules, applied by the caller, can only narrow them; the matcher then pairs visible rows only."""
    sqlite = connections.get("default").capabilities.dialect == "sqlite"
    in_use = f'FROM "{table}" WHERE "archived_at" IS NULL'
    shared = " OR ".join(
        f"{key} IN (SELECT {key} {in_use} AND {key} <> '' GROUP BY {key} HAVING count(*) BETWEEN 2 AND {MAX_BLOCK})"
        for key in _blocking_keys(sqlite))
    return Q(id__in=RawSQL(f'(SELECT "id" {in_use} AND ({shared}))'))


@dataclass
class Group:
    ids: list[int]
    confidence: float
    reasons: list[Reason]


def _find(parent: dict[Hashable, Hashable], x: Hashable) -> Hashable:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def cursor_of(group: Group) -> str:
    """Where a group stands in the ranking (most confident first, then by its first id): opaque to clients."""
    return base64.urlsafe_b64encode(f"{group.confidence}:{group.ids[0]}".encode()).decode()


def _after(cursor: str) -> tuple[float, int]:
    try:
        confidence, first = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return -float(confidence), int(first)
    except ValueError:
        raise BadUserInput("after", "is not a cursor of this list") from None


async def duplicate_groups(actor: Actor, entity: str, limit: int, after: str | None = None) -> list[Group]:
    if entity == "customers":
        rows = await Customer.filter(permissions.customer_rule(actor), _shares_a_key("customer"),
                                     archived_at__isnull=True).values_list("id", "name", "email", "phone", "website")
        matcher = Matcher((Record(*row) for row in cast(list[tuple[Any, ...]], rows)), weights=CUSTOMERS)
    else:
        rows = await Contact.filter(permissions.contact_rule(actor), _shares_a_key("contact"),
                                    archived_at__isnull=True).values_list("id", "name", "email", "phone")
        matcher = Matcher((Record(*row) for row in cast(list[tuple[Any, ...]], rows)), weights=CONTACTS)
    parent: dict[Hashable, Hashable] = {}
    best: dict[Hashable, float] = {}
    reasons: dict[Hashable, list[Reason]] = {}
    for a, match in matcher.pairs():
        parent.setdefault(a, a)
        parent.setdefault(match.id, match.id)
        ra, rb = _find(parent, a), _find(parent, match.id)
        if ra != rb:
            parent[rb] = ra
            best[ra] = max(best.pop(rb, 0.0), best.get(ra, 0.0))
            reasons[ra] = reasons.pop(rb, []) + reasons.get(ra, [])
        best[ra] = max(best.get(ra, 0.0), match.confidence)
        reasons.setdefault(ra, []).extend(r for r in match.reasons if r not in reasons.get(ra, []))
    members: dict[Hashable, list[int]] = {}
    for x in parent:
        members.setdefault(_find(parent, x), []).append(cast(int, x))
    groups = [
        Group(sorted(ids)[:MAX_GROUP], best[root], reasons[root]) for root, ids in members.items()
    ]
    groups.sort(key=lambda g: (-g.confidence, g.ids[0]))
    if after:
        start = _after(after)
        groups = [g for g in groups if (-g.confidence, g.ids[0]) > start]
    return groups[:limit]
