"""The MCP tools: search, read, my tasks, log an activity, create a task — each one GraphQL operation.

Who calls is decided on every call from the API token: the `Authorization: Bearer` header of the HTTP
request, or the token `crm mcp` was started with. A revoked token or a deactivated user stops working at
the next call, as on the API. Results are compact JSON text; a refusal is an error result carrying the
contract's code (NOT_FOUND, FORBIDDEN, BAD_USER_INPUT with its field, UNAUTHENTICATED).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from backend.auth.actor import Actor
from backend.graphql.root import schema
from backend.mcp import documents
from backend.reads.context import Context as GqlContext
from backend.web.requests import actor_for_token, bearer

REFUSED = "A valid API token is required (Authorization: Bearer <token>; `crm mcp` reads CRM_TOKEN)"

INSTRUCTIONS = (
    "Tools of the CRM, acting as the user whose API token you use: you see and change only what that "
    "user may. Ids are strings; search first, then read a record by its id."
)

SearchEntity = Literal["customers", "contacts", "deals"]
ReadEntity = Literal["customer", "contact", "deal", "task", "activity", "campaign"]
LoggedKind = Literal["call", "email", "meeting", "note"]
First = Annotated[int, Field(ge=1, le=50, description="How many results at most (1-50)")]
OptionalId = Annotated[str | None, Field(description="Id of the record it is about (from search or read)")]


def compact(data: Any) -> str:
    """JSON without spaces or nulls: assistants pay for every character they read."""
    return json.dumps(_without_nulls(data), separators=(",", ":"), ensure_ascii=False, default=str)


def _without_nulls(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_nulls(value) for key, value in data.items() if value is not None}
    if isinstance(data, list):
        return [_without_nulls(item) for item in data]
    return data


def _refusal(code: str, message: str, field: str | None = None) -> ToolError:
    return ToolError(compact({"code": code, "message": message, "field": field}))


def _nodes(connection: dict[str, Any]) -> dict[str, Any]:
    return {"total": connection["totalCount"], "items": [edge["node"] for edge in connection["edges"]]}


def _provided(**values: Any) -> dict[str, Any]:
    """An input with only what the caller gave: an absent field keeps the API's default."""
    return {key: value for key, value in values.items() if value is not None}


class CrmTools:
    """Runs the tools' documents as the caller; `stdio_token` is the token of a `crm mcp` process."""

    def __init__(self, stdio_token: str | None = None) -> None:
        self.stdio_token = stdio_token

    async def actor(self, ctx: Context | None) -> Actor:
        headers = ctx.headers if ctx is not None else None
        raw = bearer(headers.get("authorization")) if headers is not None else self.stdio_token
        actor = await actor_for_token(raw) if raw else None
        if actor is None:
            raise _refusal("UNAUTHENTICATED", REFUSED)
        return actor

    async def run(self, ctx: Context | None, document: str, **variables: Any) -> dict[str, Any]:
        context = GqlContext(actor=await self.actor(ctx), request_id=uuid.uuid4().hex[:16])
        result = await schema.execute(document, variable_values=variables, context_value=context)
        if result.errors:
            error = result.errors[0]
            extensions = error.extensions or {}
            raise _refusal(str(extensions.get("code", "INTERNAL")), error.message, extensions.get("field"))
        return result.data or {}


def _server() -> MCPServer:
    """The SDK's server, leaving the process's logging as it was: its constructor calls
    `logging.basicConfig(level=INFO)`, which would print every library's INFO lines in `crm serve`."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        return MCPServer("crm", title="CRM", instructions=INSTRUCTIONS)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def build_server(tools: CrmTools) -> MCPServer:
    server = _server()

    # Plain text results only: structured output would send every answer a second time as a JSON object.
    reads = ToolAnnotations(read_only_hint=True)
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)

    @server.tool(annotations=reads, structured_output=False,
                 description="Search customers, contacts or deals by words in their names and details")
    async def search(text: Annotated[str, Field(description="Words to look for, e.g. a name, city or email")],
                     ctx: Context, entity: SearchEntity = "customers", first: First = 10) -> str:
        data = await tools.run(ctx, documents.SEARCH[entity], search=text, first=first)
        return compact(_nodes(data[entity]))

    @server.tool(annotations=reads, structured_output=False,
                 description="Read one customer, contact, deal, task (or other activity) or campaign by id")
    async def read(entity: ReadEntity, id: Annotated[str, Field(description="The record's id")],
                   ctx: Context) -> str:
        document = documents.READ["activity" if entity == "task" else entity]
        return compact((await tools.run(ctx, document, id=id))["record"])

    @server.tool(annotations=reads, structured_output=False,
                 description="My tasks (assigned to me), soonest due first; open ones unless include_done")
    async def my_tasks(ctx: Context, include_done: bool = False, first: First = 20) -> str:
        data = await tools.run(ctx, documents.MY_TASKS, first=first, open=None if include_done else True)
        return compact(_nodes(data["activities"]))

    @server.tool(annotations=writes, structured_output=False,
                 description="Log a call, email, meeting or note on a customer, contact or deal")
    async def log_activity(
        kind: LoggedKind,
        title: Annotated[str, Field(description="One line: what happened")],
        ctx: Context,
        customer_id: OptionalId = None,
        contact_id: OptionalId = None,
        deal_id: OptionalId = None,
        description: str | None = None,
        occurred_at: Annotated[datetime | None, Field(description="When (ISO 8601); default now")] = None,
        duration_minutes: Annotated[int | None, Field(ge=0)] = None,
    ) -> str:
        entry = _provided(kind=kind.upper(), title=title, customerId=customer_id, contactId=contact_id,
                          dealId=deal_id, description=description, durationMinutes=duration_minutes,
                          occurredAt=occurred_at.isoformat() if occurred_at else None)
        return compact((await tools.run(ctx, documents.LOG_ACTIVITY, input=entry))["logActivity"])

    @server.tool(annotations=writes, structured_output=False,
                 description="Create a task (a follow-up) due at a time, for me or another user")
    async def create_task(
        title: Annotated[str, Field(description="What to do")],
        due_at: Annotated[datetime, Field(description="When it is due (ISO 8601)")],
        ctx: Context,
        customer_id: OptionalId = None,
        contact_id: OptionalId = None,
        deal_id: OptionalId = None,
        description: str | None = None,
        priority: Literal["low", "normal", "high"] | None = None,
        assignee_id: Annotated[str | None, Field(description="User id of who does it; default me")] = None,
    ) -> str:
        task = _provided(kind="TASK", title=title, dueAt=due_at.isoformat(), customerId=customer_id,
                         contactId=contact_id, dealId=deal_id, description=description,
                         priority=priority.upper() if priority else None, assigneeId=assignee_id)
        return compact((await tools.run(ctx, documents.LOG_ACTIVITY, input=task))["logActivity"])

    return server
