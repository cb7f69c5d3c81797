"""The morning digest: what users chose to hear of by email once a day ("daily digest instead of each"),
one email per user in their own morning, nothing when there is nothing.

A notification of a digest kind leaves a DigestItem instead of an email (reminders.send_due). The
digest job collects each user's unsent items into one email under the key `digest:<user>:<local date>`
and marks them sent in the same write: a second worker, or a run repeated after a crash, finds the key
taken and writes nothing (reminders.once), and an item is never in two digests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.mail import language
from backend.models import DigestItem, User
from backend.services import reminders
from backend.services.unit import Unit

MAX_ITEMS = 100  # listed in one email; the rest are counted ("and 12 more")


def _line(item: DigestItem, person: User) -> dict[str, Any]:
    """One entry of the digest, in the reader's zone and language."""
    values = item.values or {}
    due = values.get("due")
    return {"kind": item.kind, "title": values.get("title", ""),
            "due": language.when(datetime.fromisoformat(due), person.time_zone, person.language) if due else ""}


async def send_digests(at: datetime | None = None) -> int:
    """Write the digest of each user whose morning has come and who has unsent items; returns how many."""
    at = at or datetime.now(UTC)
    waiting = set(await DigestItem.filter(sent_at=None, created_at__lte=at).distinct().values_list("user_id", flat=True))
    people = {u.id: u for u in await User.filter(id__in=list(waiting), active=True).exclude(email="")}
    keys = await reminders.in_their_morning(people.values(), at, "digest")
    items: dict[int, list[DigestItem]] = {}
    for item in await DigestItem.filter(user_id__in=list(keys), sent_at=None, created_at__lte=at).order_by("id"):
        items.setdefault(item.user_id, []).append(item)
    sent = 0
    for person_id, mine in items.items():
        person = people[person_id]

        async def write_digest(unit: Unit, key: str, person: User = person, mine: list[DigestItem] = mine) -> None:
            claimed = await DigestItem.filter(id__in=[i.id for i in mine], sent_at=None).update(sent_at=at)
            if claimed != len(mine):
                raise Stale()  # another worker took some of them since they were read: let it send them
            await unit.send_mail("digest", key, person.email, person.language, name=person.name,
                                 count=len(mine), items=[_line(i, person) for i in mine[:MAX_ITEMS]],
                                 more=max(0, len(mine) - MAX_ITEMS))

        try:
            if await reminders.once(keys[person_id], write_digest):
                sent += 1
        except Stale:
            continue
    return sent


class Stale(Exception):
    """The items read were claimed by another digest meanwhile; this one rolls back."""
