"""Migrations: the steps build the models' schema (`crm migrate --check`), upgrade a released database
that holds data to the schema of a fresh one, and can back-fill a new column."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from backend.db import tortoise_config
from backend.interop.tortoise import parameterized
from backend.migrations import apply_all, steps
from backend.migrations.catalogue import Catalogue
from backend.migrations.check import check, differences, live_catalogue
from backend.migrations.ops import per_dialect, sql
from backend.models import (
    Activity,
    Campaign,
    CampaignSend,
    Customer,
    Enrolment,
    PickList,
    PickListItem,
    Segment,
    SegmentEntity,
)
from backend.reads.paging import keyset_page, paginate
from backend.seed import seed_demo
from tests.conftest import _pg_admin, _pg_url
from tests.fixtures.released_migrations import RELEASED_STEPS
from tests.test_cli import crm

REFERENCES = re.compile(r'REFERENCES "?(\w+)"?')


@asynccontextmanager
async def other_database(session_url: str, tmp_path: Path) -> AsyncIterator[BaseDBAsyncClient]:
    """A new, empty database of the session's kind, current for the models inside the block."""
    name = f"crm_migrations_{uuid.uuid4().hex[:10]}"
    postgres = session_url.startswith("postgres")
    url = _pg_url(session_url, name) if postgres else f"sqlite://{tmp_path}/{name}.sqlite3"
    if postgres:
        await _pg_admin(session_url, f'CREATE DATABASE "{name}"')
    EXECUTOR_CACHE.clear()  # cached per connection name, and this one shares "default" with the session's
    try:
        async with TortoiseContext() as context:
            await context.init(config=tortoise_config(url))
            yield connections.get("default")
    finally:
        EXECUTOR_CACHE.clear()
        if postgres:
            await _pg_admin(session_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def row_counts(conn: BaseDBAsyncClient, tables: list[str] | None = None) -> dict[str, int]:
    counts = {}
    for table in tables or [model._meta.db_table for model in Tortoise.apps["models"].values()]:
        counts[table] = (await conn.execute_query_dict(f'SELECT count(*) AS n FROM "{table}"'))[0]["n"]
    return counts


async def reference_rows(conn: BaseDBAsyncClient) -> list[dict[str, object]]:
    return await conn.execute_query_dict(
        'SELECT p.name AS pipeline, p.is_default, p.position AS p_position, s.name, s.position, s.probability, s.kind '
        'FROM "stage" s JOIN "pipeline" p ON p.id = s.pipeline_id ORDER BY p.position, s.position'
    )


async def test_the_migrated_database_agrees_with_the_models(db: str) -> None:
    assert await check() == []


@pytest.mark.parametrize(
    ("field", "attribute", "value", "named"),
    [
        ("name", "max_length", 300, "column customer.name: type"),
        ("website", "null", True, "column customer.website: not_null False in the models, True in the database"),
        ("website", "index", True, "index idx_customer_website"),
        ("website", "unique", True, "unique index"),
        ("account_manager", "on_delete", "CASCADE", "foreign key on customer: FOREIGN KEY"),
    ],
)
async def test_check_names_a_model_change_that_has_no_step(
    db: str, monkeypatch: pytest.MonkeyPatch, field: str, attribute: str, value: object, named: str
) -> None:
    monkeypatch.setattr(Customer._meta.fields_map[field], attribute, value)
    found = await check()
    assert any(named in line for line in found), found


def model_tables_in_dependency_order(catalogue: Catalogue) -> list[str]:
    """Referenced tables first, so rows can be inserted with foreign keys checked."""
    models = {model._meta.db_table for model in Tortoise.apps["models"].values()}
    ordered: list[str] = []

    def visit(table: str) -> None:
        if table in ordered:
            return
        for key in catalogue[table].foreign_keys:
            referenced = REFERENCES.search(key)
            if referenced and referenced.group(1) != table:
                visit(referenced.group(1))
        ordered.append(table)

    for table in sorted(models & catalogue.keys()):
        visit(table)
    return ordered


async def copy_rows(source: BaseDBAsyncClient, target: BaseDBAsyncClient) -> None:
    """The source's rows into the target's empty model tables, in the columns the target has: the demo
    data seeded at head reaches a database of an older schema whatever columns were added since."""
    catalogue = await live_catalogue(target)
    postgres = target.capabilities.dialect == "postgres"
    for table in model_tables_in_dependency_order(catalogue):
        if (await row_counts(target, [table]))[table]:
            continue  # reference data the released steps wrote (the default pipeline), compared apart
        columns = list(catalogue[table].columns)
        names = ", ".join(f'"{c}"' for c in columns)
        rows = await source.execute_query_dict(f'SELECT {names} FROM "{table}"')
        marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(columns) + 1))
        if rows:
            await target.execute_many(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [[r[c] for c in columns] for r in rows])


async def test_a_released_database_with_data_upgrades_to_the_schema_of_a_fresh_one(database: str, tmp_path: Path) -> None:
    async with other_database(database, tmp_path) as fresh:
        await apply_all()
        fresh_schema = await live_catalogue(fresh)
        assert sum(len(table.indexes) + len(table.triggers) for table in fresh_schema.values()) > 70
        fresh_reference = await reference_rows(fresh)
        assert await seed_demo()
        demo = await row_counts(fresh)
        assert sum(demo.values()) > 100, demo
        async with other_database(database, tmp_path) as old:
            assert await apply_all(RELEASED_STEPS) == [name for name, _ in RELEASED_STEPS]
            assert await reference_rows(old) == fresh_reference, "the SQL step writes what the released ORM step wrote"
            await copy_rows(fresh, old)
            # Tables a later step creates (with its reference rows) are compared after the upgrade only.
            released = [table for table in demo if table in await live_catalogue(old)]
            assert await row_counts(old, released) == {table: demo[table] for table in released}

            upgraded = await apply_all()

            assert upgraded == [name for name, _ in steps()[len(RELEASED_STEPS):]]
            # The demo's rows in tables a later step created (tickets, quotas) had no place in a released database:
            # they arrive now, so the data compares whole.
            await copy_rows(fresh, old)
            assert await row_counts(old) == demo
            assert differences(fresh_schema, await live_catalogue(old), exact=True) == []
            assert await check() == []


async def test_a_data_step_back_fills_a_new_column_from_existing_rows(database: str, tmp_path: Path) -> None:
    later_steps = [
        ("9001_customer_initial", per_dialect(
            sqlite=['ALTER TABLE "customer" ADD COLUMN "initial" VARCHAR(1)'],
            postgres=['ALTER TABLE "customer" ADD COLUMN "initial" VARCHAR(1)'],
        )),
        ("9002_customer_initial_fill", sql('UPDATE "customer" SET "initial" = upper(substr("name", 1, 1))')),
    ]
    async with other_database(database, tmp_path) as conn:
        await apply_all()
        assert await seed_demo()
        assert await apply_all(later_steps) == ["9001_customer_initial", "9002_customer_initial_fill"]
        rows = await conn.execute_query_dict('SELECT "name", "initial" FROM "customer"')
        assert rows and all(row["initial"] == row["name"][0].upper() for row in rows)
        assert await apply_all(later_steps) == [], "recorded: a second run changes nothing"


async def test_the_contact_segments_step_makes_every_segment_saved_before_it_a_customer_segment(
    database: str, tmp_path: Path
) -> None:
    async with other_database(database, tmp_path) as conn:
        assert "0024_contact_segments" not in await apply_all([step for step in steps() if step[0] < "0024"])
        for name, kind in (("Rail", "dynamic"), ("Picked", "static")):
            await conn.execute_script(
                'INSERT INTO "segment" ("version", "created_at", "updated_at", "name", "description", "kind", '
                f'"conditions", "shared") VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, \'{name}\', \'\', '
                f"'{kind}', '{{}}', 1 = 0)"
            )
        assert "0024_contact_segments" in await apply_all()
        rows = await conn.execute_query_dict('SELECT "name", "entity" FROM "segment" ORDER BY "name"')
        assert rows == [{"name": "Picked", "entity": "customer"}, {"name": "Rail", "entity": "customer"}]
        assert [s.entity for s in await Segment.all()] == [SegmentEntity.CUSTOMER] * 2


def test_crm_migrate_check_exits_non_zero_naming_the_difference(tmp_path: Path) -> None:
    assert crm(tmp_path, "migrate").returncode == 0
    agreed = crm(tmp_path, "migrate", "--check")
    assert agreed.returncode == 0, agreed.stderr
    with sqlite3.connect(tmp_path / "crm.sqlite3") as conn:  # as if a step had been written without its model field
        conn.execute('ALTER TABLE "deal" ADD COLUMN "score" INT')
    disagreed = crm(tmp_path, "migrate", "--check")
    assert disagreed.returncode == 1
    assert "column deal.score: in the database, not in the models" in disagreed.stderr
    assert "Traceback" not in disagreed.stderr


async def test_the_activity_outcomes_step_keeps_every_outcome_as_a_value_of_the_admins_list(
    database: str, tmp_path: Path
) -> None:
    async with other_database(database, tmp_path) as conn:
        assert "0042_activity_outcomes" not in await apply_all([step for step in steps() if step[0] < "0042"])
        for title, outcome in (("Call", "'positive'"), ("Mail", "'NEGATIVE'"), ("Meeting", "'neutral'"),
                               ("Odd", "'so-so'"), ("Note", "NULL")):
            await conn.execute_script(
                'INSERT INTO "activity" ("version", "created_at", "updated_at", "kind", "title", "description", '
                f'"outcome", "occurred_at") VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, \'call\', \'{title}\', '
                f"'', {outcome}, CURRENT_TIMESTAMP)")
        assert "0042_activity_outcomes" in await apply_all()
        kept = {a.title: a.outcome for a in await Activity.all()}
        assert kept == {"Call": "Positive", "Mail": "Negative", "Meeting": "Neutral", "Odd": "so-so", "Note": None}
        listed = await PickListItem.filter(list=PickList.ACTIVITY_OUTCOME).order_by("position")
        assert [(i.label, i.position, i.archived) for i in listed] == [
            ("Positive", 1, False), ("Neutral", 2, False), ("Negative", 3, False), ("so-so", 4, False)]
        # The column now holds a label of up to 100 characters (PostgreSQL checks the length).
        await Activity.filter(title="Odd").update(outcome="A follow-up meeting is booked with the buyer" * 2)
        assert await check() == []


async def test_the_webhooks_step_upgrades_a_database_with_data_and_its_tables_take_rows(
    database: str, tmp_path: Path
) -> None:
    from backend.models import Webhook, WebhookAttempt, WebhookDelivery
    from backend.services import queue

    async with other_database(database, tmp_path) as conn:
        assert "0040_webhooks" not in await apply_all([step for step in steps() if step[0] < "0040"])
        assert await seed_demo()
        changes = (await conn.execute_query_dict('SELECT count(*) AS n FROM "change"'))[0]["n"]
        assert "0040_webhooks" in await apply_all()
        assert (await conn.execute_query_dict('SELECT count(*) AS n FROM "change"'))[0]["n"] == changes
        hook = await Webhook.create(name="ERP", url="https://erp.example.com/", secret="s" * 20, last_change_id=changes)
        delivery = await WebhookDelivery.create(webhook_id=hook.id, change_id=1, event="deal.created", body="{}",
                                                next_attempt_at=queue.now())
        await WebhookAttempt.create(delivery_id=delivery.id, at=queue.now(), ok=False, duration_ms=3)
        await hook.delete()
        assert await WebhookAttempt.all().count() == 0, "a webhook's deliveries and log go with it"
        assert await check() == []


async def test_the_activity_figures_step_back_fills_what_its_triggers_keep(database: str, tmp_path: Path) -> None:
    from tests.test_activity_figures import assert_figures_agree, stored

    async with other_database(database, tmp_path):
        assert "0044_activity_figures" not in await apply_all([step for step in steps() if step[0] < "0044"])
        assert await seed_demo()
        assert "0044_activity_figures" in await apply_all()
        done, tasks = await stored()
        assert sum(done.values()) == await Activity.all().count() and sum(tasks.values()) > 10
        await assert_figures_agree()  # the back-fill: the activities counted in Python
        task = await Activity.filter(kind="task", task_status="scheduled", customer_id__isnull=False).first()
        assert task is not None
        await Customer.filter(id=task.customer_id).update(account_manager_id=None)
        await Activity.filter(id=task.id).update(task_status="done")
        await assert_figures_agree()  # and the triggers carry on from it
        assert await check() == []


async def test_the_archived_customers_step_indexes_those_of_a_database_with_data(database: str, tmp_path: Path) -> None:
    async with other_database(database, tmp_path) as conn:
        assert "0046_archived_customers_index" not in await apply_all([step for step in steps() if step[0] < "0046"])
        assert await seed_demo()
        archived = sorted(await Customer.all().order_by("id").limit(3).values_list("id", flat=True))
        await Customer.filter(id__in=archived).update(archived_at=datetime.now(UTC))
        assert "0046_archived_customers_index" in await apply_all()
        index = (await live_catalogue(conn))["customer"].indexes["idx_customer_archived"]
        assert index.columns == ("id",) and index.where is not None and "archived_at" in index.where
        # The count of resolvers.customers.counted_in_values asks for the archived ones as Tortoise writes it.
        left_out = Customer.filter(archived_at__isnull=False).values_list("id", flat=True)
        assert sorted(await left_out) == archived
        if conn.capabilities.dialect == "sqlite":
            plan = await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {left_out.sql()}")
            assert any("idx_customer_archived" in row["detail"] for row in plan), plan
        assert await check() == []


async def test_the_campaign_list_step_pages_a_campaigns_people_in_the_order_of_an_index(database: str,
                                                                                         tmp_path: Path) -> None:
    async with other_database(database, tmp_path) as conn:
        assert "0047_campaign_list_indexes" not in await apply_all([step for step in steps() if step[0] < "0047"])
        assert await seed_demo()
        campaign = await Campaign.all().order_by("id").first()
        assert campaign is not None
        for n in range(30):  # more people and mail on a campaign that already has some
            await Enrolment.create(campaign_id=campaign.id, name=f"Visitor {n}", email=f"v{n}@example.com", consent=True)
            await CampaignSend.create(campaign_id=campaign.id, email=f"v{n}@example.com", kind="share", status="sent")
        before = await paginate(Enrolment.filter(campaign_id=campaign.id), field="created_at", descending=True,
                                first=10, after=None)
        assert "0047_campaign_list_indexes" in await apply_all()
        indexes = (await live_catalogue(conn))["enrolment"].indexes["idx_enrolment_campaign_created"]
        assert indexes.columns == ("campaign_id", "created_at", "id")
        after = await paginate(Enrolment.filter(campaign_id=campaign.id), field="created_at", descending=True,
                               first=10, after=None)
        assert [e.node.id for e in after.edges] == [e.node.id for e in before.edges]
        if conn.capabilities.dialect == "sqlite":  # a page of the campaign's enrolees: read in the index's order
            page = keyset_page(Enrolment.filter(campaign_id=campaign.id), "created_at", True, after.page_info.end_cursor, 10)
            text, params = parameterized(page)
            plan = " ".join(row["detail"] for row in await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {text}", params))
            assert "idx_enrolment_campaign_created" in plan and "TEMP B-TREE" not in plan, plan
        assert await check() == []
