"""Trigram search over customer.search_text: FTS5 on SQLite (kept in step by triggers, whatever writes
the row), pg_trgm's GIN index on PostgreSQL."""

from backend.migrations.ops import per_dialect

apply = per_dialect(
    sqlite=[
        "CREATE VIRTUAL TABLE customer_fts USING fts5(search_text, content='customer', content_rowid='id', tokenize='trigram')",
        "INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')",
        "CREATE TRIGGER customer_fts_insert AFTER INSERT ON customer BEGIN "
        "INSERT INTO customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "CREATE TRIGGER customer_fts_delete AFTER DELETE ON customer BEGIN "
        "INSERT INTO customer_fts(customer_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        "CREATE TRIGGER customer_fts_update AFTER UPDATE OF search_text ON customer BEGIN "
        "INSERT INTO customer_fts(customer_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO customer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    ],
    postgres=[
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        'CREATE INDEX "idx_customer_search_trgm" ON "customer" USING gin ("search_text" gin_trgm_ops)',
    ],
)
