"""How a lost reason reads: a deal or lead keeps "<listed reason>: <details>" in lostReason (so clients that read
only that text see both); people read it as "Price too high (cheaper offer)", without colons stacking up."""

from __future__ import annotations


def readable(text: str, listed: str | None) -> str:
    """`text` as a person reads it, given the name of the reason picked from the list (None: free text only)."""
    if listed and text.startswith(f"{listed}: "):
        return f"{listed} ({text[len(listed) + 2:]})"
    return text
