"""`changes(after, entities)`: the change feed as a query (pages to resume from) and as a subscription that
replays from a cursor, then continues live without a gap or a duplicate.

The stream subscribes to the live topic first and only then replays from the table, so nothing committed
meanwhile slips between the two. Live events are only pokes naming the largest id committed: the stream
reads the rows after the last one it served from the table each time, so an event about rows already
replayed reads nothing (no duplicate), and rows become visible in id order (services/changes.py), so
reading "after the last served" never skips one (no gap).

Since the table holds every change, a lost event is only a late poke: when the broadcast is interrupted
(Redis fails or comes back, another process dropped events) or the subscriber falls behind, the stream
does not end, unlike the other streams: it subscribes again and reads on from the last row it served.
While Redis is down no poke can come, so it looks at the table itself every POLL_SECONDS. Only a server
that stops ends it (STREAM_CLOSED); the client resubscribes elsewhere with its last cursor and loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Collection
from typing import Annotated

import strawberry

from backend import permissions
from backend.auth.actor import Actor
from backend.live import topics
from backend.live.broadcast import SHUTDOWN, hub
from backend.live.events import ChangesCommitted, Event
from backend.models import Change
from backend.reads import changes as feed
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, MAX_FIRST, Connection, Edge, PageInfo, page_size
from backend.resolvers.streams import StreamEnded, listen
from backend.schema.changes import ChangeEntity, ChangeType

AFTER = "The cursor of the last change you have (none: from the oldest change kept)"
ENTITIES = "Only changes of these kinds of record (default: all)"
POLL_SECONDS = 1.0  # while the broadcast is down, how often a stream reads the table without being poked


def _entities(entities: list[ChangeEntity] | None) -> list[str] | None:
    return [e.value for e in entities] if entities is not None else None


def _edge(change: Change) -> Edge[ChangeType]:
    return Edge(cursor=feed.cursor_of(change), node=ChangeType.of(change))


@strawberry.type
class ChangeQuery:
    @strawberry.field(description="Every committed change of the records you may see, oldest first in commit order: "
                      "page with `after`, and later resume from the last cursor you got. A cursor older than "
                      "the retention period (CRM_CHANGES_RETENTION) is refused (BAD_USER_INPUT, field after).")
    async def changes(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        entities: Annotated[list[ChangeEntity] | None, strawberry.argument(description=ENTITIES)] = None,
    ) -> Connection[ChangeType]:
        actor = info.context.actor
        size = page_size(first)
        after_id = feed.start_after(after)
        rows = await feed.page(actor, after_id, _entities(entities), size + 1) if size else []
        edges = [_edge(row) for row in rows[:size]]
        count = Change.filter(permissions.change_rule(actor), id__gt=after_id)
        if entities is not None:
            count = count.filter(entity__in=_entities(entities))
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > size, has_previous_page=bool(after),
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None),
            count_query=count,
        )


@strawberry.type
class ChangeSubscription:
    @strawberry.subscription(description="The change feed live: first every change after `after` (none: only "
                             "what happens from now), then each change as it commits, in commit order, each once. "
                             "Keep the last edge's cursor: after STREAM_CLOSED, resubscribe with it.")
    async def changes(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        entities: Annotated[list[ChangeEntity] | None, strawberry.argument(description=ENTITIES)] = None,
    ) -> AsyncGenerator[Edge[ChangeType], None]:
        context = info.context
        kinds = _entities(entities)
        served: int | None = None
        while True:
            try:
                async with listen(context, topics.changes()) as events:  # live first: what commits meanwhile waits
                    if served is None:
                        served = feed.start_after(after) if after else await feed.last_id()
                    async for row in _follow(context.actor, served, kinds, events):
                        served = row.id
                        yield _edge(row)
            except StreamEnded as ended:
                if ended.reason == SHUTDOWN:
                    raise
                # Only pokes were lost: subscribe again, then read on from the table.


async def _follow(actor: Actor, served: int, kinds: Collection[str] | None,
                  events: AsyncIterator[Event]) -> AsyncGenerator[Change, None]:
    """The rows after `served`: all there are now (the replay), then more each time a poke names a row not
    served yet, or, while the broadcast is down, every POLL_SECONDS. Raises what ends `events`."""
    poke: asyncio.Future[Event] | None = None
    try:
        while True:
            while rows := await feed.page(actor, served, kinds, MAX_FIRST):
                for row in rows:
                    served = row.id
                    yield row
            while True:  # until there may be more to read
                poke = poke or asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({poke}, timeout=None if hub.connected else POLL_SECONDS)
                if not done:
                    break  # no poke can come while the broadcast is down: look for ourselves
                event, poke = poke.result(), None
                if isinstance(p := event.data, ChangesCommitted) and p.last_id > served:
                    break  # else already served, or not about the feed
    finally:
        if poke is not None:  # the stream ends while waiting: stop reading events before they are closed
            poke.cancel()
            await asyncio.gather(poke, return_exceptions=True)
