"""What people type for a country, resolved to the ISO code the CRM stores.

Names come first: two letters are a code only when typed in capitals as one ("GE"), because lower-case
"ge", "in", "no" or "au" are far more often the start of a name than a deliberate code. The aliases are
the everyday English and local names that differ from the ISO common names in iso_codes.COUNTRIES.
"""

from __future__ import annotations

from backend.iso_codes import COUNTRIES

ALIASES: dict[str, str] = {
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB",
    "turkey": "TR", "türkei": "TR", "turkiye": "TR",
    "russia": "RU", "россия": "RU",
    "czech republic": "CZ", "česko": "CZ", "ceska republika": "CZ",
    "holland": "NL", "the netherlands": "NL", "nederland": "NL",
    "deutschland": "DE", "österreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
    "españa": "ES", "italia": "IT", "sverige": "SE", "norge": "NO", "danmark": "DK", "polska": "PL",
    "suomi": "FI", "magyarország": "HU", "hellas": "GR", "ellada": "GR", "éire": "IE",
    "korea": "KR", "republic of korea": "KR", "ivory coast": "CI", "macedonia": "MK", "vatican": "VA",
    "vatican city": "VA", "palestine": "PS", "micronesia": "FM", "brunei": "BN",
    "dr congo": "CD", "democratic republic of the congo": "CD", "uae": "AE", "emirates": "AE",
}
_BY_NAME = {name.casefold(): code for code, name in COUNTRIES.items()}


def resolve_country(typed: str) -> str | None:
    """The ISO code for what was typed: "" for nothing, None when it matches no country."""
    cleaned = " ".join(typed.split())
    if not cleaned:
        return ""
    key = cleaned.casefold()
    found = _BY_NAME.get(key) or ALIASES.get(key)
    if found:
        return found
    return cleaned if cleaned.isupper() and cleaned in COUNTRIES else None
