"""Imports from spreadsheets through the one write path, in batches.

A job reads its stored file as a stream. Each batch of rows is checked with the services' own validation,
matched against the database and the rows before it, and written in ONE transaction together with its
audit entries (via `import:<job id>`), its problems (the error report) and the job's new row offset; the
progress event goes out after the commit. So a crash loses at most the batch in flight, and resuming
starts exactly after the last committed row: no row is written twice or half.

Customers, the bulk case, are inserted with one statement per table per batch; contacts, leads and deals
go row by row through their services inside the batch's transaction. A batch that fails is retried once,
then written row by row so the one bad row is reported with its reason and the others land.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from backend import permissions
from backend.auth.actor import Actor
from backend.country_names import resolve_country
from backend.errors import BadUserInput, CrmError, Forbidden, NotFound
from backend.live import topics
from backend.live.events import CustomersTouched, ImportProgressed
from backend.models import (
    AuditEntry,
    Contact,
    Customer,
    CustomerPhase,
    CustomerStatus,
    CustomerStatusChange,
    ImportEntity,
    ImportJob,
    ImportMapping,
    ImportProblem,
    ImportStatus,
    OnDuplicate,
    PickList,
    PickListItem,
    Stage,
    User,
)
from backend.permissions import Action, Assignment
from backend.services import bulk, contacts, custom_fields, customers, deals, import_custom, leads, pick_lists, search
from backend.services import validate as v
from backend.services.import_fields import CUSTOM, auto_mapping, fields_of, import_fields
from backend.services.import_files import Sheet
from backend.services.import_matching import Index, Keys, KeyStore, keys_of
from backend.services.unit import Unit, diff, write
from backend.settings import get_settings

log = logging.getLogger("crm.imports")

BATCH = 2000
LOOKUP_CACHE = 20_000  # customers remembered by name while contacts, leads or deals are linked to them
SEED_PAGE = 5000  # known records read per query when their keys are stored at the start of a run
PREVIEW_ROWS = 20
PREVIEW_PROBLEMS = 200
CREATE_ACTION = {
    ImportEntity.CUSTOMERS: Action.CREATE_CUSTOMER,
    ImportEntity.CONTACTS: Action.CREATE_CONTACT,
    ImportEntity.LEADS: Action.CREATE_LEAD,
    ImportEntity.DEALS: Action.CREATE_DEAL,
}
# Every column of a new customer that a file may leave out, with the model's default.
BLANK_CUSTOMER: dict[str, Any] = {
    "legal_form": "", "email": "", "phone": "", "website": "", "street": "", "city": "", "postcode": "", "country": "",
    "industry": "", "segment": "", "tags": [], "tag_index": "|", "description": "", "account_manager_id": None,
    "status_before_block": None, "blocked_reason": "", "high_level_status_id": None,
}
# The fields matched for duplicates, per entity that has them.
SIGNALS = ("email", "phone", "website", "name")


class Stopped(Exception):
    """The job was cancelled (or taken over by another runner) while a batch was in flight."""


# --- Jobs -------------------------------------------------------------------------------------------

def job_rule(actor: Actor) -> Q:
    """Imports a user sees: their own; admins every one."""
    permissions.require_role(actor)
    return Q() if actor.role is permissions.ADMIN else Q(created_by_id=actor.user_id or 0)


async def visible_job(actor: Actor, raw_id: Any, field_name: str = "id") -> ImportJob:
    job_id = v.parse_id(field_name, raw_id)
    return await v.one(ImportJob.filter(job_rule(actor), id=job_id), "ImportJob", raw_id, field_name)


def require_may_import(actor: Actor, entity: ImportEntity) -> None:
    permissions.require(actor, CREATE_ACTION[entity])


async def create_job(actor: Actor, entity: Any, file_name: str, path: Path) -> ImportJob:
    """A job for a file already stored at `path`, with the columns mapped automatically."""
    kind = v.choice("entity", entity, ImportEntity)
    require_may_import(actor, kind)
    sheet = await asyncio.to_thread(Sheet, path)
    name = v.text("fileName", file_name.replace("\n", " "), max_length=255) or path.name
    known = await import_fields(kind)
    async with write(actor) as unit:
        job = await ImportJob.create(
            entity=kind, file_name=name, file_path=str(path), columns=sheet.columns,
            mapping=auto_mapping(kind, sheet.columns, known), created_by_id=actor.user_id,
            scopes=sorted(actor.scopes) if actor.scopes is not None else None,
        )
        await unit.audit("import.create", "import", job.id, {"file": [None, name], "entity": [None, kind.value]})
    return job


async def _checked_mapping(job: ImportJob, mapping: Mapping[str, Any]) -> dict[str, str]:
    known = {f.name for f in await import_fields(job.entity)}
    cleaned: dict[str, str] = {}
    for raw_column, raw_target in mapping.items():
        column = v.text("mapping.column", raw_column, max_length=255, required=True)
        target = v.text("mapping.field", raw_target, max_length=100)
        if not target:
            continue
        if column not in job.columns:
            raise BadUserInput("mapping", f"the file has no column {column!r}")
        if target not in known:
            raise BadUserInput("mapping", f"{target!r} is not a field of {job.entity.value}")
        if target in cleaned.values():
            raise BadUserInput("mapping", f"two columns are mapped to {target}")
        cleaned[column] = str(target)
    return cleaned


async def configure(
    actor: Actor, raw_id: Any, mapping: Mapping[str, Any] | None, on_duplicate: Any, save_as: str | None = None
) -> ImportJob:
    """Set the job's mapping and duplicate policy (before it runs); with `save_as`, also keep the mapping
    under that name, in the same transaction."""
    label = v.text("saveAs", save_as, max_length=100) if save_as is not None else ""
    job = await visible_job(actor, raw_id)
    if job.status is not ImportStatus.UPLOADED:
        raise BadUserInput("id", f"this import is {job.status.value}: its settings are fixed")
    values: dict[str, Any] = {}
    if mapping is not None:
        values["mapping"] = await _checked_mapping(job, mapping)
    if on_duplicate is not None:
        values["on_duplicate"] = v.choice("onDuplicate", on_duplicate, OnDuplicate)
    async with write(actor) as unit:
        await ImportJob.filter(id=job.id).update(**values)
        await unit.audit("import.configure", "import", job.id, diff({k: getattr(job, k) for k in values}, values))
        if label:
            await _store_mapping(unit, actor, job.entity, label, values.get("mapping", job.mapping))
    await job.refresh_from_db()
    return job


async def save_mapping(actor: Actor, entity: Any, name: str | None, mapping: Mapping[str, Any]) -> ImportMapping:
    """Keep a mapping under a name for the next file with the same columns (same name: replaced)."""
    kind = v.choice("entity", entity, ImportEntity)
    require_may_import(actor, kind)
    label = v.text("name", name, max_length=100, required=True)
    async with write(actor) as unit:
        return await _store_mapping(unit, actor, kind, label, mapping)


async def _store_mapping(unit: Unit, actor: Actor, kind: ImportEntity, label: str,
                         mapping: Mapping[str, Any]) -> ImportMapping:
    known = {f.name for f in await import_fields(kind)}
    cleaned = {str(c): str(t) for c, t in mapping.items() if t}
    unknown = sorted(set(cleaned.values()) - known)
    if unknown:
        raise BadUserInput("mapping", f"{', '.join(unknown)}: not fields of {kind.value}")
    saved, _ = await ImportMapping.update_or_create({"mapping": cleaned}, owner_id=actor.user_id, entity=kind, name=label)
    await unit.audit("import_mapping.save", "import_mapping", saved.id, {"name": [None, label]})
    return saved


def mappings_rule(actor: Actor) -> Q:
    permissions.require_role(actor)
    return Q(owner_id=actor.user_id) if actor.user_id is not None else Q(owner_id=None)


# --- Reading rows into service input --------------------------------------------------------------

@dataclass
class Row:
    number: int
    cells: list[str]
    data: dict[str, str]  # field -> cell, mapped and non-empty
    columns: dict[str, str]  # field -> column name, for problems
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    def problem(self, field_name: str, message: str) -> None:
        self.problems.append((self.columns.get(field_name, field_name), message))


def _rows(job: ImportJob, sheet: Sheet, skip: int) -> Iterator[Row]:
    positions = [(sheet.columns.index(column), target) for column, target in job.mapping.items()
                 if column in sheet.columns]
    columns = {target: column for column, target in job.mapping.items()}
    for number, cells in sheet.rows(skip):
        data = {target: cells[i] for i, target in positions if cells[i]}
        yield Row(number, cells, data, columns)


def _bad(row: Row, error: CrmError, fallback_field: str = "") -> None:
    field_name = (error.extensions or {}).get("field") or getattr(error, "field", None) or fallback_field
    reverse = {_camel(k): k for k in row.columns}
    row.problem(reverse.get(field_name, field_name), error.message.removeprefix(f"{field_name}: "))


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


@dataclass
class Context:
    """What a run knows besides the rows: who acts, whom they may appoint, and where the known records' keys are."""

    job: ImportJob
    actor: Actor
    people: dict[str, int]  # email -> id of users the actor may make responsible
    store: KeyStore  # duplicate keys of the known records, on disk (memory stays flat)
    lookups: dict[str, Any] = field(default_factory=dict)  # per-run caches (customers by name, stages)
    custom: import_custom.Definitions = field(default_factory=dict)  # the entity's custom fields, by key


def _scope(job: ImportJob) -> str:
    return f"import:{job.id}"


def _preview_scope() -> str:
    return f"preview:{int(time.time())}:{secrets.token_hex(6)}"


async def _context(job: ImportJob, actor: Actor, scope: str) -> Context:
    """The run's context, with the keys of every record the actor can see stored under `scope` afresh (a
    resumed run sees the rows its earlier runs wrote, and whatever others wrote meanwhile)."""
    purpose = Assignment.ACCOUNT_MANAGER if job.entity is ImportEntity.CUSTOMERS else Assignment.OWNER
    people = {row["email"].lower(): row["id"] for row in
              await User.filter(permissions.assignee_rule(actor, purpose)).values("id", "email")}
    store = KeyStore(scope)
    await store.clear()
    if job.entity in (ImportEntity.CUSTOMERS, ImportEntity.CONTACTS):
        customers_ = job.entity is ImportEntity.CUSTOMERS
        query = (Customer.filter(permissions.customer_rule(actor)) if customers_
                 else Contact.filter(permissions.contact_rule(actor)))
        signals = SIGNALS if customers_ else ("email", "phone")
        last = 0
        while True:  # in pages, so memory does not grow with the customer base either
            page = await query.filter(id__gt=last).order_by("id").limit(SEED_PAGE).values("id", *signals)
            if not page:
                break
            async with in_transaction("default"):
                await store.add([(row["id"], keys_of(row, signals)) for row in page])
            last = page[-1]["id"]
    context = Context(job, actor, people, store, custom=await import_custom.definitions(job.entity))
    # Industries, segments and lead sources: checked against the lists admins keep, row by row (the bulk
    # inserts below take the checked values).
    listed = pick_lists.CUSTOMER_LISTS if job.entity is ImportEntity.CUSTOMERS else (
        pick_lists.LEAD_LISTS if job.entity is ImportEntity.LEADS else {})
    context.lookups["lists"] = {column: (pick_list, input_field, await pick_lists.kept_items(pick_list))
                                for column, (pick_list, input_field) in listed.items()}
    if job.entity is ImportEntity.CUSTOMERS:  # high-level statuses by label, as a file names them
        offered = PickListItem.filter(list=PickList.HIGH_LEVEL_STATUS, archived=False).values("id", "label")
        context.lookups["high_level_statuses"] = {row["label"].lower(): row["id"] for row in await offered}
    return context


def _person(ctx: Context, row: Row, field_name: str) -> int | None:
    email = row.data.get(field_name)
    if email is None:
        return None
    found = ctx.people.get(email.lower())
    if found is None:
        row.problem(field_name, f"{email!r} is no user you may make responsible here")
    return found


def _customer_values(ctx: Context, row: Row) -> dict[str, Any]:
    """Validated customer fields of a row (problems noted on the row), with status and account manager."""
    cells: dict[str, Any] = {}
    for key, raw in row.data.items():
        if key == "tags":
            cells[key] = [t for t in re.split(r"[;,]", raw) if t.strip()]
        elif key == "country":
            cells[key] = resolve_country(raw) or raw
        elif key not in ("status", "account_manager", "phase", "high_level_status") and not key.startswith(CUSTOM):
            cells[key] = raw
    values: dict[str, Any] = {}
    try:
        values = customers.clean_fields(cells)  # one call for a good row, the usual case
    except BadUserInput:
        for key, cell in cells.items():  # a bad one: each cell on its own, so every problem is listed
            try:
                values |= customers.clean_fields({key: cell})
            except BadUserInput as error:
                _bad(row, error, key)
    for required in ("name", "email"):
        if required not in row.data:
            row.problem(required, "is required and may not be empty")
    if ctx.custom:
        values[import_custom.KEY] = import_custom.cells(ctx.custom, row.data, row.problem)
    if "status" in row.data:
        try:
            status = v.choice("status", row.data["status"].lower(), CustomerStatus)
            if status is CustomerStatus.BLOCKED:  # blocking needs a reason, and a file has no column for one
                column = row.columns.get("status", "status")
                raise BadUserInput("status", f"{column!r} says blocked, which needs a reason a file cannot give: "
                                             "import the customer as inactive, then block it with its reason")
            values["status"] = status
        except BadUserInput as error:
            _bad(row, error, "status")
    values |= _relationship(ctx, row)
    manager = _person(ctx, row, "account_manager") if "account_manager" in row.data else ctx.actor.user_id
    if manager is None and "account_manager" not in row.data:
        row.problem("account_manager", "is required: import as a salesperson or give an account manager column")
    values["account_manager_id"] = manager
    return values


def _relationship(ctx: Context, row: Row) -> dict[str, Any]:
    """The row's relationship phase and high-level status (by label, from the current list), when given."""
    values: dict[str, Any] = {}
    if "phase" in row.data:
        try:
            values["phase"] = v.choice("phase", row.data["phase"].strip().lower(), CustomerPhase)
        except BadUserInput as error:
            _bad(row, error, "phase")
    if "high_level_status" in row.data:
        label = row.data["high_level_status"].strip()
        found = ctx.lookups["high_level_statuses"].get(label.lower())
        if found is None:
            row.problem("high_level_status", f"{label!r} is not in the list of high-level statuses")
        values["high_level_status_id"] = found
    return values


# --- Planning a batch ------------------------------------------------------------------------------

@dataclass
class Plan:
    """What a batch will do: rows to create (by row number), updates of known records, and problems."""

    creates: dict[int, dict[str, Any]] = field(default_factory=dict)
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # record id -> values
    problems: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # the rows of the batch, for the row-by-row fallback
    keys: dict[int, Keys] = field(default_factory=dict)  # row number -> its duplicate signals
    created: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    duplicates: int = 0
    last_row: int = 0  # spreadsheet row number of the batch's last row
    consumed: int = 0  # data rows read, blank ones included


def _keys(entity: ImportEntity, values: Mapping[str, Any]) -> Keys | None:
    """The duplicate signals of a row: customers by email, phone, website and name; contacts by email and phone."""
    if entity is ImportEntity.CUSTOMERS:
        return keys_of(values, SIGNALS)
    return keys_of(values, ("email", "phone")) if entity is ImportEntity.CONTACTS else None


def _service_values(ctx: Context, row: Row) -> dict[str, Any]:
    """Contacts, leads and deals: the cells as their service takes them (custom fields' as typed input); the
    service validates fully when writing, the plain checks here let a preview list each cell's problem."""
    entity = ctx.job.entity
    if entity is ImportEntity.CONTACTS:
        for key, raw in row.data.items():
            if key in contacts.CHECKS:
                try:
                    contacts.CHECKS[key](raw)
                except BadUserInput as error:
                    _bad(row, error, key)
    for f in fields_of(entity):
        if f.required and f.name not in row.data:
            row.problem(f.name, "is required and may not be empty")
    values: dict[str, Any] = {k: raw for k, raw in row.data.items() if not k.startswith(CUSTOM)}
    if ctx.custom:
        values[import_custom.KEY] = import_custom.cells(ctx.custom, row.data, row.problem)
    return values


def _checked(ctx: Context, plan: Plan, row: Row) -> dict[str, Any] | None:
    """The row's values as its service takes them, or None with its problems noted on the plan."""
    row.problems = []  # planned afresh when a failed batch is written row by row
    entity = ctx.job.entity
    values = _customer_values(ctx, row) if entity is ImportEntity.CUSTOMERS else _service_values(ctx, row)
    for column, (pick_list, input_field, items) in ctx.lookups.get("lists", {}).items():
        if values.get(column):
            try:
                values[column] = pick_lists.match_label(pick_list, input_field, values[column].strip(), items)
            except BadUserInput as error:
                _bad(row, error, column)
    if row.problems:
        plan.invalid += 1
        for column, message in row.problems:
            plan.problems.append((row.number, column, message, row.cells))
        return None
    return values


async def _links_found(ctx: Context, plan: Plan, row: Row, values: dict[str, Any]) -> bool:
    """Whether the customer and owner a contact, lead or deal row names exist for the actor; if not, the row
    is invalid with that reason (found here, so a dry run lists it and the batch is not written twice)."""
    try:
        data = dict(values)
        await _lookup_customer(ctx, data)
        _people_field(ctx, data, "owner")
    except BadUserInput as error:
        row.problems = []
        _bad(row, error)
        plan.invalid += 1
        plan.problems.extend((row.number, column, message, row.cells) for column, message in row.problems)
        return False
    return True


async def _custom_found(ctx: Context, plan: Plan, row: Row, values: dict[str, Any]) -> bool:
    """Whether a row's custom values pass the API's checks (a person named exists, an option is
    one of the field's); if not, the row is invalid with the reason, as a dry run lists it."""
    try:
        await import_custom.resolved(ctx.custom, values[import_custom.KEY], ctx.lookups.setdefault("users", {}))
    except BadUserInput as error:
        row.problems = []
        key = (error.field or "").removeprefix("customFields.")
        row.problem(f"{CUSTOM}{key}", error.message.removeprefix(f"{error.field}: "))
        plan.invalid += 1
        plan.problems.extend((row.number, column, message, row.cells) for column, message in row.problems)
        return False
    return True


async def _facts(ctx: Context, ids: set[int]) -> dict[int, tuple[str, int | None]]:
    """Name and account manager (or owner) of the known records a batch's rows duplicate."""
    if not ids:
        return {}
    if ctx.job.entity is ImportEntity.CUSTOMERS:
        rows = await Customer.filter(id__in=ids).values_list("id", "name", "account_manager_id")
    else:
        rows = await Contact.filter(id__in=ids).values_list("id", "name", "owner_id")
    return {ident: (name, responsible) for ident, name, responsible in rows}


def _decide(ctx: Context, plan: Plan, row: Row, values: dict[str, Any], match: tuple[int, str] | None,
            facts: dict[int, tuple[str, int | None]]) -> None:
    policy = ctx.job.on_duplicate
    entity = ctx.job.entity
    if match is None or policy is OnDuplicate.CREATE:
        if match is not None:
            plan.duplicates += 1
        plan.creates[row.number] = values
        plan.created += 1
        return
    ident, signal = match
    plan.duplicates += 1
    noun = "customer" if entity is ImportEntity.CUSTOMERS else "contact"
    name, responsible = facts.get(ident, ("", None))
    what = (f"{name} (#{ident})" if name else f"{noun} #{ident}") if ident > 0 else f"row {-ident}"
    if policy is OnDuplicate.SKIP:
        plan.skipped += 1
        plan.problems.append((row.number, "", f"skipped: same {signal} as {what}", row.cells))
        return
    # Update: the row's filled cells overwrite; a status moves through its workflow and a phase by hand with its
    # why (setCustomerPhase), never by overwriting them, and the responsible person changes only when the file names one.
    changes = {k: val for k, val in values.items() if k not in ("status", "phase")}
    if "account_manager" not in row.data:
        changes.pop("account_manager_id", None)
    if ident < 0:
        target = plan.creates.get(-ident)
        if target is not None:
            target.update(changes)
        plan.updated += 1  # (in a dry run the first row may have gone by in an earlier batch: counted all the same)
        return
    kind = Action.UPDATE_CUSTOMER if entity is ImportEntity.CUSTOMERS else Action.UPDATE_CONTACT
    if not permissions.may(ctx.actor, kind, SimpleNamespace(account_manager_id=responsible, owner_id=responsible)):
        plan.invalid += 1
        plan.problems.append((row.number, "", f"same {signal} as {what}, which you may not change", row.cells))
        return
    plan.updates.setdefault(ident, {}).update(changes)
    plan.updated += 1


@dataclass
class Checked:
    """A batch read and checked, not yet matched: the plan with the invalid rows' problems, and the good rows."""

    plan: Plan
    good: list[tuple[Row, dict[str, Any], Keys | None]]


def check_batch(ctx: Context, rows: list[Row]) -> Checked:
    """Every row checked by the services' validation, its duplicate keys computed: CPU work only, no database,
    so it runs in a thread while the batch before is written."""
    plan = Plan(rows=rows, consumed=len(rows), last_row=rows[-1].number if rows else 0)
    good: list[tuple[Row, dict[str, Any], Keys | None]] = []
    for row in rows:
        if row.data:  # a blank row: nothing to import, nothing wrong
            values = _checked(ctx, plan, row)
            if values is not None:
                good.append((row, values, _keys(ctx.job.entity, values)))
    return Checked(plan, good)


async def plan_batch(ctx: Context, rows: list[Row], done: Checked | None = None) -> Plan:
    """Check every row (unless `done` already), match the good ones against the stored keys and the rows
    before them, decide."""
    done = done or check_batch(ctx, rows)
    plan, checked = done.plan, done.good
    if ctx.job.entity is not ImportEntity.CUSTOMERS:
        checked = [item for item in checked if await _links_found(ctx, plan, item[0], item[1])]
    if ctx.custom:
        checked = [item for item in checked if await _custom_found(ctx, plan, item[0], item[1])]
    keyed = [keys for _, _, keys in checked if keys]
    index = await ctx.store.load(keyed) if keyed else Index()
    creating = ctx.job.on_duplicate is OnDuplicate.CREATE
    matched: list[tuple[Row, dict[str, Any], tuple[int, str] | None]] = []
    for row, values, keys in checked:
        match = index.match(keys) if keys else None
        if match is not None and match[0] == -row.number:
            match = None  # the row itself, planned again when its batch is written row by row
        if keys:
            plan.keys[row.number] = keys
            if match is None or creating:
                index.add(-row.number, keys)  # later rows of the file match this one
        matched.append((row, values, match))
    facts = await _facts(ctx, {m[0] for _, _, m in matched if m is not None and m[0] > 0})
    for row, values, match in matched:
        _decide(ctx, plan, row, values, match, facts)
    return plan


# --- Writing a batch -------------------------------------------------------------------------------

def _audit_changes(values: dict[str, Any]) -> dict[str, list[Any]]:
    """diff({}, values) without its per-value comparisons: every field of a new record is a change."""
    return {k: [None, v.value if isinstance(v, Enum) else v] for k, v in values.items() if v or v == 0}


async def _insert_customers(ctx: Context, unit_actor: Actor, creates: dict[int, dict[str, Any]]) -> dict[int, int]:
    """The batch's new customers, their first status history entries and audit entries: three statements."""
    now = datetime.now(UTC)
    rows = list(creates.items())
    ids = await bulk.reserve_ids("customer", len(rows))
    made, history, audit = [], [], []
    custom_changes = await custom_fields.insert_new(
        ctx.custom, [(new_id, values.get(import_custom.KEY, [])) for (_, values), new_id in zip(rows, ids, strict=True)])
    for (number, values), new_id in zip(rows, ids, strict=True):
        values = {k: val for k, val in values.items() if k != import_custom.KEY}
        data = {**BLANK_CUSTOMER, **values}
        status = data.pop("status", None) or CustomerStatus.DRAFT
        data["phase"] = data.get("phase") or customers.STARTING_PHASE.get(status, CustomerPhase.IDEA)
        data["search_text"] = customers.search_text(cast(Customer, SimpleNamespace(**data)), [])
        made.append({**data, "id": new_id, "status": status, "version": 1, "created_at": now, "updated_at": now})
        history.append({"customer_id": new_id, "to_status": status, "changed_by_id": unit_actor.user_id,
                        "changed_at": now, "reason": ""})
        audit.append({
            "actor_id": unit_actor.user_id, "actor_label": unit_actor.label, "via": unit_actor.via, "at": now,
            "action": "customer.create", "entity": "customer", "entity_id": str(new_id),
            "changes": {**_audit_changes({**values, "status": status}), **custom_changes.get(new_id, {}),
                        "import_row": number},
        })
    async with search.indexed_in_bulk("customer") as indexed:
        await bulk.insert(Customer, made)
        indexed.extend(ids)
    await bulk.insert(CustomerStatusChange, history)
    await bulk.insert(AuditEntry, audit)
    return {number: new_id for (number, _), new_id in zip(rows, ids, strict=True)}


async def _lookup_customer(ctx: Context, row_data: dict[str, Any]) -> int | None:
    raw = row_data.pop("customer", None)
    if raw is None:
        return None
    cache = ctx.lookups.setdefault("customers", {})
    key = raw.lower()
    if len(cache) > LOOKUP_CACHE:
        cache.clear()  # bounded memory: a file naming a million companies re-reads the ones it repeats
    if key not in cache:
        found = await Customer.filter(permissions.customer_rule(ctx.actor)).filter(
            Q(email=key) | Q(name__iexact=raw)).order_by("id").values_list("id", flat=True)
        cache[key] = found[0] if found else None
    if cache[key] is None:
        raise BadUserInput("customer", f"no customer you can see is named {raw!r} or has that email")
    return int(cache[key])


def _people_field(ctx: Context, data: dict[str, Any], key: str) -> None:
    if key in data:
        email = data.pop(key)
        if email.lower() not in ctx.people:
            raise BadUserInput(key, f"{email!r} is no user you may make responsible here")
        data[f"{key}_id"] = ctx.people[email.lower()]


async def _create_many(ctx: Context, creates: dict[int, dict[str, Any]]) -> dict[int, int]:
    """The batch's new contacts or leads, through their service's insert_many (the same checks as one by one,
    one statement per table)."""
    items = []
    for values in creates.values():
        data = dict(values)
        customer_id = await _lookup_customer(ctx, data)
        _people_field(ctx, data, "owner")
        if customer_id is not None:
            data["customer_id"] = customer_id
        if ctx.job.entity is ImportEntity.CONTACTS and "status" in data:
            data["status"] = data["status"].lower()
        items.append(data)
    insert_many = contacts.insert_many if ctx.job.entity is ImportEntity.CONTACTS else leads.insert_many
    return dict(zip(creates, await insert_many(ctx.actor, items), strict=True))


async def _create_via_service(ctx: Context, values: dict[str, Any]) -> int:
    """A contact, lead or deal created by its service, inside the batch's write."""
    data = dict(values)
    entity = ctx.job.entity
    customer_id = await _lookup_customer(ctx, data)
    _people_field(ctx, data, "owner")
    if customer_id is not None:
        data["customer_id"] = customer_id
    actor = ctx.actor
    if entity is ImportEntity.CONTACTS:
        if "status" in data:
            data["status"] = data["status"].lower()
        return (await contacts.create_contact(actor, data)).id
    if entity is ImportEntity.LEADS:
        return (await leads.create_lead(actor, data)).id
    if "amount" in data:
        data["amount"] = _minor_units(data["amount"])
    if "probability" in data:
        data["probability"] = _whole("probability", data["probability"])
    if "stage" in data:
        data["stage_id"] = await _stage_id(ctx, data.pop("stage"))
    if "currency" in data:
        data["currency"] = data["currency"].upper()
    return (await deals.create_deal(actor, data)).id


def _minor_units(text: str) -> int:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 1234,50 as German spreadsheets write it
    cleaned = cleaned.replace(",", "")
    try:
        return int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        raise BadUserInput("amount", f"{text!r} is not an amount") from None


def _whole(field_name: str, text: str) -> int:
    try:
        return int(text.rstrip("%").strip())
    except ValueError:
        raise BadUserInput(field_name, f"{text!r} is not a whole number") from None


async def _stage_id(ctx: Context, name: str) -> int:
    stages = ctx.lookups.get("stages")
    if stages is None:
        pipeline = await deals.pipeline_or_default(None)
        stages = {s.name.lower(): s.id for s in await Stage.filter(pipeline_id=pipeline.id)}
        ctx.lookups["stages"] = stages
    if name.lower() not in stages:
        raise BadUserInput("stage", f"no stage {name!r} in the default pipeline ({', '.join(stages)})")
    return int(stages[name.lower()])


async def _update_via_service(ctx: Context, record_id: int, values: dict[str, Any]) -> None:
    data = dict(values)
    if ctx.job.entity is ImportEntity.CUSTOMERS:
        customer = await Customer.get(id=record_id)
        await customers.update_customer(ctx.actor, record_id, customer.version, data)
        return
    data.pop("status", None)
    customer_id = await _lookup_customer(ctx, data)
    if customer_id is not None:
        data["customer_id"] = customer_id
    _people_field(ctx, data, "owner")
    contact = await Contact.get(id=record_id)
    await contacts.update_contact(ctx.actor, record_id, contact.version, data)


async def write_batch(ctx: Context, plan: Plan, start: int) -> None:
    """Write the plan, its problems and the job's new offset in one transaction; events after the commit."""
    job = ctx.job
    async with write(ctx.actor) as unit:
        moved = await ImportJob.filter(id=job.id, status=ImportStatus.RUNNING, rows_done=start).update(
            rows_done=start + plan.consumed, created=F("created") + plan.created, updated=F("updated") + plan.updated,
            skipped=F("skipped") + plan.skipped, invalid=F("invalid") + plan.invalid,
            updated_at=datetime.now(UTC),
        )
        if moved != 1:
            raise Stopped()
        made: dict[int, int] = {}
        if plan.creates and job.entity is ImportEntity.CUSTOMERS:
            made = await _insert_customers(ctx, ctx.actor, plan.creates)
        elif plan.creates and job.entity in (ImportEntity.CONTACTS, ImportEntity.LEADS):
            made = await _create_many(ctx, plan.creates)
        else:
            for number, values in plan.creates.items():
                made[number] = await _create_via_service(ctx, values)
        for record_id, values in plan.updates.items():
            await _update_via_service(ctx, record_id, values)
        # The new records' keys, in this transaction: a batch rolled back leaves none behind.
        await ctx.store.add([(new_id, plan.keys[number]) for number, new_id in made.items() if number in plan.keys])
        if plan.problems:
            await bulk.insert(ImportProblem, [
                {"job_id": job.id, "row": number, "column": column[:255], "message": message[:1000], "values": cells}
                for number, column, message, cells in plan.problems
            ])
        job.rows_done = start + plan.consumed
        for key in ("created", "updated", "skipped", "invalid"):
            setattr(job, key, getattr(job, key) + getattr(plan, key))
        unit.publish(topics.import_progress(job.id), progress_of(job))
        if made and job.entity is ImportEntity.CUSTOMERS:
            unit.publish(topics.customers_touched(), CustomersTouched(ids=list(made.values())))  # segments follow


def progress_of(job: ImportJob) -> ImportProgressed:
    return ImportProgressed(job_id=job.id, status=job.status.value, rows_done=job.rows_done, rows_total=job.rows_total,
                            created=job.created, updated=job.updated, skipped=job.skipped, invalid=job.invalid)


async def _write_safely(ctx: Context, plan: Plan, start: int) -> None:
    """Write a batch; on failure retry once, then row by row, so a bad row is reported and never skipped."""
    for attempt in range(2):
        try:
            await write_batch(ctx, plan, start)
            return
        except Stopped:
            raise
        except Exception:
            log.warning("import %s: batch at row offset %s failed (attempt %s)", ctx.job.id, start, attempt + 1,
                        exc_info=True)
            await ctx.job.refresh_from_db()
    offset = start
    for row in plan.rows:
        single = await plan_batch(ctx, [row])
        try:
            await write_batch(ctx, single, offset)
        except Stopped:
            raise
        except CrmError as error:
            await ctx.job.refresh_from_db()
            _bad(row, error)
            failed = Plan(rows=[row], consumed=1, invalid=1, last_row=row.number,
                          problems=[(row.number, c, m, row.cells) for c, m in row.problems])
            await write_batch(ctx, failed, offset)
        offset += 1


# --- Running ---------------------------------------------------------------------------------------

async def run_actor(job: ImportJob) -> Actor:
    """Who the import acts as: its creator (within the scopes of the token that started it), audited as this
    import."""
    user = await User.get_or_none(id=job.created_by_id) if job.created_by_id else None
    via = f"import:{job.id}"
    scopes = frozenset(job.scopes) if job.scopes is not None else None
    return Actor.for_user(user, via=via, scopes=scopes) if user else Actor.system(via=via)


def _batches(job: ImportJob, sheet: Sheet, skip: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in _rows(job, sheet, skip):
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _checked_batches(ctx: Context, sheet: Sheet, skip: int) -> AsyncGenerator[Checked, None]:
    """The file's batches, each read and checked in a thread while the one before is matched and written:
    the database works in its own thread meanwhile, so the two cores both work (one batch ahead at most,
    so memory stays bounded)."""
    batches = _batches(ctx.job, sheet, skip)

    def next_checked() -> Checked | None:
        rows = next(batches, None)
        return None if rows is None else check_batch(ctx, rows)

    ahead = asyncio.ensure_future(asyncio.to_thread(next_checked))
    try:
        while (done := await ahead) is not None:
            ahead = asyncio.ensure_future(asyncio.to_thread(next_checked))
            yield done
    finally:
        if not ahead.done():
            with contextlib.suppress(Exception):
                await ahead  # the file is read by one thread at a time


async def run(job_id: int, on_progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Run (or resume) a RUNNING job from its committed offset to the end of its file."""
    job = await ImportJob.get(id=job_id)
    if job.status is not ImportStatus.RUNNING:
        return job
    actor = await run_actor(job)
    try:
        sheet = Sheet(_file_of(job))
        if job.rows_total is None:
            job.rows_total = await asyncio.to_thread(sheet.count)
            await ImportJob.filter(id=job.id).update(rows_total=job.rows_total)
        ctx = await _context(job, actor, _scope(job))
        async with contextlib.aclosing(_checked_batches(ctx, sheet, job.rows_done)) as batches:
            async for done in batches:
                plan = await plan_batch(ctx, done.plan.rows, done)
                await _write_safely(ctx, plan, job.rows_done)
                if on_progress:
                    on_progress(job)
                await asyncio.sleep(0)  # let requests and other imports in between batches
    except Stopped:
        await job.refresh_from_db()
        return job
    except Exception as error:
        log.exception("import %s failed", job.id)
        message = error.message if isinstance(error, CrmError) else f"{type(error).__name__}: {error}"
        await _finish(job, actor, ImportStatus.FAILED, message[:1000])
        return job
    await _finish(job, actor, ImportStatus.DONE)
    return job


async def _finish(job: ImportJob, actor: Actor, status: ImportStatus, message: str = "") -> None:
    async with write(actor) as unit:
        moved = await ImportJob.filter(id=job.id, status=ImportStatus.RUNNING).update(
            status=status, message=message, finished_at=datetime.now(UTC))
        await job.refresh_from_db()
        if moved:
            await unit.audit(f"import.{status.value}", "import", job.id, {
                "created": job.created, "updated": job.updated, "skipped": job.skipped, "invalid": job.invalid})
            unit.publish(topics.import_progress(job.id), progress_of(job))
    await KeyStore(_scope(job)).clear()
    if moved and status is ImportStatus.DONE:
        await asyncio.to_thread(_delete_file, job)  # a failed one keeps its file, to be resumed


async def start(actor: Actor, raw_id: Any) -> ImportJob:
    """Mark the job running (the caller runs it: in the server's background, or in the CLI's loop)."""
    job = await visible_job(actor, raw_id)
    require_may_import(actor, job.entity)
    if not job.mapping:
        raise BadUserInput("mapping", "map at least one column to a field first")
    missing = [f.label for f in await import_fields(job.entity) if f.required and f.name not in job.mapping.values()]
    if missing:
        raise BadUserInput("mapping", f"required fields without a column: {', '.join(missing)}")
    async with write(actor) as unit:
        moved = await ImportJob.filter(id=job.id, status=ImportStatus.UPLOADED).update(status=ImportStatus.RUNNING)
        if not moved:
            raise BadUserInput("id", f"this import is {job.status.value}: it cannot start again")
        await unit.audit("import.start", "import", job.id, {"on_duplicate": job.on_duplicate.value})
    await job.refresh_from_db()
    return job


async def cancel(actor: Actor, raw_id: Any) -> ImportJob:
    """Stop after (never inside) the batch in flight: what committed stays, the rest is not imported."""
    job = await visible_job(actor, raw_id)
    async with write(actor) as unit:
        stop = {"status": ImportStatus.CANCELLED, "finished_at": datetime.now(UTC)}
        never_started = bool(await ImportJob.filter(id=job.id, status=ImportStatus.UPLOADED).update(**stop))
        moved = never_started or await ImportJob.filter(id=job.id, status=ImportStatus.RUNNING).update(**stop)
        if not moved:
            raise BadUserInput("id", f"this import is {job.status.value} already")
        await job.refresh_from_db()
        await unit.audit("import.cancel", "import", job.id, {"rows_done": job.rows_done})
        unit.publish(topics.import_progress(job.id), progress_of(job))
    await KeyStore(_scope(job)).clear()
    if never_started:  # nothing to resume: the file goes now (a running one's stays, for Resume, see
        await asyncio.to_thread(_delete_file, job)  # delete_abandoned_files)
    return job


def _file_of(job: ImportJob) -> Path:
    path = Path(job.file_path)
    if not path.exists():
        raise BadUserInput("id", "the uploaded file of this import is gone (deleted once finished, cancelled before "
                                 "it started, or left unfinished too long): upload it again")
    return path


def upload_dir() -> Path:
    """Where uploaded files are kept until their import no longer needs them."""
    path = get_settings().data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _delete_file(job: ImportJob) -> bool:
    """An uploaded file holds personal data: it goes as soon as nothing can still read it. Only files in the
    upload folder: `crm import FILE` reads the user's own file in place, which is theirs to keep."""
    path = Path(job.file_path)
    if path.resolve().parent != upload_dir().resolve() or not path.exists():
        return False
    path.unlink(missing_ok=True)
    return True


async def delete_abandoned_files(retention: timedelta, now: datetime | None = None) -> int:
    """The files of imports left uploaded, failed or cancelled for longer than `retention`, and of finished
    ones still on disk (a crash between the end and the deletion): deleted, so they can no longer resume.
    Also drops duplicate keys left behind by previews or runs that died. Returns how many files went."""
    now = now or datetime.now(UTC)
    cutoff = now - retention
    stale = await ImportJob.filter(
        Q(status=ImportStatus.DONE) | Q(updated_at__lt=cutoff, status__in=[
            ImportStatus.UPLOADED, ImportStatus.FAILED, ImportStatus.CANCELLED])).only("id", "file_path")
    gone = 0
    for job in stale:
        gone += await asyncio.to_thread(_delete_file, job)
    running = {_scope(j) for j in await ImportJob.filter(status=ImportStatus.RUNNING).only("id")}
    conn = connections.get("default")
    for row in await conn.execute_query_dict('SELECT DISTINCT "scope" FROM "import_key"'):
        scope = str(row["scope"])
        kind, _, rest = scope.partition(":")
        started = int(rest.partition(":")[0]) if kind == "preview" and rest[:1].isdigit() else 0
        if (kind == "import" and scope not in running) or (kind == "preview" and started < now.timestamp() - 86400):
            await KeyStore(scope).clear()
    return gone


async def resume(actor: Actor, raw_id: Any) -> ImportJob:
    """Carry a failed or cancelled job on from its last committed row."""
    job = await visible_job(actor, raw_id)
    require_may_import(actor, job.entity)
    _file_of(job)
    async with write(actor) as unit:
        moved = await ImportJob.filter(id=job.id, status__in=[ImportStatus.FAILED, ImportStatus.CANCELLED]).update(
            status=ImportStatus.RUNNING, message="", finished_at=None)
        if not moved:
            raise BadUserInput("id", f"this import is {job.status.value}: only a failed or cancelled one resumes")
        await unit.audit("import.resume", "import", job.id, {"rows_done": job.rows_done})
    await job.refresh_from_db()
    return job


# --- Preview ---------------------------------------------------------------------------------------

@dataclass
class Preview:
    rows: list[dict[str, Any]]  # the first rows as they would be written
    problems: list[tuple[int, str, str]]  # (row, column, message), the first PREVIEW_PROBLEMS
    rows_total: int
    created: int
    updated: int
    skipped: int
    invalid: int
    duplicates: int


async def preview(actor: Actor, raw_id: Any) -> Preview:
    """A dry run over the whole file: every row checked and matched, nothing written."""
    job = await visible_job(actor, raw_id)
    require_may_import(actor, job.entity)
    sheet = await asyncio.to_thread(Sheet, _file_of(job))
    ctx = await _context(job, actor, _preview_scope())
    result = Preview([], [], 0, 0, 0, 0, 0, 0)
    try:
        async for done in _checked_batches(ctx, sheet, 0):  # (read to the end, or the preview fails as a whole)
            plan = await plan_batch(ctx, done.plan.rows, done)
            result.rows_total += plan.consumed
            for key in ("created", "updated", "skipped", "invalid", "duplicates"):
                setattr(result, key, getattr(result, key) + getattr(plan, key))
            for number, values in plan.creates.items():
                if len(result.rows) < PREVIEW_ROWS:
                    result.rows.append({"row": number, **{k: _shown(val) for k, val in values.items()}})
            room = PREVIEW_PROBLEMS - len(result.problems)
            result.problems.extend((n, c, m) for n, c, m, _ in plan.problems[:max(room, 0)])
            # The rows that would be created, by row number: later rows of the file match them.
            async with in_transaction("default"):
                await ctx.store.add([(-number, plan.keys[number]) for number in plan.creates if number in plan.keys])
            await asyncio.sleep(0)
    finally:
        await ctx.store.clear()
    return result


def _shown(value: Any) -> Any:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # custom fields: key=value, …
        return ", ".join(f"{item['key']}={next((str(v) for k, v in item.items() if k != 'key'), '')}" for item in value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return getattr(value, "value", value)


# --- Server side -----------------------------------------------------------------------------------

_running: dict[int, asyncio.Task[ImportJob]] = {}


def launch(job_id: int) -> None:
    """Run the job in this process's background (the server); one task per job."""
    task = _running.get(job_id)
    if task is not None and not task.done():
        return
    task = asyncio.get_running_loop().create_task(run(job_id), name=f"import-{job_id}")
    _running[job_id] = task
    task.add_done_callback(lambda _: _running.pop(job_id, None))


async def resume_interrupted() -> list[int]:
    """On server start: jobs left RUNNING by a crash or restart carry on from their committed offset."""
    # cast: Tortoise types the rows of values_list(flat=True) as tuples, whatever `flat` says.
    ids = cast(list[int], await ImportJob.filter(status=ImportStatus.RUNNING).values_list("id", flat=True))
    for job_id in ids:
        launch(job_id)
    return ids


REPORT_PAGE = 1000  # problems read per query while the report streams


async def problems_report(job: ImportJob) -> tuple[list[str], AsyncIterator[list[str]]]:
    """The error report: the file's columns, then the row number and why, one line per problem. Streamed
    page by page (keyset on row and id), so a report of a million problems never sits in memory."""
    header = ["Row", *job.columns, "Column", "Problem"]

    async def lines() -> AsyncIterator[list[str]]:
        after: tuple[int, int] = (0, 0)
        while True:
            page = await ImportProblem.filter(Q(row__gt=after[0]) | Q(row=after[0], id__gt=after[1]),
                                              job_id=job.id).order_by("row", "id").limit(REPORT_PAGE).values_list(
                "row", "id", "column", "message", "values")
            for r, _, col, msg, vals in page:
                yield [str(r), *map(_safe_cell, vals), col, msg]
            if len(page) < REPORT_PAGE:
                return
            after = (page[-1][0], page[-1][1])

    return header, lines()


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula is shown as text (leading apostrophe)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"[+-][\d\s()./-]+", value) else value


async def user_for(email: str) -> User:
    user = await User.get_or_none(email=email.strip().lower(), active=True)
    if user is None:
        raise NotFound("User", email, field="as")
    if user.role is None:
        raise Forbidden(f"{email} has no CRM role")
    return user
