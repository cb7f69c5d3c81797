"""HTTP-level limits: body size, no batching, no mutations by GET, JSON-only POSTs."""

import logging

import httpx

from backend.app import create_app


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(create_app()), base_url="http://testserver")


async def test_oversized_body_is_refused(db):
    async with client() as c:
        response = await c.post("/graphql", content=b'{"query": "' + b" " * 2_000_000 + b'"}',
                                headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_batched_operations_are_refused(db):
    async with client() as c:
        response = await c.post("/graphql", json=[{"query": "{ __typename }"}] * 50)
    assert response.status_code == 400


async def test_form_posts_cannot_run_mutations(db):
    async with client() as c:
        response = await c.post(
            "/graphql",
            content=b"query=mutation{createCustomer(input:{name:\"x\",email:\"a@b.co\"}){id}}",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code in (400, 415)


async def test_mutations_are_refused_over_get(db):
    async with client() as c:
        response = await c.get("/graphql", params={"query": 'mutation { deleteCustomer(input: {id: "1", version: 1}) { id } }'},
                               headers={"accept": "application/json"})
    assert response.status_code in (400, 405) and "mutation" in response.text.lower()


async def test_lone_surrogates_are_refused_as_bad_json(db):
    body = b'{"query": "query($s: String) { customers(search: $s) { totalCount } }", "variables": {"s": "\\ud800"}}'
    async with client() as c:
        response = await c.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400


async def test_invalid_documents_carry_a_code(db):
    async with client() as c:
        response = await c.post("/graphql", json={"query": "{ customers(first: ) }"})
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "query"}


async def test_bad_variables_are_the_clients_mistake_naming_the_variable(db):
    """A missing or mistyped variable is BAD_USER_INPUT naming it, never a masked INTERNAL."""
    document = "query($q: String!, $first: Int) { customers(first: $first, search: $q) { totalCount } }"
    async with client() as c:
        # Variables are checked before any resolver runs, so no sign-in is needed to see the answer.
        missing = await c.post("/graphql", json={"query": document, "variables": {"first": 5}})
        mistyped = await c.post("/graphql", json={"query": document, "variables": {"q": "a", "first": "many"}})
    for response, variable in ((missing, "q"), (mistyped, "first")):
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": variable}
        assert f"${variable}" in error["message"]


NESTED = b"[" * 1000 + b"]" * 1000


async def test_deeply_nested_json_is_bad_input_naming_the_nesting(db, caplog):
    """~1,000 levels used to exhaust the parser's recursion: a 500 with a traceback in the log."""
    variables = b'{"s": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1000 + b"}"
    bodies = {
        "body": NESTED,
        "variables": b'{"query": "query($s: String) { customers(search: $s) { totalCount } }", "variables": ' + variables + b"}",
        "shallower than the parser's limit": b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 200 + b"]" * 200 + b"}}",
    }
    async with client() as c:
        for case, body in bodies.items():
            response = await c.post("/graphql", content=body, headers={"content-type": "application/json"})
            assert response.status_code == 400, case
            assert "nested deeper than" in response.text, (case, response.text)
        query_string = await c.get("/graphql", params={"query": "{ __typename }", "variables": NESTED.decode()},
                                   headers={"accept": "application/json"})
    assert query_string.status_code == 400 and "nested deeper than" in query_string.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_client_leaving_mid_request_is_no_error(db, caplog):
    """Half a body, then the client is gone: uvicorn used to log Starlette's ClientDisconnect with a traceback."""
    app = create_app()
    messages = iter([{"type": "http.request", "body": b'{"query": "{ cust', "more_body": True},
                     {"type": "http.disconnect"}])

    async def receive():
        return next(messages)

    async def send(message):  # Starlette's error middleware answers 500 to nobody before re-raising
        pass

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), (b"content-length", b"40")],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    with caplog.at_level(logging.INFO, logger="crm.http"):
        await app(scope, receive, send)  # raised ClientDisconnect, for uvicorn to log as an error
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert any("disconnected before its request was read" in r.getMessage() for r in caplog.records)


async def test_ordinary_nesting_is_accepted(db):
    variables = {"o": {"field": "NAME", "direction": "ASC"}, "deep": [[[[["ok"]]]]]}
    async with client() as c:
        response = await c.post("/graphql", json={"query": "{ __typename }", "variables": variables})
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}
