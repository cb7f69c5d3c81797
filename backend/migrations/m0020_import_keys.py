"""Import duplicate keys on disk (issue 16): the normalised signals (email, phone, domain, name, fuzzy-name
block) of the records an import run knows, per run, so a run's memory no longer grows with the file or the
customer base. Rows are scratch: deleted when the run ends."""

from backend.migrations.ops import per_dialect


def _table(big_serial: str) -> list[str]:
    return [
        f"""CREATE TABLE "import_key" (
    "id" {big_serial},
    "scope" VARCHAR(60) NOT NULL,
    "kind" VARCHAR(1) NOT NULL,
    "key" VARCHAR(300) NOT NULL,
    "block" VARCHAR(100) NOT NULL,
    "record_id" BIGINT NOT NULL,
    CONSTRAINT "uid_import_key_scope_5eba85" UNIQUE ("scope", "kind", "key")
)""",
        'CREATE INDEX "idx_import_key_scope_951ba6" ON "import_key" ("scope", "block")',
    ]


apply = per_dialect(sqlite=_table("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"),
                    postgres=_table("BIGSERIAL NOT NULL PRIMARY KEY"))
