"""Spreadsheet imports: the durable job (what, how far, with what counts), saved column mappings, and the
problems found per row (the error report)."""

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.users import User


class ImportEntity(str, Enum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    LEADS = "leads"
    DEALS = "deals"


class ImportStatus(str, Enum):
    UPLOADED = "uploaded"  # file stored, mapping not confirmed
    RUNNING = "running"
    CANCELLED = "cancelled"
    DONE = "done"
    FAILED = "failed"


class OnDuplicate(str, Enum):
    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


class ImportJob(Model):
    """One import. `rows_done` moves in the same transaction as the rows of each batch, so a job resumed
    after a crash starts exactly after the last committed row: nothing twice, nothing lost."""

    id = fields.IntField(primary_key=True)
    entity = fields.CharEnumField(ImportEntity, max_length=20)
    status = fields.CharEnumField(ImportStatus, max_length=20, default=ImportStatus.UPLOADED, db_index=True)
    file_name = fields.CharField(max_length=255, description="As uploaded, for people")
    file_path = fields.CharField(max_length=1000, description="Where the stored file is, under CRM_DATA_DIR")
    columns: fields.Field[list[str]] = fields.JSONField(default=list, description="The file's header row")
    mapping: fields.Field[dict[str, Any]] = fields.JSONField(default=dict, description="column -> field")
    on_duplicate = fields.CharEnumField(OnDuplicate, max_length=10, default=OnDuplicate.SKIP)
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    # The scopes of the API token that started it (null: a session or the command line): the job acts
    # within them, as the token would (m0034).
    scopes: fields.Field[list[str] | None] = fields.JSONField(null=True)
    rows_total = fields.IntField(null=True, description="Data rows in the file, once counted")
    rows_done = fields.IntField(default=0, description="Data rows handled and committed, in file order")
    created = fields.IntField(default=0)
    updated = fields.IntField(default=0)
    skipped = fields.IntField(default=0)
    invalid = fields.IntField(default=0)
    message = fields.CharField(max_length=1000, default="", description="Why it failed, when it did")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "import_job"


class ImportProblem(Model):
    """A row the import did not write, or a value it could not take: row number (1 = first data row, as a
    spreadsheet shows it minus the header), column as in the file, and why."""

    id = fields.BigIntField(primary_key=True)
    job: fields.ForeignKeyRelation[ImportJob] = fields.ForeignKeyField(
        "models.ImportJob", related_name="problems", on_delete=fields.CASCADE
    )
    job_id: int
    row = fields.IntField()
    column = fields.CharField(max_length=255, default="")
    message = fields.CharField(max_length=1000)
    values: fields.Field[list[str]] = fields.JSONField(default=list, description="The row as read, for the report")

    class Meta:
        table = "import_problem"
        indexes = (("job_id", "row"),)


class ImportMapping(Model):
    """A column mapping saved for reuse (the monthly export of the old system has the same columns)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    entity = fields.CharEnumField(ImportEntity, max_length=20)
    mapping: fields.Field[dict[str, Any]] = fields.JSONField(default=dict)
    owner: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.CASCADE
    )
    owner_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "import_mapping"
        unique_together = (("owner", "entity", "name"),)


class ImportKey(Model):
    """The duplicate signals of the records one import run (or preview) knows, kept in the database instead of
    memory so a run's memory stays flat however large the file or the customer base: `scope` names the run,
    `kind` the signal (email, phone, domain, name, or a fuzzy-name block entry), `key` the normalised value."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=60, description="import:<job id> or preview:<epoch>:<random>")
    kind = fields.CharField(max_length=1, description="e email, p phone, d domain, n name, b fuzzy-name block")
    key = fields.CharField(max_length=300)
    block = fields.CharField(max_length=100, default="", description="The fuzzy-name block of a `b` entry")
    record_id = fields.BigIntField(description="The record's id, or minus the file row of one not yet written")

    class Meta:
        table = "import_key"
        unique_together = (("scope", "kind", "key"),)
        indexes = (("scope", "block"),)
