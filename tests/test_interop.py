"""What backend/interop/ relies on in each library's internals, asserted exactly: an upgrade that changes
one of these behaviours fails here, by name, instead of somewhere deep in a request."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncGenerator
from typing import Any

import pytest
import strawberry
from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSyntaxError,
    build_schema,
    parse,
    validate,
)
from strawberry.types import Info
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import IncompleteInstanceError
from tortoise.transactions import in_transaction

from backend.graphql.root import schema
from backend.interop import graphql_core, tortoise
from backend.interop.strawberry import CoreExecutionContext, MaskErrorsWithHooks, raw_info, typed_input
from backend.models import CustomerStatus, Pipeline, Stage, StageKind
from backend.schema.customers import CustomerFilter

FLAGS = ("_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save")


# --- Tortoise -----------------------------------------------------------------------------------------


async def a_stage() -> Stage:
    """A row of the default pipeline (reference data every clean database keeps)."""
    stage = await Stage.filter(kind=StageKind.LOST).order_by("id").first()
    assert stage is not None
    return stage


def test_meta_names_fields_columns_and_primary_key(db: str) -> None:
    assert tortoise.columns_of(Stage) == {
        "id": "id", "pipeline_id": "pipeline_id", "name": "name", "position": "position",
        "probability": "probability", "kind": "kind", "requires_next_step": "requires_next_step",
    }
    assert tortoise.field_of(Stage, "name").max_length == 100  # type: ignore[attr-defined]
    assert tortoise.field_of(Stage, "pipeline").source_field == "pipeline_id"
    assert tortoise.field_of(Stage, "pipeline").related_model is Pipeline  # type: ignore[attr-defined]
    assert tortoise.pk_of(Stage) is tortoise.field_of(Stage, "id")


async def test_partial_instances_are_what_only_makes(db: str) -> None:
    stage = await a_stage()
    ours = tortoise.partial_instances(Stage, await Stage.filter(id=stage.id).values("id", "name"))[0]
    theirs = await Stage.filter(id=stage.id).only("id", "name").first()
    assert theirs is not None
    # Tortoise's own partial row holds the values and these flags, nothing else of its own.
    assert {key: theirs.__dict__[key] for key in FLAGS} == {key: ours.__dict__[key] for key in FLAGS}
    assert set(theirs.__dict__) == set(ours.__dict__) == {"id", "name", *FLAGS}
    assert (ours.pk, ours.name) == (stage.id, stage.name)
    with pytest.raises(IncompleteInstanceError):  # a partial row refuses to be saved
        await ours.save()


async def test_a_joined_row_lives_where_the_relation_reads_it(db: str) -> None:
    stage = await Stage.filter(id=(await a_stage()).id).select_related("pipeline").first()
    assert stage is not None
    assert isinstance(tortoise.joined(stage, "pipeline"), Pipeline) and tortoise.joined(stage, "pipeline") is stage.pipeline
    assert tortoise.joined(await Stage.get(id=stage.id), "pipeline") is None  # not joined
    partial = tortoise.partial_instances(Stage, [{"id": stage.id, "pipeline_id": stage.pipeline_id}])[0]  # type: ignore[attr-defined]
    kept = Pipeline(id=stage.pipeline_id, name="kept")  # type: ignore[attr-defined]
    tortoise.keep_joined(partial, "pipeline", kept)
    assert partial.pipeline is kept


async def test_rows_from_hand_written_sql_convert_as_queries_do(db: str) -> None:
    stage = await a_stage()
    sql, params = tortoise.parameterized(Stage.filter(id=stage.id, kind=StageKind.LOST).values("id", "kind", "name"))
    assert params == [stage.id, "lost"]
    rows = await connections.get("default").execute_query_dict(sql, params)
    convert = tortoise.converters(Stage, ("id", "kind", "name"))
    assert [{c: to_python(row[c]) for c, to_python in convert} for row in rows] == [
        {"id": stage.id, "kind": StageKind.LOST, "name": stage.name}
    ]
    whole = await connections.get("default").execute_query_dict('SELECT * FROM "stage" WHERE "id" = ' + str(stage.id))
    built = tortoise.from_db_row(Stage, whole[0])
    assert (built.id, built.kind, built.name, built.__dict__["_partial"]) == (stage.id, StageKind.LOST, stage.name, False)


async def test_compiled_statements_are_kept_per_connection_name_and_table(db: str) -> None:
    stage = await a_stage()
    await stage.save(update_fields=["name"])  # through the executor, which compiles and keeps its statements
    assert ("default", None, "stage") in EXECUTOR_CACHE
    tortoise.forget_compiled_statements()
    assert EXECUTOR_CACHE == {}


async def test_sqlite_transactions_take_the_write_lock_when_they_begin(db: str) -> None:
    if not db.startswith("sqlite://"):
        pytest.skip("SQLite only")
    assert isinstance(connections.get("default"), tortoise.ImmediateSqliteClient)
    async with in_transaction("default"):
        other = sqlite3.connect(db.removeprefix("sqlite://"), timeout=0)
        try:
            # Nothing was written yet: only BEGIN IMMEDIATE holds the lock now (a deferred BEGIN would not).
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


# --- Strawberry ---------------------------------------------------------------------------------------

seen: dict[str, Any] = {}


class Recording(MaskErrorsWithHooks):
    def prepare(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        seen.setdefault("prepared", []).append([error.message for error in errors])
        return errors


class RecordingExecutor(CoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        seen.setdefault("serially", []).append(serially)
        seen["coerced"] = self.variable_values.coerced
        return super().execute_operation(serially)

    def build_per_event_executor(self, payload: Any) -> Any:
        seen.setdefault("events", []).append(payload)
        return super().build_per_event_executor(payload)


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self, info: Info) -> str:
        seen["raw"] = raw_info(info)
        return "ok"

    @strawberry.field
    def twice(self, n: int) -> int:
        return 2 * n

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("secret detail")


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, count: int) -> AsyncGenerator[int, None]:
        for n in range(count):
            yield n


@pytest.fixture
def small_schema() -> strawberry.Schema:
    seen.clear()
    return strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=RecordingExecutor,
        extensions=[lambda: Recording(should_mask_error=lambda error: True, error_message="masked")],
    )


async def test_raw_info_holds_the_field_nodes_and_fragments(small_schema: strawberry.Schema) -> None:
    result = await small_schema.execute("query { ...Both } fragment Both on Query { nodes }")
    assert result.data == {"nodes": "ok"}
    raw = seen["raw"]  # a tuple of Strawberry's own, with graphql-core's fields and more
    assert set(GraphQLResolveInfo._fields) <= set(type(raw)._fields)
    assert [node.name.value for node in raw.field_nodes] == ["nodes"]
    assert isinstance(raw.fragments["Both"], FragmentDefinitionNode)


async def test_mask_errors_hooks_see_errors_before_masking_and_only_then(small_schema: strawberry.Schema) -> None:
    assert (await small_schema.execute("{ nodes }")).errors is None
    assert "prepared" not in seen  # a result without errors passes untouched
    result = await small_schema.execute("{ broken }")
    assert [error.message for error in result.errors or []] == ["masked"]
    assert seen["prepared"] == [["secret detail"]]


async def test_each_subscription_event_runs_through_a_per_event_executor(small_schema: strawberry.Schema) -> None:
    stream = await small_schema.subscribe("subscription($n: Int!) { ticks(count: $n) }", variable_values={"n": 2})
    results = [result async for result in stream]  # type: ignore[union-attr]
    assert [result.data for result in results] == [{"ticks": 0}, {"ticks": 1}]
    assert seen["events"] == [0, 1]
    assert seen["serially"] == [False, False]  # events run with serially=False (shared_events keys on it)
    assert seen["coerced"] == {"n": 2}


def test_typed_input_checks_json_as_variables_are_checked_and_builds_the_input_object() -> None:
    built = typed_input(schema, CustomerFilter, {"status": ["ACTIVE"], "deal": {"amount": {"min": 5}}})
    assert isinstance(built, CustomerFilter) and built.status == [CustomerStatus.ACTIVE]
    assert built.deal is not None and built.deal.amount is not None and built.deal.amount.min == 5
    for wrong, says in (({"status": ["NOPE"]}, "status.0: Value 'NOPE' does not exist"), ({"bogus": 1}, "unknown field"),
                        ("x", "to be an object")):
        with pytest.raises(ValueError, match=says):
            typed_input(schema, CustomerFilter, wrong)


# --- graphql-core -------------------------------------------------------------------------------------

SDL = build_schema("enum Color { RED GREEN }  input Filter { colour: Color }  "
                   "type Query { name(filter: Filter, first: Int): String  color: Color }")


@pytest.mark.parametrize(
    ("document", "plain"),
    [
        ("{ nme }", "Cannot query field 'nme' on type 'Query'."),
        ("{ name(frist: 1) }", "Unknown argument 'frist' on field 'Query.name'."),
        # the hint and what follows it (the client's own value) go
        ("{ name(filter: {colr: RED}) }", "Expected value of type 'Filter' not to include unknown field 'colr'."),
        ("{ name(filter: {colour: RDE}) }", "Value 'RDE' does not exist in 'Color' enum."),
        ("query($f: Filtr) { name(filter: $f) }", "Unknown type 'Filtr'."),
    ],
)
def test_suggestions_come_last_in_every_message_that_has_them(document: str, plain: str) -> None:
    messages = [error.message for error in validate(SDL, parse(document))]
    assert any("Did you mean" in message for message in messages), messages
    assert plain in [graphql_core.without_suggestions(message) for message in messages]


def test_the_token_limit_is_told_only_by_its_message() -> None:
    with pytest.raises(GraphQLSyntaxError) as refused:
        parse("{ a b c d e }", max_tokens=4)
    assert graphql_core.token_limit(refused.value) == 4
    with pytest.raises(GraphQLSyntaxError) as other:
        parse("{ a b ")
    assert graphql_core.token_limit(other.value) is None


async def test_a_bad_variable_is_located_at_its_definition() -> None:
    schema = strawberry.Schema(query=Query)
    for variables in ({}, {"n": "seven"}):
        result = await schema.execute("query($n: Int!) { twice(n: $n) }", variable_values=variables)
        (error,) = result.errors or []
        assert graphql_core.variable_of(error) == "n" and error.original_error is not None
    (other,) = (await schema.execute("{ broken }")).errors or []
    assert graphql_core.variable_of(other) is None

