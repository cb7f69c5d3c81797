"""The GraphQL edge: the HTTP endpoint and websocket protocol, the schema root, and what guards every
operation (limits, introspection, error masking, document caches, shared subscription events)."""
