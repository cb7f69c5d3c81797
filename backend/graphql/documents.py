"""Each distinct GraphQL document is parsed and validated once, not on every request.

Validation was about a third of a small query's work, and its visitors left most of the cyclic garbage
a request makes (about 1,600 of 1,700 objects for a search), whose collection pauses were the search's
tail latency (docs/benchmarks.md). Nothing in validation depends on variables or the caller: the cost
rule counts a `first: $n` as the largest page, so one verdict holds for every request of a document.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache

DOCUMENTS_KEPT = 256  # the UI sends a few dozen distinct documents; each is bounded by MAX_TOKENS


class CachedParse(ParserCache):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            # Left to Strawberry, which parses it again and answers its errors as the client's; raised
            # from this hook they would escape that handling.
            pass
        yield


def document_caches() -> list[Any]:
    return [lambda: CachedParse(maxsize=DOCUMENTS_KEPT), lambda: ValidationCache(maxsize=DOCUMENTS_KEPT)]
