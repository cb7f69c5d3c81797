"""Every user gets a referral code when the row is made (models/users.py draws it); this gives one to each
user made before, who got theirs only when their link was first read — a query that wrote. Drawn in SQL from
the same alphabet (backend/codes.py), eight characters; the unique index refuses a repeat, which at 31⁸
codes does not come (a failed run leaves nothing half-done and draws anew when run again)."""

from backend.codes import ALPHABET, REFERRAL_LENGTH
from backend.migrations.ops import per_dialect

_N = len(ALPHABET)


def _fill(pick: str) -> str:
    code = " || ".join([f"substr('{ALPHABET}', {pick}, 1)"] * REFERRAL_LENGTH)
    return f'UPDATE "crm_user" SET "referral_code" = {code} WHERE "referral_code" IS NULL'


apply = per_dialect(
    sqlite=[_fill(f"abs(random()) % {_N} + 1")],
    postgres=[_fill(f"floor(random() * {_N})::int + 1")],
)
