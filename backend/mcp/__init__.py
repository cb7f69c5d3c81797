"""The CRM as an MCP server: tools for assistants, over stdio (`crm mcp`) and streamable HTTP (`/mcp`).

Every tool runs a GraphQL document in-process against the API's schema as the token's user, so row
rules, limits, the write path and whatever a token may not do apply exactly as they do for the API.
"""
