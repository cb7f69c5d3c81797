"""Attachments (issue 18): files on customers, contacts, deals and activities. One nullable foreign key per
kind of record, each cascading its record's deletion and indexed for the record's `attachments` list; the id
is random text (the file's unguessable address). The bytes live under CRM_DATA_DIR/attachments.
"""

from backend.migrations.ops import per_dialect

_indexes = [
    'CREATE INDEX "idx_attachment_activit_92ceda" ON "attachment" ("activity_id")',
    'CREATE INDEX "idx_attachment_contact_27ca76" ON "attachment" ("contact_id")',
    'CREATE INDEX "idx_attachment_custome_97f8ae" ON "attachment" ("customer_id")',
    'CREATE INDEX "idx_attachment_deal_id_86a5ad" ON "attachment" ("deal_id")',
    'CREATE INDEX "idx_attachment_uploade_179c0d" ON "attachment" ("uploaded_by_id")',
]


def _table(timestamp: str) -> str:
    return f"""CREATE TABLE "attachment" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "file_name" VARCHAR(200) NOT NULL,
    "content_type" VARCHAR(100) NOT NULL,
    "size" BIGINT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "created_at" {timestamp} NOT NULL,
    "activity_id" INT REFERENCES "activity" ("id") ON DELETE CASCADE,
    "contact_id" INT REFERENCES "contact" ("id") ON DELETE CASCADE,
    "customer_id" INT REFERENCES "customer" ("id") ON DELETE CASCADE,
    "deal_id" INT REFERENCES "deal" ("id") ON DELETE CASCADE,
    "uploaded_by_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL
)"""


apply = per_dialect(
    sqlite=[_table("TIMESTAMP"), *_indexes],
    postgres=[_table("TIMESTAMPTZ"), *_indexes],
)
