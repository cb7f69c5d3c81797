"""What the lists admins keep (lost reasons, high-level statuses) share: the add form's state and handler,
and the listing of loaded, failed, empty or filled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reactpy import event, html, use_state
from reactpy.types import BaseEventHandler, VdomDict

from frontend import gql
from frontend.components.ui import (
    FormErrors,
    badge,
    error_banner,
    field,
    form_values,
    pending,
    text_input,
    use_form_errors,
)
from frontend.session import Query, use_session


@dataclass(frozen=True)
class Adder:
    form: FormErrors
    generation: int  # keys the add form: a fresh, empty form after each add
    submit: BaseEventHandler


def use_adder(document: str, name: str, result: Query, extra: dict[str, Any] | None = None) -> Adder:
    """The add form of a kept list: sends its `name` input (and `extra`) to `document`, then empties and
    reloads."""
    session = use_session()
    form = use_form_errors()
    generation, set_generation = use_state(0)

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        try:
            await gql.execute(session.actor, document, input={**(extra or {}), name: form_values(e).get(name, "")})
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_generation(generation + 1)
        result.reload()

    return Adder(form, generation, submit)


def listing(result: Query, key: str, when_empty: VdomDict, row: Callable[[dict[str, Any], int], Any]) -> VdomDict:
    """The kept list under `key` of the query's answer, each entry drawn by `row(entry, how many)`."""
    items = (result.data or {}).get(key)
    if items is None:
        return pending(result)
    if not items:
        return when_empty
    return html.ul({"className": "reasons"}, *(row(item, len(items)) for item in items))


def rename_form(label: str, name: str, value: str, submit: BaseEventHandler, error: str | None,
                cancel: Callable[[], None]) -> VdomDict:
    """An entry's rename in place: its `name` input, Save and Cancel."""
    return html.form(
        {"onSubmit": submit, "className": "form-row", "noValidate": True},
        field(label, text_input(name, value, autoFocus=True, maxLength=100), error),
        html.button({"className": "btn btn-primary", "type": "submit"}, "Save"),
        html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: cancel()}, "Cancel"),
    )


def kept_entry(text: str, archived: bool, data: dict[str, str], body: VdomDict | None, actions: list[VdomDict],
               problem: Any) -> VdomDict:
    """One entry of a kept list: its text, an Archived badge and its action buttons — or `body` (its rename
    form) while renaming — with the entry's last error under it. `data`: the entry's data-* attributes."""
    line = body or html.div(
        {"className": "reason-line"},
        html.span({"className": "reason-name"}, text),
        badge("Archived", "archived") if archived else None,
        html.span({"className": "actions"}, *actions),
    )
    return html.li({"className": "reason" + (" archived" if archived else ""), **data}, line, error_banner(problem))
