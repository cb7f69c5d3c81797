"""Schemathesis (GraphQL mode) against the running CRM with a signed-in token: hundreds of generated
operations, every query and mutation of the schema, and not one server error or schema violation."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.validation import is_schema_violation

from tests.servers import CrmServer

CONTRACT_CODES = {
    "BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "CONFLICT", "QUERY_TOO_COMPLEX", "RATE_LIMITED",
}
EXAMPLES_PER_OPERATION = 5
MIN_OPERATIONS = 200


def _crm(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CrmServer, str]]:
    data = tmp_path_factory.mktemp("fuzz")
    database = f"sqlite://{data}/crm.sqlite3"
    env = {**os.environ, "CRM_DATA_DIR": str(data), "CRM_DATABASE_URL": database}
    _crm(env, "migrate")
    _crm(env, "seed", "--demo")
    token = _crm(env, "token", "create", "--email", "admin@example.com", "--name", "fuzz").strip().splitlines()[-1]
    server = CrmServer(database, CRM_DATA_DIR=str(data), CRM_PUBLIC_RATE_LIMIT="100000")
    asyncio.run(server.start())
    try:
        yield server, token
    finally:
        server.stop()


def assert_contract_answer(label: str, response) -> None:  # type: ignore[no-untyped-def]
    """A 2xx/4xx JSON answer whose errors all carry one of the contract's codes — never INTERNAL, never a
    null in a non-null field (a schema violation). Generated arguments are often nonsense: refusing them
    with BAD_USER_INPUT or NOT_FOUND is the right answer."""
    assert response.status_code < 500, f"{label}: HTTP {response.status_code} {response.text[:300]}"
    body = response.json()
    assert isinstance(body, dict), f"{label}: not a JSON object"
    errors = body.get("errors") or []
    assert not is_schema_violation(errors), f"{label}: schema violation {errors}"
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code in CONTRACT_CODES, f"{label}: {code} {error['message']}"


def test_generated_operations_find_no_server_error(running: tuple[CrmServer, str]) -> None:
    server, token = running
    headers = {"Authorization": f"Bearer {token}"}
    # An Upload sent inside a JSON body (not a multipart request) is no file: attachFile must refuse it on `file`.
    schemathesis.graphql.scalar("Upload", st.text(max_size=20).map(nodes.String))
    schema = schemathesis.graphql.from_url(f"{server.base}/graphql", headers=headers, timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    calls = 0
    for operation in operations:

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            response = case.call(headers=headers, timeout=30)
            assert_contract_answer(case.operation.label, response)

        run()
    assert calls >= MIN_OPERATIONS, f"only {calls} operations were generated"
