"""Imports as the API shows them: jobs with their progress and counts, the fields each entity takes, a
preview (dry run), saved mappings and progress events."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.models import ImportEntity, ImportJob, ImportMapping, ImportStatus, OnDuplicate
from backend.schema.rows import Shows

strawberry.enum(ImportEntity, name="ImportEntity", description="What a file is imported as")
strawberry.enum(ImportStatus, name="ImportStatus", description="Where an import is")
strawberry.enum(OnDuplicate, name="OnDuplicate", description="What happens to a row that matches a known record")


@strawberry.type(description="One column of the file and the field it fills")
class ColumnMapping:
    column: str = strawberry.field(description="The column's name in the file")
    field: str = strawberry.field(description="The field it fills (see importFields)")


@strawberry.input(description="One column of the file and the field it fills")
class ColumnMappingInput:
    column: str = strawberry.field(description="The column's name in the file")
    field: str | None = strawberry.field(default=None, description="The field; null or empty leaves the column out")


@strawberry.type(description="A field an import can fill")
class ImportFieldType:
    name: str = strawberry.field(description="The field's key, used in mappings")
    label: str = strawberry.field(description="As people read it; the template's column name")
    required: bool = strawberry.field(description="A row without it is invalid")


@strawberry.type(description="A row the import did not write or a value it could not take")
class ImportProblemType:
    row: int = strawberry.field(description="Row number as a spreadsheet shows it (the header is row 1)")
    column: str = strawberry.field(description="The file's column, empty when the row as a whole is meant")
    message: str = strawberry.field(description="What is wrong, or why the row was skipped")


@strawberry.type(name="ImportJob", description="An import of a spreadsheet file")
class ImportJobType(Shows[ImportJob]):
    id: strawberry.ID = strawberry.field(description="Import id")
    entity: ImportEntity = strawberry.field(description="What the rows become")
    status: ImportStatus = strawberry.field(description="uploaded, running, cancelled, done or failed")
    file_name: str = strawberry.field(description="The file as uploaded")
    columns: list[str] = strawberry.field(description="The file's columns (its header row)")
    on_duplicate: OnDuplicate = strawberry.field(description="What happens to rows that match a known record")
    rows_total: int | None = strawberry.field(description="Data rows in the file, once counted")
    rows_done: int = strawberry.field(description="Rows handled and committed so far")
    created: int = strawberry.field(description="Records created")
    updated: int = strawberry.field(description="Known records updated")
    skipped: int = strawberry.field(description="Duplicates skipped")
    invalid: int = strawberry.field(description="Rows not imported because of a problem")
    message: str = strawberry.field(description="Why it failed, when it did")
    created_at: datetime = strawberry.field(description="Uploaded at")
    finished_at: datetime | None = strawberry.field(description="Done, cancelled or failed at")

    @strawberry.field(description="Column → field in the file's column order, as set (automatically at upload, "
                      "then by the user)")
    def mapping(self, root: strawberry.Parent[ImportJob]) -> list[ColumnMapping]:
        # In the file's order: PostgreSQL's JSONB keeps no key order.
        return [ColumnMapping(column=c, field=root.mapping[c]) for c in root.columns if c in root.mapping]

    @strawberry.field(description="Path of the error report (CSV: the rows not imported with a column saying why)")
    def error_report_url(self, root: strawberry.Parent[ImportJob]) -> str:
        return f"/import/{root.id}/problems.csv"


@strawberry.type(description="A field's value as the CRM would store it")
class FieldValue:
    field: str = strawberry.field(description="The field")
    value: str = strawberry.field(description="The value, as text")


@strawberry.type(description="A row as it would be written")
class PreviewRow:
    row: int = strawberry.field(description="Row number in the file")
    values: list[FieldValue] = strawberry.field(description="Field and value, as the CRM would store it")


@strawberry.type(description="A dry run over the whole file: nothing is written")
class ImportPreview:
    rows: list[PreviewRow] = strawberry.field(description="The first rows as they would be written")
    problems: list[ImportProblemType] = strawberry.field(description="Problems and skipped duplicates (the first 200)")
    rows_total: int = strawberry.field(description="Data rows in the file")
    created: int = strawberry.field(description="Rows that would become new records")
    updated: int = strawberry.field(description="Rows that would update a known record")
    skipped: int = strawberry.field(description="Duplicates that would be skipped")
    invalid: int = strawberry.field(description="Rows with a problem")
    duplicates: int = strawberry.field(description="Rows matching a known record or an earlier row")


@strawberry.type(name="ImportMapping", description="A column mapping saved for reuse")
class ImportMappingType(Shows[ImportMapping]):
    id: strawberry.ID = strawberry.field(description="Saved mapping id")
    name: str = strawberry.field(description="Its name")
    entity: ImportEntity = strawberry.field(description="What it imports")

    @strawberry.field(description="Column → field")
    def mapping(self, root: strawberry.Parent[ImportMapping]) -> list[ColumnMapping]:
        return [ColumnMapping(column=c, field=f) for c, f in root.mapping.items()]


@strawberry.input(description="Mapping and duplicate policy of an uploaded import, before it starts")
class ConfigureImportInput:
    id: strawberry.ID = strawberry.field(description="Import id")
    mapping: list[ColumnMappingInput] | None = strawberry.field(default=None, description="Column → field")
    on_duplicate: OnDuplicate | None = strawberry.field(default=None, description="skip, update or create")
    save_as: str | None = strawberry.field(default=None, description="Also save the mapping under this name")


@strawberry.input(description="Apply a saved mapping to an uploaded import (columns the file lacks are left out)")
class ApplyImportMappingInput:
    id: strawberry.ID = strawberry.field(description="Import id")
    mapping_id: strawberry.ID = strawberry.field(description="Saved mapping id")


@strawberry.input(description="An import to start, cancel or resume")
class ImportJobInput:
    id: strawberry.ID = strawberry.field(description="Import id")


@strawberry.type(description="An import moved on (a batch committed) or ended")
class ImportProgressEvent:
    job_id: strawberry.ID = strawberry.field(description="Import id")
    status: ImportStatus = strawberry.field(description="Its status now")
    rows_done: int = strawberry.field(description="Rows handled and committed")
    rows_total: int | None = strawberry.field(description="Data rows in the file")
    created: int = strawberry.field(description="Records created")
    updated: int = strawberry.field(description="Records updated")
    skipped: int = strawberry.field(description="Duplicates skipped")
    invalid: int = strawberry.field(description="Rows with a problem")
