"""CRM_COMPILED_READS: a query every field of which compiles (backend.compiled) is answered by one SQL
statement per root field, after parsing, validation and the limits ran as for any document; anything else
runs on the resolvers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension

from backend.compiled.run import answer, compile_operation
from backend.graphql.frames import RawJSON
from backend.schema.campaigns import origin_of
from backend.settings import get_settings


class CompiledReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        actor = getattr(context.context, "actor", None)
        if get_settings().compiled_reads and context.graphql_document is not None and actor is not None:
            origin = origin_of(getattr(context.context, "request", None))
            compiled = await compile_operation(context.schema._schema, context.graphql_document, context.operation_name,
                                               context.variables, actor, origin)
            if compiled is not None:
                # Over HTTP the database's text goes out as it is; in-process callers (the UI) get it parsed.
                wrap = RawJSON if getattr(context.context, "wire", False) else json.loads
                texts = await answer(compiled)
                if texts is not None:
                    context.result = ExecutionResult(data={key: wrap(text) for key, text in texts.items()}, errors=None)
        yield
