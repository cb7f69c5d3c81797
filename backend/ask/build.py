"""An `Understanding` fitted to one list: the typed filter, sort and search its list query takes, and a
chip per condition saying in words what the filter holds. A condition the list has no filter for is refused
with a message naming it, rather than dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

import strawberry

from backend.ask.parse import Understanding
from backend.ask.vocabulary import Entity, Vocabulary
from backend.iso_codes import COUNTRIES
from backend.models import ActivityKind, CampaignType, TicketPriority
from backend.schema.activities import ActivityFilter
from backend.schema.campaigns import CampaignFilter, CampaignOrder, CampaignOrderField
from backend.schema.common import AmountRange, BigInt, DateRange, DateTimeRange, SortDirection
from backend.schema.contacts import ContactFilter
from backend.schema.customers import CustomerDealCondition, CustomerFilter, CustomerOrder, CustomerOrderField
from backend.schema.deals import DealFilter, DealOrder, DealOrderField
from backend.schema.leads import LeadFilter, LeadOrder, LeadOrderField
from backend.schema.tickets import TicketFilter


class Unanswerable(Exception):
    """A question the parser could not turn into a filter; the message says which words, and why."""


@dataclass(frozen=True)
class Chip:
    field: str  # the filter's field, as the list query names it
    label: str
    value: str


@dataclass(frozen=True)
class Plan:
    entity: Entity
    filter: Any  # the list's own filter input (CustomerFilter, DealFilter, …)
    order: Any | None
    search: str | None
    chips: list[Chip]
    lookup: str | None


# Each list's filter and sort inputs, as its root query field takes them (a model's proposal is built as these).
LIST_INPUTS: dict[Entity, tuple[type, type | None]] = {
    Entity.CUSTOMERS: (CustomerFilter, CustomerOrder), Entity.CONTACTS: (ContactFilter, None),
    Entity.LEADS: (LeadFilter, LeadOrder), Entity.DEALS: (DealFilter, DealOrder), Entity.TASKS: (ActivityFilter, None),
    Entity.ACTIVITIES: (ActivityFilter, None), Entity.CAMPAIGNS: (CampaignFilter, CampaignOrder),
    Entity.TICKETS: (TicketFilter, None),
}


def _words(value: Enum) -> str:
    return str(value.value).replace("_", " ")


def _instants(start: date, end: date, vocabulary: Vocabulary) -> DateTimeRange:
    """Whole days on the caller's calendar as instants (their midnight to their next midnight)."""
    return DateTimeRange(start=datetime.combine(start, time(0), vocabulary.zone),
                         end=datetime.combine(end + timedelta(days=1), time(0), vocabulary.zone) - timedelta(microseconds=1))


def _ids(found: Understanding, vocabulary: Vocabulary) -> list[strawberry.ID]:
    """The people named, "my" standing for the caller."""
    people = [*found.people, *([vocabulary.me] if found.mine and vocabulary.me else [])]
    return [strawberry.ID(str(p.id)) for p in people]


class Builder:
    def __init__(self, found: Understanding, vocabulary: Vocabulary) -> None:
        self.found = found
        self.vocabulary = vocabulary
        self.chips: list[Chip] = []
        self.used: set[str] = set()  # the parts of the understanding a list took

    def chip(self, part: str, field: str, label: str, value: str) -> None:
        self.used.add(part)
        self.chips.append(Chip(field, label, value))

    def people(self, field: str, label: str) -> list[strawberry.ID] | None:
        if not (self.found.people or self.found.mine):
            return None
        names = [p.name for p in self.found.people] + (["me"] if self.found.mine else [])
        self.chip("people", field, label, ", ".join(names))
        return _ids(self.found, self.vocabulary)

    def statuses(self, field: str = "status", label: str = "Status") -> list[Any] | None:
        if not self.found.statuses:
            return None
        self.chip("statuses", field, label, " or ".join(_words(s) for s in self.found.statuses))
        return list(self.found.statuses)

    def period(self, accepts: tuple[str, ...], field: str, label: str) -> tuple[date, date] | None:
        said = self.found.period
        if said is None or said[0] not in accepts:
            return None
        self.chip("period", field, label, f"{said[3]} ({said[1]:%d %b %Y} – {said[2]:%d %b %Y})")
        return said[1], said[2]

    def amount(self, field: str) -> AmountRange | None:
        low, high = self.found.amount_min, self.found.amount_max
        if low is None and high is None:
            return None
        unit = f" {self.found.currency}" if self.found.currency else ""
        words = " and ".join(filter(None, (f"at least {low:,}{unit}" if low is not None else "",
                                           f"at most {high:,}{unit}" if high is not None else "")))
        self.chip("amount", field, "Amount", words)
        return AmountRange(min=BigInt(low * 100) if low is not None else None,
                           max=BigInt(high * 100) if high is not None else None)

    def order(self) -> tuple[str, bool] | None:
        if self.found.order:
            field, descending = self.found.order
            self.chip("order", "orderBy", "Sorted by",
                      f"{field.lower().replace('_', ' ')}, {'highest' if descending else 'lowest'} first")
        return self.found.order

    # One method per list: which parts of the question its filter can hold.

    def customers(self) -> tuple[Any, Any]:
        f = self.found
        where = CustomerFilter(status=self.statuses(), account_manager_id=self.people("accountManagerId", "Account manager"))
        if f.countries:
            self.chip("countries", "country", "Country", " or ".join(COUNTRIES.get(c, c) for c in f.countries))
            where.country = list(f.countries)
        if f.industries:
            self.chip("industries", "industry", "Industry", " or ".join(f.industries))
            where.industry = list(f.industries)
        if f.segments:
            self.chip("segments", "segment", "Segment", " or ".join(f.segments))
            where.segment = list(f.segments)
        if f.tag:
            self.chip("tag", "tag", "Tag", f.tag)
            where.tag = f.tag
        if span := self.period(("", "created"), "created", "Created"):
            where.created = _instants(*span, self.vocabulary)
        if f.with_deals or f.amount_min is not None or f.amount_max is not None or f.stages:
            where.deal = CustomerDealCondition(amount=self.amount("deal.amount"), stage_id=self.stage_ids("deal.stageId"))
            if not (where.deal.amount or where.deal.stage_id):
                self.chip("with_deals", "deal", "Has deals", "any")
        if f.lookup:
            self.chip("lookup", "search", "Name", f.search or "")
        order = self.order()
        return where, CustomerOrder(field=CustomerOrderField[order[0]], direction=_direction(order[1])) if order else None

    def stage_ids(self, field: str) -> list[strawberry.ID] | None:
        if not self.found.stages:
            return None
        self.chip("stages", field, "Stage", " or ".join(name for name, _ in self.found.stages))
        return [strawberry.ID(str(i)) for _, ids in self.found.stages for i in ids]

    def deals(self) -> tuple[Any, Any]:
        where = DealFilter(stage_kind=self.statuses("stageKind", "Stage kind"), owner_id=self.people("ownerId", "Owner"),
                           amount=self.amount("amount"), stage_id=self.stage_ids("stageId"))
        if self.found.currency and where.amount:
            self.used.add("currency")
            where.currency = [self.found.currency]
        if span := self.period(("", "close"), "expectedClose", "Expected to close"):
            where.expected_close = DateRange(start=span[0], end=span[1])
        elif span := self.period(("created",), "createdAt", "Created"):
            where.created_at = _instants(*span, self.vocabulary)
        order = self.order()
        return where, DealOrder(field=DealOrderField[order[0]], direction=_direction(order[1])) if order else None

    def contacts(self) -> tuple[Any, Any]:
        where = ContactFilter(status=self.statuses(), owner_id=self.people("ownerId", "Owner"))
        if span := self.period(("", "created"), "created", "Created"):
            where.created = _instants(*span, self.vocabulary)
        return where, None

    def leads(self) -> tuple[Any, Any]:
        where = LeadFilter(status=self.statuses(), owner_id=self.people("ownerId", "Owner"))
        if span := self.period(("", "created"), "createdAt", "Created"):
            where.created_at = _instants(*span, self.vocabulary)
        order = self.order()
        return where, LeadOrder(field=LeadOrderField[order[0]], direction=_direction(order[1])) if order else None

    def assignee(self, where: ActivityFilter | TicketFilter) -> None:
        """Tasks and tickets: assigned to me (`mine`), or to the one person named (their filters take one)."""
        f = self.found
        if f.mine and not f.people:
            self.chip("people", "mine", "Assigned to", "me")
            where.mine = True
        elif len(f.people) == 1 and not f.mine:
            self.chip("people", "assigneeId", "Assigned to", f.people[0].name)
            where.assignee_id = strawberry.ID(str(f.people[0].id))

    def tasks(self) -> tuple[Any, Any]:
        f = self.found
        where = ActivityFilter(kind=[ActivityKind.TASK], task_status=self.statuses("taskStatus", "Task status"))
        self.assignee(where)
        if f.my_team:
            self.chip("my_team", "myTeam", "Assigned to", "my team")
            where.my_team = True
        if f.open:
            self.chip("open", "open", "Open", "not done or aborted")
            where.open = True
        if f.overdue:
            self.chip("overdue", "overdue", "Overdue", "open and past due")
            where.overdue = True
        if span := self.period(("", "due"), "dueBefore", "Due by"):
            where.due_before = datetime.combine(span[1] + timedelta(days=1), time(0), self.vocabulary.zone)
            where.open = True
        return where, None

    def activities(self) -> tuple[Any, Any]:
        f = self.found
        where = ActivityFilter(kind=[ActivityKind(t.value) for t in f.types] or None)
        if f.types:
            self.chip("types", "kind", "Kind", " or ".join(_words(t) for t in f.types))
        if len(f.people) + f.mine == 1:
            author = self.people("authorId", "Logged by")
            where.author_id = author[0] if author else None
        if span := self.period(("", "created"), "occurred", "Happened"):
            where.occurred = _instants(*span, self.vocabulary)
        return where, None

    def campaigns(self) -> tuple[Any, Any]:
        f = self.found
        where = CampaignFilter(status=self.statuses(), owner_id=self.people("ownerId", "Owner"))
        if f.types:
            self.chip("types", "type", "Type", " or ".join(_words(t) for t in f.types))
            where.type = [CampaignType(t.value) for t in f.types]
        if span := self.period(("", "running"), "period", "Running during"):
            where.period = DateRange(start=span[0], end=span[1])
        order = self.order()
        return where, CampaignOrder(field=CampaignOrderField[order[0]], direction=_direction(order[1])) if order else None

    def tickets(self) -> tuple[Any, Any]:
        f = self.found
        where = TicketFilter(status=self.statuses(), priority=[TicketPriority(t.value) for t in f.types] or None)
        if f.types:
            self.chip("types", "priority", "Priority", " or ".join(_words(t) for t in f.types))
        self.assignee(where)
        if f.unassigned:
            self.chip("unassigned", "unassigned", "Assigned to", "nobody")
            where.unassigned = True
        return where, None

    def left_over(self) -> list[str]:
        """What the question said that this list took no filter for, in words."""
        f = self.found
        said = {
            "statuses": bool(f.statuses), "countries": bool(f.countries), "industries": bool(f.industries),
            "segments": bool(f.segments), "people": bool(f.people or f.mine), "my_team": f.my_team,
            "overdue": f.overdue, "unassigned": f.unassigned, "stages": bool(f.stages), "types": bool(f.types),
            "period": f.period is not None, "amount": f.amount_min is not None or f.amount_max is not None,
            "order": f.order is not None, "tag": f.tag is not None, "open": bool(f.open),
        }
        return [part for part, present in said.items() if present and part not in self.used]


def _direction(descending: bool) -> SortDirection:
    return SortDirection.DESC if descending else SortDirection.ASC


PART_WORDS = {"statuses": "a status", "countries": "a country", "industries": "an industry", "segments": "a segment",
              "people": "a person", "my_team": "a team", "overdue": "being overdue", "unassigned": "an assignee",
              "stages": "a stage", "types": "a type", "period": "that period", "amount": "an amount",
              "order": "that order", "tag": "a tag", "open": "being open"}


def plan(found: Understanding, vocabulary: Vocabulary) -> Plan:
    """The list query's arguments for `found`; Unanswerable when a word or a condition does not fit."""
    if found.unknown:
        raise Unanswerable(f"Not understood: {', '.join(repr(w) for w in found.unknown)}.")
    if found.entity is None:
        raise Unanswerable("Say what to list: customers, contacts, leads, deals, tasks, activities, campaigns or tickets.")
    builder = Builder(found, vocabulary)
    where, order = getattr(builder, found.entity.value)()
    rest = builder.left_over()
    if rest:
        raise Unanswerable(f"The {found.entity.value} list cannot be filtered by {', '.join(PART_WORDS[p] for p in rest)}"
                           " as asked.")
    return Plan(found.entity, where, order, found.search, builder.chips, found.lookup)
