"""Imports: jobs, the fields each entity takes, previews, saved mappings; start, cancel, resume; progress."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from backend.live import topics
from backend.live.events import ImportProgressed
from backend.models import ImportEntity, ImportJob, ImportMapping, ImportProblem, ImportStatus
from backend.reads.context import Info
from backend.reads.paging import FIRST_DESCRIPTION, page_size
from backend.resolvers.streams import listen
from backend.schema.imports import (
    ApplyImportMappingInput,
    ConfigureImportInput,
    FieldValue,
    ImportFieldType,
    ImportJobInput,
    ImportJobType,
    ImportMappingType,
    ImportPreview,
    ImportProblemType,
    ImportProgressEvent,
    PreviewRow,
)
from backend.services import imports as service
from backend.services import validate as v
from backend.services.import_fields import import_fields


@strawberry.type
class ImportQuery:
    @strawberry.field(description="One import (your own; admins any)")
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJobType:
        return ImportJobType.of(await service.visible_job(info.context.actor, id))

    @strawberry.field(description="Your imports, newest first (admins: everyone's)")
    async def import_jobs(
        self, info: Info, first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None
    ) -> list[ImportJobType]:
        count = page_size(first)
        rows = await ImportJob.filter(service.job_rule(info.context.actor)).order_by("-id").limit(count)
        return ImportJobType.of_all(rows)

    @strawberry.field(description="The fields an import of `entity` can fill, in template order")
    async def import_fields(self, info: Info, entity: ImportEntity) -> list[ImportFieldType]:
        service.require_may_import(info.context.actor, entity)
        return [ImportFieldType(name=f.name, label=f.label, required=f.required) for f in await import_fields(entity)]

    @strawberry.field(description="Your saved mappings for `entity`")
    async def import_mappings(self, info: Info, entity: ImportEntity) -> list[ImportMappingType]:
        rows = await ImportMapping.filter(service.mappings_rule(info.context.actor), entity=entity).order_by("name")
        return ImportMappingType.of_all(rows)

    @strawberry.field(description="A dry run of an import over its whole file: counts, problems, the first rows as "
                      "they would be written; nothing is written")
    async def import_preview(self, info: Info, id: strawberry.ID) -> ImportPreview:
        result = await service.preview(info.context.actor, id)
        return ImportPreview(
            rows=[PreviewRow(row=r["row"], values=[FieldValue(field=k, value="" if val is None else str(val))
                                                   for k, val in r.items() if k not in ("row", "tag_index", "account_manager_id")])
                  for r in result.rows],
            problems=[ImportProblemType(row=r, column=c, message=m) for r, c, m in result.problems],
            rows_total=result.rows_total, created=result.created, updated=result.updated, skipped=result.skipped,
            invalid=result.invalid, duplicates=result.duplicates,
        )

    @strawberry.field(description="Problems recorded by an import that ran (the error report's lines)")
    async def import_problems(
        self, info: Info, id: strawberry.ID,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
    ) -> list[ImportProblemType]:
        job = await service.visible_job(info.context.actor, id)
        count = page_size(first)
        rows = await ImportProblem.filter(job_id=job.id).order_by("row", "id").limit(count)
        return [ImportProblemType(row=p.row, column=p.column, message=p.message) for p in rows]


@strawberry.type
class ImportMutation:
    @strawberry.mutation(description="Set the mapping and duplicate policy of an uploaded import; optionally save "
                         "the mapping for reuse")
    async def configure_import(self, info: Info, input: ConfigureImportInput) -> ImportJobType:
        actor = info.context.actor
        mapping = None if input.mapping is None else {m.column: m.field or "" for m in input.mapping}
        return ImportJobType.of(await service.configure(actor, input.id, mapping, input.on_duplicate, input.save_as))

    @strawberry.mutation(description="Apply a saved mapping to an uploaded import")
    async def apply_import_mapping(self, info: Info, input: ApplyImportMappingInput) -> ImportJobType:
        actor = info.context.actor
        saved = await v.one(ImportMapping.filter(service.mappings_rule(actor), id=v.parse_id("mappingId", input.mapping_id)),
                            "ImportMapping", input.mapping_id, "mappingId")
        job = await service.visible_job(actor, input.id)
        usable = {c: f for c, f in saved.mapping.items() if c in job.columns}
        return ImportJobType.of(await service.configure(actor, job.id, usable, None))

    @strawberry.mutation(description="Run an import in the background; follow it with importProgress")
    async def start_import(self, info: Info, input: ImportJobInput) -> ImportJobType:
        job = await service.start(info.context.actor, input.id)
        service.launch(job.id)
        return ImportJobType.of(job)

    @strawberry.mutation(description="Stop an import after the batch in flight; what committed stays")
    async def cancel_import(self, info: Info, input: ImportJobInput) -> ImportJobType:
        return ImportJobType.of(await service.cancel(info.context.actor, input.id))

    @strawberry.mutation(description="Carry a cancelled or failed import on from its last committed row")
    async def resume_import(self, info: Info, input: ImportJobInput) -> ImportJobType:
        job = await service.resume(info.context.actor, input.id)
        service.launch(job.id)
        return ImportJobType.of(job)


@strawberry.type
class ImportSubscription:
    @strawberry.subscription(description="An import's progress: an event per committed batch and one when it ends")
    async def import_progress(self, info: Info, job_id: strawberry.ID) -> AsyncGenerator[ImportProgressEvent, None]:
        context = info.context
        job = await service.visible_job(context.actor, job_id, "jobId")
        async with listen(context, topics.import_progress(job.id)) as events:
            async for event in events:
                if isinstance(p := event.data, ImportProgressed):
                    yield ImportProgressEvent(
                        job_id=strawberry.ID(str(p.job_id)), status=ImportStatus(p.status), rows_done=p.rows_done,
                        rows_total=p.rows_total, created=p.created, updated=p.updated, skipped=p.skipped,
                        invalid=p.invalid,
                    )
