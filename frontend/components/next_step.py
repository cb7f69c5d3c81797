"""The next-step dialog: a stage that requires a next step (Admin → Pipelines, rule on in Admin → Automations)
refuses a move without one, and the board's drag and drop, its stage selects and the deal page then ask for it
here. The step is sent with the move (moveDeal's nextStep): the task and the move are saved together or not at
all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from reactpy import component, event, html
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.ui import error_banner, field, form_values, text_input, use_form_errors
from frontend.session import use_session

# Saves the move with its next step: (title, due moment as ISO) → the error, if any (None once moved).
SaveStep = Callable[[str, str], Awaitable[gql.GqlError | None]]


def needs_next_step(error: gql.GqlError | None) -> bool:
    """A move refused for want of a next step (the API names the field nextStep)."""
    return error is not None and error.code == "BAD_USER_INPUT" and error.field == "nextStep"


def tomorrow_morning(zone: Any) -> str:
    """The dialog's suggested due time: tomorrow at 9:00 on the user's clock, as a datetime-local value."""
    day = datetime.now(zone) + timedelta(days=1)
    return day.replace(hour=9, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


@component
def NextStepDialog(deal: dict[str, Any], stage: dict[str, Any], save: SaveStep, cancel: Callable[[], None]) -> VdomDict:
    session = use_session()
    form = use_form_errors()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        title, due = values.get("title", "").strip(), values.get("dueAt", "").strip()
        missing = {name: "is required" for name, value in (("title", title), ("dueAt", due)) if not value}
        if missing:
            form.set_errors(missing)
            return
        error = await save(title, fmt.from_local(due, session.zone))
        if error is not None:
            form.show(error)

    label = f"Next step for {deal['title']}"
    return html.div(
        {"className": "modal-backdrop", "onKeyDown": lambda e: cancel() if e.get("key") == "Escape" else None},
        html.div({"className": "modal-scrim", "data-testid": "modal-scrim", "onClick": lambda e: cancel()}),
        html.div(
            {"className": "modal", "role": "dialog", "aria-modal": "true", "aria-label": label},
            html.h2(f"Next step for “{deal['title']}”"),
            html.p({"className": "muted"}, f"{stage['name']} needs a next step: what happens next, and by when? "
                   "It becomes a task on the deal, saved with the move."),
            html.div({"className": "form-notices"}, error_banner(form.problem)),
            html.form(
                {"onSubmit": submit, "onInput": form.edited, "noValidate": True, "aria-label": label},
                field("Next step", text_input("title", placeholder="e.g. Send the offer", maxLength=200,
                                              autoFocus=True, **{"aria-label": "Next step"}),
                      form.errors.get("title"), required=True),
                field("Due", text_input("dueAt", tomorrow_morning(session.zone), kind="datetime-local",
                                        **{"aria-label": "Next step due"}),
                      form.errors.get("dueAt"), required=True),
                html.div({"className": "form-actions"},
                         html.button({"className": "btn btn-primary", "type": "submit"}, f"Move to {stage['name']}"),
                         html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: cancel()},
                                     "Cancel")),
            ),
        ),
    )
