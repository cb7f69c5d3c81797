"""The archived customers, as a partial index of their ids (issue 18): an admin's customer list filtered by custom
fields alone is counted in custom_value's covering index less the archived holders (resolvers.customers.
counted_in_values), and those are read here, a few entries, rather than by a scan of every customer. Partial:
the customers in use, nearly all of them, add no entry and no cost to their writes.

The condition is written as Tortoise writes `archived_at__isnull=False`: SQLite uses a partial index only for
a query whose condition is the index's own, term for term (`IS NOT NULL` would leave it unused); PostgreSQL
reads both forms as one.
"""

from backend.migrations.ops import sql

apply = sql('CREATE INDEX "idx_customer_archived" ON "customer" ("id") WHERE NOT "archived_at" IS NULL')
