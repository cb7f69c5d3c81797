"""Telling a user of something, as they chose for its kind (services/preferences.py): a notification in the
app and/or an email — one now, or a line of their morning digest. Called inside the write that made the news,
so a change that rolls back tells nobody, and the email leaves through the outbox only after the commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.live import topics
from backend.live.events import NotificationKind, Payload
from backend.models import DigestItem, Notification, User
from backend.services import preferences
from backend.services.unit import Unit


async def tell(unit: Unit, person: User, kind: NotificationKind, message: str, record: tuple[str, int],
               note: Callable[[Notification], Payload], key: str, *, template: str = "notification",
               choice: preferences.Choice | None = None, line: dict[str, Any] | None = None,
               **values: Any) -> None:
    """Tell `person` `message` about `record` ((entity, id)): in the app (`note` makes the live event from
    the stored notification) and by email from `template` (the generic one shows `message` and links to
    `path`, a value it needs), `key` naming the email so it is never sent twice. `choice`: the person's, when
    the caller read it for many at once; `line`: the digest's entry, by default the message."""
    choice = choice or (await preferences.choices([person.id], kind))[person.id]
    message = message[:500]
    if choice.in_app:
        row = await Notification.create(user_id=person.id, kind=kind, message=message, entity=record[0],
                                        entity_id=record[1])
        unit.publish(topics.notifications(person.id), note(row))
    await _email(unit, person, choice, kind, key, record, line or {"title": message}, template=template,
                message=message, **values)


async def _email(unit: Unit, person: User, choice: preferences.Choice, kind: str, key: str, record: tuple[str, int],
                line: dict[str, Any], *, template: str | None = None, **values: Any) -> None:
    """Email `person` of `kind` as they chose, within `unit`: one email now (`template`, by default the kind's
    own, with `values`; `key` naming it), or `line` ({"title", and "due" for a task}) in their next morning
    digest; nothing when they chose no email or have no address. `record` is the (entity, id) it is about."""
    if not (choice.email and person.email and person.active):
        return
    if choice.digest:
        await DigestItem.create(user_id=person.id, kind=kind, entity=record[0], entity_id=record[1], values=line)
        return
    await unit.send_mail(template or kind, key, person.email, person.language, name=person.name, **values)
