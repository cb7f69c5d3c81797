"""The audit log: read-only (no mutation changes it), newest first, filtered by permissions.audit_rule."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from tortoise.queryset import QuerySet

from backend import permissions
from backend.models import AuditEntry
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, Connection, paginate
from backend.schema.audit import AuditEntryType, AuditFilter
from backend.services import validate as v


def filter_query(query: QuerySet, where: AuditFilter | None) -> QuerySet:
    if where is None:
        return query
    if where.entity:
        query = query.filter(entity=v.column_text("filter.entity", AuditEntry, "entity", where.entity))
    if where.entity_id:
        query = query.filter(entity_id=v.column_text("filter.entityId", AuditEntry, "entity_id", str(where.entity_id)))
    if where.actor_id:
        query = query.filter(actor_id=v.parse_id("filter.actorId", where.actor_id))
    if where.action:
        query = query.filter(action=v.column_text("filter.action", AuditEntry, "action", where.action))
    if where.at and where.at.start:
        query = query.filter(at__gte=v.aware("filter.at.start", where.at.start))
    if where.at and where.at.end:
        query = query.filter(at__lte=v.aware("filter.at.end", where.at.end))
    return query


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Who changed what, newest first (admins: everything; sales heads: their team's)")
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description="endCursor of the previous page")] = None,
        filter: AuditFilter | None = None,
    ) -> Connection[AuditEntryType]:
        query = AuditEntry.filter(permissions.audit_rule(info.context.actor))
        # Ids grow with time, so id order is time order, and a cursor on the id alone is stable.
        return await paginate(filter_query(query, filter), field="id", descending=True, first=first, after=after)

    @strawberry.field(description="The kinds of things (entity) in the audit entries you may read, by name: what "
                      "an entity filter may pick")
    async def audit_entities(self, info: Info) -> list[str]:
        query = AuditEntry.filter(permissions.audit_rule(info.context.actor))
        # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
        return sorted(cast(list[str], await query.distinct().values_list("entity", flat=True)))
