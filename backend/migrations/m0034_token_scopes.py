"""Scoped API tokens (issue 21): a token's scopes (TokenScope values, a JSON list) and an optional expiry.
Tokens that exist keep their user's full rights: every scope is their default. An import job keeps the scopes
of the token that started it (null: started from a session or the command line)."""

from backend.migrations.ops import per_dialect

_ALL = '\'["read", "customers", "deals", "campaigns", "tickets", "admin"]\''

apply = per_dialect(
    sqlite=[
        f'ALTER TABLE "api_token" ADD COLUMN "scopes" JSON NOT NULL DEFAULT {_ALL}',
        'ALTER TABLE "api_token" ADD COLUMN "expires_at" TIMESTAMP',
        'ALTER TABLE "import_job" ADD COLUMN "scopes" JSON',
    ],
    postgres=[
        f'ALTER TABLE "api_token" ADD COLUMN "scopes" JSONB NOT NULL DEFAULT {_ALL}::jsonb',
        'ALTER TABLE "api_token" ADD COLUMN "expires_at" TIMESTAMPTZ',
        'ALTER TABLE "import_job" ADD COLUMN "scopes" JSONB',
    ],
)
