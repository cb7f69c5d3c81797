"""Richer profiles (issue 18): a customer's logo, rating (1 to 5), social links and operations contact (the
account team's second member beside the account manager, a user); a contact's picture and social links.

The logo and picture name one of the record's own image attachments by id, without a foreign key (attachment
already references customer and contact, and Tortoise cannot create a cycle of foreign keys); deleting the
attachment clears them in the same write. Existing rows get no logo, no rating and no links.
"""

from backend.migrations.ops import per_dialect


def _steps(json: str, empty: str) -> list[str]:
    return [
        'ALTER TABLE "customer" ADD COLUMN "logo_id" VARCHAR(32)',
        'ALTER TABLE "customer" ADD COLUMN "rating" SMALLINT',
        f'ALTER TABLE "customer" ADD COLUMN "social_links" {json} NOT NULL DEFAULT {empty}',
        'ALTER TABLE "customer" ADD COLUMN "operations_contact_id" INT REFERENCES "crm_user" ("id") ON DELETE SET NULL',
        'CREATE INDEX "idx_customer_operati_95c0b2" ON "customer" ("operations_contact_id")',
        'ALTER TABLE "contact" ADD COLUMN "picture_id" VARCHAR(32)',
        f'ALTER TABLE "contact" ADD COLUMN "social_links" {json} NOT NULL DEFAULT {empty}',
    ]


apply = per_dialect(sqlite=_steps("JSON", "'[]'"), postgres=_steps("JSONB", "'[]'::jsonb"))
