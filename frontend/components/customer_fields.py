"""Controls the customer forms share, so creating and editing a customer look and behave alike: the account
manager picker with its hand-over warning (industries and segments: components/pick_lists.py)."""

from __future__ import annotations

from typing import Any

from reactpy.types import VdomDict

from backend.reads.paging import MAX_FIRST
from frontend.components.ui import select

# Those the signed-in user may appoint as account manager (permissions.assignee_rule), for both forms.
ASSIGNABLE_MANAGERS = (
    f"assignable: users(first: {MAX_FIRST}, filter: {{assignableFor: ACCOUNT_MANAGER}}) {{ edges {{ node {{ id name role }} }} }}"
)


def managers(data: dict[str, Any] | None, key: str = "users") -> list[dict[str, Any]]:
    """Everyone (to filter by), or under "assignable" those the user may appoint (the new customer's picker)."""
    return [e["node"] for e in ((data or {}).get(key) or {}).get("edges", [])]


def manager_select(people: list[dict[str, Any]], me: str, value: str, **attrs: Any) -> VdomDict:
    """The account manager picker: the user listed as "Me"."""
    return select("accountManagerId", [(p["id"], "Me" if p["id"] == me else p["name"]) for p in people], value, **attrs)


def handover_notice(role: str, me: str, manager: str, people: list[dict[str, Any]], when: str = "created") -> str | None:
    """A rep edits only the customers they manage: say so before they hand one to someone else."""
    if role != "SALES_REP" or manager == me:
        return None
    name = next((p["name"] for p in people if p["id"] == manager), "them")
    return f"Once {when}, this customer is {name}'s: you will not be able to edit it."
