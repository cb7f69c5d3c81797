"""What a careful form does when its save meets someone else's (CONFLICT: the record changed since the form
read it): it reads the record again, keeps the fields the user edited, takes the current values everywhere
else, and says which fields changed underneath, so the user checks them and saves again knowingly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Merge:
    shown: dict[str, str]  # what the form shows now: the user's edits, the current values elsewhere
    read: dict[str, str]  # the values read now: later edits (and a later conflict) are measured from them
    notices: dict[str, str]  # field → what changed underneath it, for the notice under that field

    def summary(self, what: str, labels: dict[str, str]) -> str:
        if not self.notices:
            return (f"Someone else saved this {what} while you were editing, but none of these fields. "
                    "Save again to apply your changes.")
        names = ", ".join(labels[key] for key in self.notices)
        return (f"Someone else saved this {what} while you were editing ({names} changed). The form now shows "
                "their values, and yours where you made changes: check the marked fields and save again.")


def merge(read: dict[str, str], mine: dict[str, str], now: dict[str, str],
          shown_as: Callable[[str, str], str]) -> Merge:
    """`read`: the values the form started from; `mine`: as the user left them; `now`: as saved meanwhile.
    `shown_as(field, value)` reads a value as the user knows it (a name for an id, "–" for nothing)."""
    edited = {key for key in read if mine.get(key, read[key]) != read[key]}
    notices = {
        key: f"Changed meanwhile to {shown_as(key, now[key])}; your entry is kept" if key in edited
        else f"Changed meanwhile (was {shown_as(key, read[key])})"
        for key in read if now[key] != read[key]
    }
    return Merge({key: mine[key] if key in edited else now[key] for key in read}, now, notices)
