"""A question → what it asks for (`Understanding`), word by word over the vocabulary.

The scan is greedy and left to right: at each word the readers below are tried in turn, the first that
recognises a phrase there consumes it. Whatever is left must be filler ("show me all the"); any other word
is reported back as not understood, so a question is never answered as if a word had not been said.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TypeVar

from backend.ask.periods import SHIFTS, UNITS, period
from backend.ask.vocabulary import (
    ACTIVITY_KINDS,
    CAMPAIGN_TYPES,
    ENTITY_WORDS,
    FILLER,
    ORDER_LEADS,
    ORDER_WORDS,
    STATUS_NOUNS,
    STATUS_WORDS,
    TICKET_PRIORITIES,
    Entity,
    Person,
    Vocabulary,
)
from backend.country_names import resolve_country
from backend.models import ActivityKind, TaskStatus

LOOKUP = re.compile(r"^\s*who\s+(?:is|'s)\s+(?:the\s+)?(account\s+manager|manager|owner)\s+(?:of|for)\s+(.+?)[\s?.!]*$",
                    re.IGNORECASE)
TOKEN = re.compile(r"[€$£]?\d[\d,.]*[km]?|[^\s?!]+", re.IGNORECASE)
CURRENCIES = {"eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "usd": "USD", "dollars": "USD", "$": "USD",
              "gbp": "GBP", "pounds": "GBP", "£": "GBP", "chf": "CHF"}
AT_LEAST = {("over",), ("above",), ("more", "than"), ("greater", "than"), ("at", "least"), ("min",)}
AT_MOST = {("under",), ("below",), ("less", "than"), ("at", "most"), ("up", "to"), ("max",)}
DATE_WORDS = {"closing": "close", "close": "close", "closes": "close", "due": "due", "created": "created",
              "added": "created", "new": "created", "logged": "created", "running": "running"}
ROLE_WORDS = frozenset(("managed", "owned", "assigned", "handled", "manager", "owner", "assignee"))
MAX_PHRASE = 4
V = TypeVar("V")


@dataclass
class Understanding:
    """What a question asks for, before it is fitted to one list's filter (build.py)."""

    entity: Entity | None = None
    statuses: list[Enum] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    with_deals: bool = False  # "customers with deals over 50k": amounts and stages are their deals'
    open: bool | None = None  # tasks: open (True) or done (False)
    mine: bool = False
    my_team: bool = False
    overdue: bool = False
    unassigned: bool = False
    stages: list[tuple[str, list[int]]] = field(default_factory=list)
    types: list[Enum] = field(default_factory=list)  # campaign types, ticket priorities, activity kinds
    period: tuple[str, date, date, str] | None = None  # (which date: close/due/created/running/"", start, end, words)
    amount_min: int | None = None  # in major units, as said
    amount_max: int | None = None
    currency: str | None = None
    order: tuple[str, bool] | None = None  # (order field, descending)
    tag: str | None = None
    search: str | None = None  # a name looked up ("who is the account manager for Alpine Dairy")
    lookup: str | None = None  # the field a lookup asks for
    unknown: list[str] = field(default_factory=list)


def amount(token: str) -> int | None:
    """"50k", "10,000", "1.5m", "€20k" → whole units; None when it is no amount."""
    match = re.fullmatch(r"[€$£]?(\d[\d,]*(?:\.\d+)?)([km]?)", token)
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    return round(number * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)])


class Scan:
    """One pass over a question's words; each `read_*` returns how many words it consumed (0: not its phrase)."""

    def __init__(self, words: list[str], vocabulary: Vocabulary, found: Understanding) -> None:
        self.original = words
        self.words = [w.casefold().removesuffix("'s").strip(",.;:") for w in words]
        self.vocabulary = vocabulary
        self.found = found

    def phrase(self, at: int, table: Mapping[str, V]) -> tuple[int, V] | None:
        """The longest phrase starting at `at` that `table` knows: (words, value)."""
        for size in range(min(MAX_PHRASE, len(self.words) - at), 0, -1):
            key = " ".join(self.words[at:at + size])
            if key in table:
                return size, table[key]
        return None

    def followed_by(self, at: int, *words: str) -> int:
        """1 when the word at `at` is one of `words` (a noun that only says what the phrase before was)."""
        return int(at < len(self.words) and self.words[at] in words)

    def read_entity(self, at: int) -> int:
        word = self.words[at]
        if word in STATUS_NOUNS and self.found.entity in (None, STATUS_NOUNS[word][0]):
            entity, status = STATUS_NOUNS[word]
            self.found.entity = entity
            self.found.statuses.append(STATUS_WORDS[entity][status])
            return 1
        entity_found = ENTITY_WORDS.get(word)
        if entity_found is Entity.DEALS and self.found.entity is Entity.CUSTOMERS:
            self.found.with_deals = True
            return 1
        if entity_found is None or (self.found.entity not in (None, entity_found)):
            return 0
        self.found.entity = entity_found
        if entity_found is Entity.ACTIVITIES and word in ACTIVITY_KINDS:
            self.found.types.append(ActivityKind[ACTIVITY_KINDS[word]])
        return 1

    def read_period(self, at: int) -> int:
        which, start = "", at
        if self.words[at] in DATE_WORDS and at + 1 < len(self.words):
            which, start = DATE_WORDS[self.words[at]], at + 1
        words = self.words[start:start + 2]
        today = self.vocabulary.today
        if words[:1] == ["today"]:
            span, used = period(0, "day", today), 1
        elif words[:1] == ["tomorrow"]:
            span, used = period(1, "day", today), 1
        elif words[:1] == ["yesterday"]:
            span, used = period(-1, "day", today), 1
        elif len(words) == 2 and words[0] in SHIFTS and words[1] in UNITS:
            span, used = period(SHIFTS[words[0]], words[1], today), 2
        else:
            return 0
        said = " ".join(self.original[at:start + used])
        self.found.period = (which, span[0], span[1], said)
        return start - at + used

    def read_amount(self, at: int) -> int:
        for bound, leads in (("min", AT_LEAST), ("max", AT_MOST)):
            for lead in leads:
                if tuple(self.words[at:at + len(lead)]) == lead:
                    used = self._money(at + len(lead), bound)
                    return len(lead) + used if used else 0
        if self.words[at] == "between":
            low = self._money(at + 1, "min")
            if low and at + 1 + low < len(self.words) and self.words[at + 1 + low] == "and":
                high = self._money(at + 2 + low, "max")
                return 2 + low + high if high else 0
        return 0

    def _money(self, at: int, bound: str) -> int:
        """An amount at `at`, with its currency before, as its sign, or after: words consumed (0: none, and
        nothing noted)."""
        words = self.words[at:at + 3]
        before = CURRENCIES.get(words[0]) if words else None
        words = words[1:] if before else words
        value = amount(words[0]) if words else None
        if value is None:
            return 0
        sign = CURRENCIES.get(words[0][:1])
        after = CURRENCIES.get(words[1]) if len(words) > 1 else None
        self.found.currency = before or sign or after or self.found.currency
        setattr(self.found, f"amount_{bound}", value)
        return 1 + bool(before) + bool(after)

    def read_mine(self, at: int) -> int:
        word, after = self.words[at], self.words[at + 1] if at + 1 < len(self.words) else ""
        if word in ("my", "our") and after == "team":
            self.found.my_team = True
            return 2
        if word in ("my", "mine") or (word == "me" and at > 0 and self.words[at - 1] in ("to", "by")):
            self.found.mine = True
            return 1
        return 0

    def read_person(self, at: int) -> int:
        hit = self.phrase(at, self.vocabulary.people)
        if hit is None:
            return 0
        self.found.people.append(hit[1])
        return hit[0]

    def read_country(self, at: int) -> int:
        for size in range(min(3, len(self.words) - at), 0, -1):
            typed = " ".join(w.strip(",.;:") for w in self.original[at:at + size])
            code = resolve_country(typed)
            if code:
                self.found.countries.append(code)
                return size
        return 0

    def read_pick(self, at: int) -> int:
        """An industry or a segment; a following "segment"/"industry" says which when a label is both."""
        industry = self.phrase(at, self.vocabulary.industries)
        segment = self.phrase(at, self.vocabulary.segments)
        hit = industry or segment
        if hit is None:
            return 0
        size = hit[0]
        if segment and (self.followed_by(at + size, "segment") or industry is None):
            self.found.segments.append(segment[1])
        else:
            self.found.industries.append(hit[1])
        return size + self.followed_by(at + size, "segment", "industry", "sector")

    def read_status(self, at: int) -> int:
        entity = self.found.entity
        if entity is Entity.TASKS or entity is Entity.ACTIVITIES:
            return self._task_word(at)
        if entity is Entity.TICKETS:
            if self.words[at] == "unassigned":
                self.found.unassigned = True
                return 1
            priority = self.phrase(at, TICKET_PRIORITIES)
            if priority:
                self.found.types.append(priority[1])
                return priority[0] + self.followed_by(at + priority[0], "priority")
        if entity is Entity.CAMPAIGNS:
            kind = self.phrase(at, CAMPAIGN_TYPES)
            if kind:
                self.found.types.append(kind[1])
                return kind[0]
        if entity is Entity.DEALS or self.found.with_deals:
            stage = self.phrase(at, self.vocabulary.stages)
            if stage:
                self.found.stages.append((" ".join(self.original[at:at + stage[0]]), stage[1]))
                return stage[0] + self.followed_by(at + stage[0], "stage")
        status = self.phrase(at, STATUS_WORDS[entity]) if entity in STATUS_WORDS else None
        if status is None:
            return 0
        self.found.statuses.append(status[1])
        return status[0]

    def _task_word(self, at: int) -> int:
        word = self.words[at]
        if word == "overdue":
            self.found.overdue = True
        elif word in ("open", "pending"):
            self.found.open = True
        elif word in ("done", "completed", "finished"):
            self.found.statuses.append(TaskStatus.DONE)
        else:
            return 0
        return 1

    def read_order(self, at: int) -> int:
        lead = 1 if self.words[at] in ORDER_LEADS else 0
        if at + lead >= len(self.words):
            return 0
        hit = ORDER_WORDS.get(self.words[at + lead])
        if hit is None or (hit[0] is not None and hit[0] is not self.found.entity):
            return 0
        descending = hit[2] != (self.words[at] in ("fewest", "least"))
        self.found.order = (hit[1], descending)
        return lead + 1

    def read_tag(self, at: int) -> int:
        if self.words[at] not in ("tagged", "tag") or at + 1 >= len(self.words):
            return 0
        self.found.tag = self.words[at + 1]
        return 2

    def run(self) -> None:
        readers: list[Callable[[int], int]] = [
            self.read_entity, self.read_period, self.read_amount, self.read_mine, self.read_order, self.read_tag,
            self.read_status, self.read_pick, self.read_person, self.read_country,
        ]
        at = 0
        while at < len(self.words):
            used = next((n for n in (read(at) for read in readers) if n), 0)
            if used:
                at += used
                continue
            if self.words[at] not in FILLER and self.words[at] not in ROLE_WORDS:
                self.found.unknown.append(self.original[at])
            at += 1


def understand(question: str, vocabulary: Vocabulary) -> Understanding:
    """What `question` asks for. The list is found first, so that words such as "open" are read as that
    list's statuses."""
    found = Understanding()
    lookup = LOOKUP.match(question)
    if lookup:
        found.entity = Entity.CUSTOMERS
        found.lookup = "accountManager"
        found.search = lookup.group(2).strip()
        return found
    words = TOKEN.findall(question)
    scan = Scan(words, vocabulary, found)
    for at in range(len(words)):  # the list named anywhere decides how the other words read
        if scan.read_entity(at):
            break
    found.statuses.clear()  # read again, in order, by the scan
    found.types.clear()
    found.with_deals = False
    scan.run()
    return found
