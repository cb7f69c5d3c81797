"""Random codes people read and type: campaign codes' suffixes and sellers' referral codes."""

import secrets

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0)
REFERRAL_LENGTH = 8  # 31⁸ ≈ 8.5·10¹¹ codes: guessing one that is held is hopeless, typing one is easy


def typed_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def referral_code() -> str:
    return typed_code(REFERRAL_LENGTH)
