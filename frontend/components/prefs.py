"""Choices a browser remembers between visits (static/prefs.js keeps them in its localStorage): they are
the user's taste on that device, such as which columns a list shows, not data the CRM stores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from reactpy import use_state
from reactpy.reactjs import component_from_file
from reactpy.types import VdomDict

BrowserPref = component_from_file(
    Path(__file__).parent.parent / "static" / "prefs.js", "Pref", name="crm-prefs", allow_children=False
)


def use_browser_pref(
    name: str, default: str
) -> tuple[str, Callable[[Callable[[str | None], str]], None], VdomDict]:
    """(value, change, element): the value this browser stored under `name` (else `default`); `change(f)` stores
    f(latest value, None before the browser answered); the element does the storing, rendered anywhere."""
    value, set_value = use_state(cast(str | None, None))  # None until the browser has said what it remembers

    def loaded(event: dict[str, str | None]) -> None:
        stored = event.get("stored")
        set_value(stored if isinstance(stored, str) else default)

    element = BrowserPref({"name": name, "value": value, "onLoad": loaded})
    return (value if value is not None else default), set_value, element
