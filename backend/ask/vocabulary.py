"""The words a question may use: fixed ones (entities, statuses, periods, orderings) and the ones this
database holds (users, industries, segments, stages), read once per question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from backend.auth.actor import Actor
from backend.models import (
    CampaignStatus,
    CampaignType,
    ContactStatus,
    Customer,
    CustomerStatus,
    LeadStatus,
    PickList,
    PickListItem,
    Stage,
    StageKind,
    TicketPriority,
    TicketStatus,
    User,
)
from backend.schema.ask import AskEntity
from backend.services.recurrence import zone

Entity = AskEntity  # the lists a question may ask for, as the schema names them

# Singular and plural nouns for each list; the first noun found decides what the question is about.
ENTITY_WORDS: dict[str, Entity] = {
    **dict.fromkeys(("customer", "customers", "account", "accounts", "company", "companies", "client", "clients"),
                    Entity.CUSTOMERS),
    **dict.fromkeys(("contact", "contacts", "person", "people"), Entity.CONTACTS),
    **dict.fromkeys(("lead", "leads"), Entity.LEADS),
    **dict.fromkeys(("deal", "deals", "opportunity", "opportunities"), Entity.DEALS),
    **dict.fromkeys(("task", "tasks", "todo", "todos", "to-dos"), Entity.TASKS),
    **dict.fromkeys(("activity", "activities", "calls", "meetings", "notes", "emails"), Entity.ACTIVITIES),
    **dict.fromkeys(("campaign", "campaigns"), Entity.CAMPAIGNS),
    **dict.fromkeys(("ticket", "tickets", "case", "cases"), Entity.TICKETS),
}
# A status word that names the list by itself: "prospects" are customers with that status.
STATUS_NOUNS: dict[str, tuple[Entity, str]] = {
    "prospects": (Entity.CUSTOMERS, "prospect"),
}

# Per list, the words of its statuses (the enum's own values, spaces for underscores, plus a few synonyms).
STATUS_WORDS: dict[Entity, Mapping[str, Enum]] = {
    Entity.CUSTOMERS: {s.value: s for s in CustomerStatus} | {"prospect": CustomerStatus.PROSPECT},
    Entity.CONTACTS: {s.value.replace("_", " "): s for s in ContactStatus},
    Entity.LEADS: {s.value: s for s in LeadStatus},
    Entity.DEALS: {"open": StageKind.OPEN, "won": StageKind.WON, "lost": StageKind.LOST},
    Entity.CAMPAIGNS: {s.value: s for s in CampaignStatus} | {"running": CampaignStatus.ACTIVE},
    Entity.TICKETS: {s.value.replace("_", " "): s for s in TicketStatus} | {"waiting": TicketStatus.PENDING_CUSTOMER},
}
CAMPAIGN_TYPES: dict[str, CampaignType] = {t.value: t for t in CampaignType} | {"referrals": CampaignType.REFERRAL,
                                                                                "promotions": CampaignType.PROMOTION}
TICKET_PRIORITIES: dict[str, TicketPriority] = {p.value: p for p in TicketPriority}
ACTIVITY_KINDS: dict[str, str] = {"calls": "CALL", "meetings": "MEETING", "notes": "NOTE", "emails": "EMAIL"}

# Words that carry no condition; anything else a question holds must be understood, or the answer says so.
FILLER = frozenset((
    "show", "list", "find", "get", "give", "me", "all", "the", "a", "an", "any", "of", "with", "which",
    "what", "are", "is", "there", "that", "those", "these", "please", "in", "on", "at", "or", "by", "for",
    "to", "from", "and", "our", "who", "whose", "have", "has", "had", "having", "been", "do", "does", "how",
    "many", "whats", "what's", "their", "its",
))

# "most enrolments", "biggest deals": (entity, order field, descending)
ORDER_WORDS: dict[str, tuple[Entity | None, str, bool]] = {
    "enrolments": (Entity.CAMPAIGNS, "ENROLMENTS", True), "enrollments": (Entity.CAMPAIGNS, "ENROLMENTS", True),
    "signups": (Entity.CAMPAIGNS, "ENROLMENTS", True), "likes": (Entity.CAMPAIGNS, "LIKES", True),
    "views": (Entity.CAMPAIGNS, "VIEWS", True),
    "biggest": (Entity.DEALS, "AMOUNT", True), "largest": (Entity.DEALS, "AMOUNT", True),
    "smallest": (Entity.DEALS, "AMOUNT", False),
    "newest": (None, "CREATED_AT", True), "latest": (None, "CREATED_AT", True), "recent": (None, "CREATED_AT", True),
    "oldest": (None, "CREATED_AT", False),
}
ORDER_LEADS = frozenset(("most", "top", "highest", "fewest", "least"))


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class Vocabulary:
    """What this database and this caller add to the fixed words. Names are keyed in lower case."""

    me: Person | None
    today: date  # in the caller's time zone: "this week" is theirs
    zone: ZoneInfo
    people: dict[str, Person]  # full names, and first names that only one user has
    industries: dict[str, str]  # lower case → as stored
    segments: dict[str, str]
    stages: dict[str, list[int]]  # a stage name → its ids in every pipeline

    def words(self) -> list[str]:
        """Every word a question may use, for suggestions when one is not understood."""
        fixed = [*ENTITY_WORDS, *(w for words in STATUS_WORDS.values() for w in words), *CAMPAIGN_TYPES,
                 *TICKET_PRIORITIES, *ORDER_WORDS, "overdue", "my", "this", "last", "next", "week", "month", "quarter",
                 "year", "today", "over", "under", "between", "closing", "due", "created"]
        return sorted({*fixed, *self.people, *self.industries, *self.segments, *self.stages})


async def load(actor: Actor) -> Vocabulary:
    """The vocabulary for `actor`: users by name (names are not secret: every user list shows them), the
    industries and segments in the pick-lists and on customers, and the pipelines' stage names."""
    users = await User.filter(active=True).values("id", "name", "time_zone")
    people: dict[str, Person] = {}
    firsts: dict[str, list[Person]] = {}
    for row in users:
        person = Person(row["id"], row["name"])
        people[row["name"].casefold()] = person
        firsts.setdefault(row["name"].split()[0].casefold(), []).append(person)
    for first, holders in firsts.items():
        if len(holders) == 1:
            people.setdefault(first, holders[0])
    mine = next((row for row in users if row["id"] == actor.user_id), None)
    tz = zone(mine["time_zone"] if mine else None)
    picked = await PickListItem.filter(list__in=[PickList.INDUSTRY, PickList.SEGMENT]).values("list", "label")
    industries = {p["label"].casefold(): p["label"] for p in picked if p["list"] is PickList.INDUSTRY}
    segments = {p["label"].casefold(): p["label"] for p in picked if p["list"] is PickList.SEGMENT}
    for value in await Customer.all().distinct().values_list("industry", flat=True):
        if value:
            industries.setdefault(str(value).casefold(), str(value))
    for value in await Customer.all().distinct().values_list("segment", flat=True):
        if value:
            segments.setdefault(str(value).casefold(), str(value))
    stages: dict[str, list[int]] = {}
    for stage in await Stage.all().values("id", "name"):
        stages.setdefault(stage["name"].casefold(), []).append(stage["id"])
    return Vocabulary(
        me=Person(mine["id"], mine["name"]) if mine else None,
        today=datetime.now(tz).date(),
        zone=tz,
        people=people,
        industries=industries,
        segments=segments,
        stages=stages,
    )
