"""The change feed (issue 21): pages in commit order that a client resumes from its last cursor, row rules as
they were when each change was made, a subscription that replays then goes live without a gap or a
duplicate while writes go on, and the retention period (a cursor past it is refused, the job forgets)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

from backend.graphql.root import schema
from backend.models import Change, Job, JobStatus, Role
from backend.reads.context import Context
from backend.services import changes, queue
from backend.settings import get_settings
from backend.worker import Worker, arm_recurring
from tests.factories import actor, error, make_customer, make_deal, make_team, make_user, ok, setting  # noqa: F401

PAGE = """query($after: String, $first: Int, $entities: [ChangeEntity!]) {
  changes(after: $after, first: $first, entities: $entities) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id entity entityId kind action actorId changes { field old new } } } } }"""
STREAM = """subscription($after: String, $entities: [ChangeEntity!]) {
  changes(after: $after, entities: $entities) { cursor node { id entity entityId kind } } }"""
UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id version } }"
STATUS = "mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { id version } }"
DELETE_DEAL = "mutation($input: DeleteDealInput!) { deleteDeal(input: $input) { id } }"


async def everything(who: Any, after: str | None = None, first: int = 2, **variables: Any) -> tuple[list[dict], str | None]:
    """Every change `who` may read after `after`, paged `first` at a time; and the last cursor."""
    nodes: list[dict] = []
    while True:
        page = (await ok(who, PAGE, after=after, first=first, **variables))["changes"]
        nodes += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] or after
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, after


async def test_pages_in_commit_order_and_resumes_from_the_last_cursor(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    customer = await make_customer(admin, name="Alpine Dairy")
    renamed = (await ok(admin, UPDATE, input={"id": customer["id"], "version": customer["version"],
                                                "name": "Alpine Dairy AG"}))["updateCustomer"]
    await ok(admin, STATUS, input={"id": customer["id"], "version": renamed["version"], "status": "ACTIVE"})
    seen, cursor = await everything(admin)
    assert [(n["entity"], n["kind"]) for n in seen] == [
        ("CUSTOMER", "CREATED"), ("CUSTOMER", "UPDATED"), ("CUSTOMER", "STATUS_CHANGED")]
    assert [int(n["id"]) for n in seen] == sorted(int(n["id"]) for n in seen)
    assert {"field": "name", "old": "Alpine Dairy", "new": "Alpine Dairy AG"} in seen[1]["changes"]
    assert seen[0]["actorId"] == str(admin.id)

    deal = await make_deal(admin, customer["id"])
    await ok(admin, DELETE_DEAL, input={"id": deal["id"], "version": deal["version"]})
    later, cursor2 = await everything(admin, cursor)  # resumes: exactly what came since, once each
    assert [(n["entity"], n["kind"], n["entityId"]) for n in later] == [
        ("DEAL", "CREATED", deal["id"]), ("DEAL", "DELETED", deal["id"])]
    assert (await everything(admin, cursor2))[0] == []
    only_deals, _ = await everything(admin, entities=["DEAL"])
    assert [n["kind"] for n in only_deals] == ["CREATED", "DELETED"]


async def test_a_rep_reads_the_changes_of_what_the_team_could_see_then(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    admin = await make_user(Role.ADMIN)
    ours = await make_customer(admin, accountManagerId=str(rep.id))
    theirs = await make_customer(admin, accountManagerId=str(rep2.id))
    our_deal = await make_deal(rep, ours["id"])
    their_deal = await make_deal(rep2, theirs["id"])
    await ok(admin, DELETE_DEAL, input={"id": our_deal["id"], "version": our_deal["version"]})

    mine, _ = await everything(rep, first=100)
    assert {(n["entity"], n["entityId"], n["kind"]) for n in mine} == {
        ("CUSTOMER", ours["id"], "CREATED"), ("DEAL", our_deal["id"], "CREATED"), ("DEAL", our_deal["id"], "DELETED")}
    theirs_seen, _ = await everything(rep2, first=100)
    assert their_deal["id"] in {n["entityId"] for n in theirs_seen if n["entity"] == "DEAL"}
    assert our_deal["id"] not in {n["entityId"] for n in theirs_seen if n["entity"] == "DEAL"}
    assert len((await everything(admin, first=100))[0]) == 5  # everyone who sees all sees all


async def test_the_stream_replays_then_goes_live_without_a_gap_or_a_duplicate(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    before = [await make_customer(admin) for _ in range(3)]
    seen, cursor = await everything(admin, first=100)
    assert len(seen) == 3
    first_cursor = (await ok(admin, PAGE, first=1))["changes"]["edges"][0]["cursor"]

    ready = asyncio.Event()
    stream = await schema.subscribe(STREAM, variable_values={"after": first_cursor},
                                    context_value=Context(actor=actor(admin), subscribed=ready.set))
    got: list[dict] = []

    async def read(count: int) -> None:
        while len(got) < count:
            result = await anext(stream)  # type: ignore[arg-type]
            assert not result.errors, result.errors
            got.append(result.data["changes"]["node"])

    reading = asyncio.ensure_future(read(2 + 8))  # the two after the cursor, then eight made meanwhile
    await asyncio.wait_for(ready.wait(), 5)
    writes = [make_customer(admin) for _ in range(8)]  # writes go on while the stream replays and goes live
    made = await asyncio.gather(*writes)
    await asyncio.wait_for(reading, 10)
    await stream.aclose()  # type: ignore[attr-defined]

    ids = [int(n["id"]) for n in got]
    assert ids == sorted(set(ids)), "in commit order, each once"
    assert [n["entityId"] for n in got] == [c["id"] for c in before[1:]] + [n["entityId"] for n in got[2:]]
    assert {n["entityId"] for n in got[2:]} == {c["id"] for c in made}
    everything_now, _ = await everything(admin, first=100)
    assert [int(n["id"]) for n in everything_now][1:] == ids  # the stream saw exactly what the feed holds


async def test_a_stream_without_a_cursor_starts_now_and_hides_what_is_out_of_sight(db: str) -> None:
    north, south = await make_team("North"), await make_team("South")
    rep, rep2 = await make_user(Role.SALES_REP, north), await make_user(Role.SALES_REP, south)
    admin = await make_user(Role.ADMIN)
    await make_customer(admin, accountManagerId=str(rep.id))  # before the stream: not replayed
    ready = asyncio.Event()
    stream = await schema.subscribe(STREAM, context_value=Context(actor=actor(rep), subscribed=ready.set))
    following = asyncio.ensure_future(anext(stream))  # type: ignore[arg-type]
    await asyncio.wait_for(ready.wait(), 5)
    await make_customer(admin, accountManagerId=str(rep2.id))  # another team's: never told
    ours = await make_customer(admin, accountManagerId=str(rep.id))
    result = await asyncio.wait_for(following, 5)
    assert result.data["changes"]["node"]["entityId"] == ours["id"]
    await stream.aclose()  # type: ignore[attr-defined]


async def test_a_cursor_past_retention_is_refused_and_the_job_forgets(db: str, setting: Any) -> None:  # noqa: F811
    setting(CRM_CHANGES_RETENTION="30")
    admin = await make_user(Role.ADMIN)
    await make_customer(admin)
    old = await Change.all().order_by("id").first()
    assert old is not None
    await Change.filter(id=old.id).update(at=datetime.now(UTC) - timedelta(days=31))
    stale = (await ok(admin, PAGE, first=1))["changes"]["edges"][0]["cursor"]
    await make_customer(admin)
    refused = await error(admin, PAGE, after=stale)
    assert refused["code"] == "BAD_USER_INPUT" and refused["field"] == "after" and "30 days" in refused["message"]
    refused_stream = await schema.subscribe(STREAM, variable_values={"after": stale},
                                            context_value=Context(actor=actor(admin)))
    first = await anext(refused_stream)  # type: ignore[arg-type]
    assert first.errors and first.errors[0].extensions["field"] == "after"

    assert await changes.prune(timedelta(days=30)) == 1
    assert await Change.all().count() == 1


def test_kinds_of_audit_actions() -> None:
    assert [changes.kind_of(a) for a in ("deal.create", "deal.move", "deal.move_pipeline", "customer.archive",
                                         "contact.merge", "activity.log", "ticket.reply", "customer.delete")] == [
        "created", "status_changed", "updated", "archived", "merged", "created", "updated", "deleted"]


async def test_ids_become_visible_in_commit_order_on_postgresql(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The classic trap: a later id committing first. A write that took its feed ids holds the feed's lock
    until its commit, so the next write waits for its ids, and a reader never sees a later id before an
    earlier one. (SQLite: writers take turns for the whole transaction.)"""
    if not db.startswith("postgres"):
        pytest.skip("SQLite's writers take turns for the whole transaction")
    admin = await make_user(Role.ADMIN)
    record, holding, release = changes.record, asyncio.Event(), asyncio.Event()
    calls: list[int] = []

    async def slow_commit(pending: list[changes.Pending]) -> int | None:
        last = await record(pending)
        calls.append(1)
        if len(calls) == 1:  # the first write: ids taken, commit held back
            holding.set()
            await release.wait()
        return last

    monkeypatch.setattr(changes, "record", slow_commit)
    first = asyncio.ensure_future(make_customer(admin, name="First"))
    await asyncio.wait_for(holding.wait(), 5)
    second = asyncio.ensure_future(make_customer(admin, name="Second"))
    conn = connections.get("default")
    for _ in range(500):  # until the second write waits for the feed's lock
        _, rows = await conn.execute_query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        if rows[0]["n"]:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the second write never waited for the feed's lock")
    assert await Change.all().count() == 0  # neither is visible: the first has not committed
    release.set()
    made = await asyncio.gather(first, second)
    rows = await Change.filter(entity="customer").order_by("id").values_list("entity_id", flat=True)
    assert rows == [made[0]["id"], made[1]["id"]]


async def test_the_daily_job_forgets_changes_past_retention(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    await make_customer(admin)
    await make_customer(admin)
    oldest = await Change.all().order_by("id").first()
    assert oldest is not None
    await Change.filter(id=oldest.id).update(at=datetime.now(UTC) - timedelta(days=91))
    runner = Worker(get_settings())
    await arm_recurring(runner.settings)
    while (job := await queue.claim(runner.name, 30, at=queue.now() + timedelta(hours=2))) is not None:
        if job.kind == changes.PRUNE_JOB:
            await runner.run_one(job)
            break
    assert await Change.filter(id=oldest.id).count() == 0 and await Change.all().count() == 1
    again = await Job.get(key=changes.PRUNE_JOB)
    assert again.status is JobStatus.PENDING and again.run_at > queue.now() + timedelta(hours=23)  # daily


async def test_a_client_away_for_a_while_resumes_with_exactly_what_it_missed(db: str) -> None:
    admin = await make_user(Role.ADMIN)
    await make_customer(admin)
    ready = asyncio.Event()
    stream = await schema.subscribe(STREAM, context_value=Context(actor=actor(admin), subscribed=ready.set))
    following = asyncio.ensure_future(anext(stream))  # type: ignore[arg-type]
    await asyncio.wait_for(ready.wait(), 5)
    await make_customer(admin)
    last = (await asyncio.wait_for(following, 5)).data["changes"]
    await stream.aclose()  # type: ignore[attr-defined]  # away (see test_changes_resume.py)
    missed = [await make_customer(admin) for _ in range(3)]

    ready = asyncio.Event()
    resumed = await schema.subscribe(STREAM, variable_values={"after": last["cursor"]},
                                     context_value=Context(actor=actor(admin), subscribed=ready.set))
    got = [(await asyncio.wait_for(anext(resumed), 5)).data["changes"]["node"] for _ in missed]  # type: ignore[arg-type]
    assert [n["entityId"] for n in got] == [c["id"] for c in missed]
    live = asyncio.ensure_future(anext(resumed))  # type: ignore[arg-type]
    await asyncio.wait_for(ready.wait(), 5)
    after = await make_customer(admin)
    assert (await asyncio.wait_for(live, 5)).data["changes"]["node"]["entityId"] == after["id"]
    await resumed.aclose()  # type: ignore[attr-defined]
