"""graphql-core (3.3.x) behaviour the CRM relies on that is no API: the wording of its messages.

- Suggestions: graphql-core puts its "did you mean" hint (" Did you mean 'x', 'y', or 'z'?", also "the
  enum value 'x'", "'field { ... }'") last in a message; only an echo of the client's own value
  (" Found: { … }.") may follow it, and goes with it. There is no option to
  switch them off (https://github.com/graphql-python/graphql-core/issues/97; graphql-js 17 adds
  `hideSuggestions`, https://github.com/graphql/graphql-js/pull/4214), so they are cut from the text.
- The token limit: `parse(…, max_tokens=n)` refuses a longer document with a syntax error whose message
  says "Document contains more than n tokens"; only the text tells it from another syntax error.
- Bad variables: an error about a value the request's `variables` gave (missing, or not of its type) is
  located at the variable's definition, and keeps the coercion error as its original: by that it is told
  from an unexpected error (which is masked) and named after its variable.
- Subscriptions: graphql-core 3.3 runs each event with `execute_operation(serially=False)`, through the
  executor `build_per_event_executor(payload)` returns, and keeps the coerced variables in
  `variable_values.coerced` (shared_events.py keys shared executions by them).
"""

from __future__ import annotations

import re

from graphql import GraphQLError, VariableDefinitionNode

_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
_TOKENS = re.compile(r"Document contains more than (\d+) tokens")


def without_suggestions(message: str) -> str:
    """`message` without its "did you mean" hint (fields, arguments, enum values, types, input fields)."""
    return _SUGGESTION.sub("", message)


def token_limit(error: GraphQLError) -> int | None:
    """The limit, when `error` is graphql-core refusing a document for having more tokens than it."""
    match = _TOKENS.search(error.message)
    return int(match.group(1)) if match else None


def variable_of(error: GraphQLError) -> str | None:
    """The variable a request's `variables` gave no or a wrong value for, when `error` is about one."""
    node = error.nodes[0] if error.nodes else None
    return node.variable.name.value if isinstance(node, VariableDefinitionNode) else None
