"""The change feed's read side: pages of `change` rows in commit (id) order under the caller's row rule.

A cursor holds a row's time as well as its id, so a cursor from before the retention period is told apart
from a forged one: the rows after it may have been forgotten (services/changes.prune), and the client must
start over from a fresh copy rather than resume with a silent gap.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import Change
from backend.reads.paging import make_cursor, read_cursor
from backend.services.changes import retention_start
from backend.settings import get_settings


def retention() -> timedelta:
    return timedelta(days=get_settings().changes_retention_days)


def cursor_of(change: Change) -> str:
    return make_cursor("at", change)


def start_after(after: str | None) -> int:
    """The id a page starts after (0: from the oldest change kept); refuses a cursor past retention."""
    if not after:
        return 0
    at, pk = read_cursor(after, "at", Change)
    if at < retention_start(retention()):
        days = get_settings().changes_retention_days
        raise BadUserInput("after", f"this cursor is older than the change feed keeps changes ({days} days): the "
                           "changes after it may be gone. Read the records afresh, then follow the feed from now")
    return int(pk)


async def page(actor: Actor, after_id: int, entities: Collection[str] | None, size: int) -> list[Change]:
    """Up to `size` changes after `after_id` that `actor` may see, oldest first."""
    query = Change.filter(permissions.change_rule(actor), id__gt=after_id)
    if entities is not None:
        query = query.filter(entity__in=list(entities))
    return await query.order_by("id").limit(size)


async def last_id() -> int:
    """The newest committed change's id (0 for none): where a stream without a cursor starts."""
    newest = await Change.all().order_by("-id").first()
    return newest.id if newest is not None else 0
