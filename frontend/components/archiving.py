"""Archive and restore on a customer's or contact's page, and the notice an archived record shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from reactpy import component, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import error_banner
from frontend.session import use_session

MUTATION = "mutation Archive($input: ArchiveInput!) {{ {name}(input: $input) {{ id archivedAt }} }}"


def archived_notice(record: dict[str, Any], base: str) -> VdomDict | None:
    """Says the record is archived, and where it went when it was merged into another (`base`: /customers)."""
    if not record.get("archivedAt"):
        return None
    if record.get("mergedIntoId"):
        return html.p({"className": "notice notice-warn", "role": "status"},
                      f"Merged on {fmt.day(record['archivedAt'])} into ",
                      html.a({"href": f"{base}/{record['mergedIntoId']}"}, "the record kept"),
                      ", which now holds its history.")
    return html.p({"className": "notice notice-warn", "role": "status"},
                  f"Archived on {fmt.day(record['archivedAt'])}: left out of lists, history kept. Restore brings it back.")


@component
def ArchiveButton(entity: str, record: dict[str, Any], done: Callable[[], None]) -> VdomDict:
    """`entity`: Customer or Contact. Merged records are not restored (their rows live on the kept one)."""
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    archived = bool(record.get("archivedAt"))
    if archived and record.get("mergedIntoId"):
        return html.span()
    name = f"{'restore' if archived else 'archive'}{entity}"

    async def click(_: Any) -> None:
        try:
            await gql.execute(session.actor, MUTATION.format(name=name),
                              input={"id": record["id"], "version": record["version"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        done()

    return html.span(
        {"className": "archive-control"},
        html.button({"className": "btn", "type": "button", "onClick": click}, "Restore" if archived else "Archive"),
        error_banner(problem),
    )
