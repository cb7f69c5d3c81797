"""Duplicate lookups by phone and email use indexes instead of reading every customer and contact.

A phone is compared by its last nine digits (services/matching.normalise_phone): an expression index on
the digits of `phone` (stored phones hold only digits, spaces and + ( ) . - /, validate.phone), cut to nine
from the end. SQLite has no right() and PostgreSQL's substr() takes no negative start, so the expression is
written per dialect; services/search.phone_key_q writes the same expression, and tests/test_similar_customers.py
checks the query plan uses these indexes. Customers' email gets the index contacts' email already has
(emails are stored lower-cased, so a plain index serves an exact lookup).
"""

from backend.migrations.ops import per_dialect

_DIGITS = '"phone"'
for _sep in (" ", "-", ".", "(", ")", "/", "+"):
    _DIGITS = f"replace({_DIGITS}, '{_sep}', '')"


def _indexes(key: str) -> tuple[str, ...]:
    return (
        f'CREATE INDEX "idx_customer_phone_key" ON "customer" ({key})',
        f'CREATE INDEX "idx_contact_phone_key" ON "contact" ({key})',
        'CREATE INDEX "idx_customer_email" ON "customer" ("email")',
    )


apply = per_dialect(sqlite=_indexes(f"substr({_DIGITS}, -9)"), postgres=_indexes(f"right({_DIGITS}, 9)"))
