"""What the GraphQL types and resolvers read through: the per-request context and DataLoaders, the columns a
selection needs, keyset pages, the visitor behind a request."""
