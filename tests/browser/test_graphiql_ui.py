"""GraphiQL in a real browser: it loads from the CRM alone, under its CSP, and runs a query as the
signed-in user (the session cookie goes along)."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

QUERY = '{ me { email role } customers(first: 3, orderBy: {field: NAME}) { totalCount edges { node { name } } } }'


def test_graphiql_runs_a_query_as_the_signed_in_user(admin) -> None:  # type: ignore[no-untyped-def]
    page = admin.context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{admin.server}/graphql?q={quote(QUERY)}")
    expect(page.locator(".graphiql-container")).to_be_visible()
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    expect(result).to_contain_text('"admin@example.com"')
    expect(result).to_contain_text('"totalCount"')
    # The Docs pane needs the schema, i.e. the introspection query went through.
    page.locator('[aria-label="Show Documentation Explorer"]').click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")
    assert not problems, problems
    page.close()
