"""Small building blocks every screen uses: notices, badges, form fields with their error, tables."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast, overload

from reactpy import html, use_state
from reactpy.types import Component, VdomDict

from frontend import format as fmt
from frontend.gql import GqlError

PLAIN_WORDS = {
    "FORBIDDEN": "You are not allowed to do this.",
    "NOT_FOUND": "This no longer exists, or you cannot see it.",
    "CONFLICT": "Someone else changed this in the meantime. The latest version is shown; please try again.",
    "RATE_LIMITED": "Too many requests at once. Please wait a moment and try again.",
    "QUERY_TOO_COMPLEX": "That request is too large. Narrow the filters and try again.",
    "UNAUTHENTICATED": "Your session has ended. Please sign in again.",
}


def plain(error: GqlError) -> str:
    """An error in plain words: the server's message for bad input, a sentence per code otherwise."""
    if error.code == "BAD_USER_INPUT":
        return f"{fmt.label(error.field or '')}: {error.message}" if error.field else error.message
    if error.code == "FORBIDDEN":
        return error.message or PLAIN_WORDS["FORBIDDEN"]
    return PLAIN_WORDS.get(error.code, f"Something went wrong ({error.message}). Please try again.")


@overload
def error_banner(error: GqlError | str) -> VdomDict: ...
@overload
def error_banner(error: GqlError | str | None) -> VdomDict | None: ...
def error_banner(error: GqlError | str | None) -> VdomDict | None:
    if not error:
        return None
    text = error if isinstance(error, str) else plain(error)
    return html.div({"className": "notice notice-error", "role": "alert"}, text)


class Answer(Protocol):
    """A query's answer as far as it has come (session.Query)."""

    @property
    def error(self) -> GqlError | None: ...


def pending(answer: Answer, text: str = "Loading…") -> VdomDict:
    """What stands where a query's data will be: its error, or that it is on its way."""
    return error_banner(answer.error) if answer.error else loading(text)


def dialog_head(title: str, close: Callable[[], None]) -> VdomDict:
    """A dialog panel's title with its Cancel button."""
    return html.div({"className": "panel-head"}, html.h2(title),
                    html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: close()}, "Cancel"))


def loading(text: str = "Loading…") -> VdomDict:
    return html.div({"className": "loading", "role": "status"}, html.span({"className": "spinner"}), text)


def empty(title: str, hint: str, *actions: Any) -> VdomDict:
    return html.div({"className": "empty"}, html.strong(title), html.p(hint), *actions)


def cell(label: str, *children: Any, **attrs: Any) -> VdomDict:
    """A table cell that keeps its column's name: in a `table table-cards` the rows become cards on a phone
    (crm.css), each value beside its name. An empty label (an actions cell) shows the content alone."""
    return html.td({"data-label": label, **attrs}, *children)


def badge(value: str | None, kind: str = "") -> VdomDict:
    tone = (value or "").lower()
    return html.span({"className": f"badge badge-{kind or tone}"}, fmt.label(value))


def field(
    label: str,
    control: VdomDict | Component,
    error: str | None = None,
    hint: str | None = None,
    wide: bool = False,
    notice: str | None = None,
    required: bool = False,
    key: str | None = None,
) -> VdomDict:
    """A labelled control; its error sits right under it (the API names the field in `field`), and a notice
    (something to look at before saving, not an error) under that. `key`: for a field that comes and goes
    with the form's other choices, so the browser keeps each control's node (and what was typed in it) to
    itself instead of handing it to whichever field takes its place."""
    return html.label(
        {"className": "field" + (" field-wide" if wide else "") + (" has-error" if error else ""),
         **({"key": key} if key else {})},
        html.span({"className": "field-label"}, label,
                  html.span({"className": "field-required", "aria-hidden": "true"}, " *") if required else None),
        control,
        html.span({"className": "field-error", "role": "alert"}, error) if error else None,
        html.span({"className": "field-notice", "role": "status"}, notice) if notice else None,
        html.span({"className": "field-hint"}, hint) if hint and not error and not notice else None,
    )


def text_input(name: str, value: str = "", kind: str = "text", **attrs: Any) -> VdomDict:
    return html.input({"name": name, "type": kind, "defaultValue": value, "aria-label": name, **attrs})


def select(name: str, options: Sequence[tuple[str, str]], value: str = "", **attrs: Any) -> VdomDict:
    # Each option carries the field's name: a <select> reaches the server as its list of options.
    return html.select(
        {"name": name, "aria-label": name, **attrs},
        *(
            html.option({"value": v, "selected": v == value, "key": v or "-", "data-field": name}, text)
            for v, text in options
        ),
    )


def _control(control: Any) -> tuple[str | None, str]:
    """(name, value) of one serialized form control."""
    if isinstance(control, list):  # a <select>: its options, the chosen one marked `selected`
        options = [o for o in control if isinstance(o, dict)]
        name = next((o["dataset"]["field"] for o in options if (o.get("dataset") or {}).get("field")), None)
        return name, next((str(o.get("value", "")) for o in options if o.get("selected")), "")
    if not isinstance(control, dict):
        return None, ""
    if control.get("type") == "checkbox":
        return control.get("name"), "on" if control.get("checked") else ""
    return control.get("name"), str(control.get("value", ""))


def changed_value(event: Any) -> str:
    """The new value of the input or select that fired a change event."""
    return _control(event.get("target"))[1]


def form_values(event: Any) -> dict[str, str]:
    """The named controls of a submitted form (ReactPy sends the form as the list of its controls)."""
    target = event.get("target") or []
    controls = target if isinstance(target, list) else [v for v in target.values() if isinstance(v, (dict, list))]
    values: dict[str, str] = {}
    for control in controls:
        name, value = _control(control)
        if name and name not in values:
            values[name] = value
    return values


def awaiting(handler: Callable[..., Awaitable[None]], *args: Any) -> Callable[[Any], Awaitable[None]]:
    """An event handler that awaits `handler(*args)` (a lambda would drop the coroutine unawaited)."""

    async def on_event(event: Any) -> None:
        await handler(*args)

    return on_event


def field_errors(error: GqlError | None) -> dict[str, str]:
    """{input field: message} for a BAD_USER_INPUT error, so the form shows it next to the field."""
    if error and error.code == "BAD_USER_INPUT" and error.field:
        # A custom field keeps its whole name (`customFields.<key>`, its control's): a key may equal a built-in name.
        custom = error.field.startswith("customFields.") and error.field != "customFields.key"
        return {error.field if custom else error.field.split(".")[-1]: error.message}
    return {}


@dataclass(frozen=True)
class FormErrors:
    """A form's errors: messages under their fields, and the problem for the banner above the form."""

    errors: dict[str, str]
    problem: GqlError | None
    set_errors: Callable[[dict[str, str] | Callable[[dict[str, str]], dict[str, str]]], None]
    set_problem: Callable[[GqlError | None], None]

    def show(self, error: GqlError) -> None:
        """Next to its field if the API named one, else as the banner (never both: one error, one place)."""
        errors = field_errors(error)
        self.set_errors(errors)
        self.set_problem(None if errors else error)

    def clear(self) -> None:
        self.set_errors({})
        self.set_problem(None)

    def edited(self, event: Any) -> None:
        """A form's onInput (input events bubble up from its fields): a field's error goes once the user edits
        that field, as the message was about the value they have just replaced."""
        name = _control(event.get("target"))[0]
        if name in self.errors:
            self.set_errors(lambda errors: {key: text for key, text in errors.items() if key != name})


def use_form_errors() -> FormErrors:
    """The error state every form keeps, so each shows a failed mutation the same way."""
    errors, set_errors = use_state(cast(dict[str, str], {}))
    problem, set_problem = use_state(cast(GqlError | None, None))
    return FormErrors(errors, problem, set_errors, set_problem)
