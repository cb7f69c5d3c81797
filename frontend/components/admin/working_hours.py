"""Admin → Working hours: the days and local times you take meetings; booking links offer slots within
them (your own choice; everyone who books meetings has this section)."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import error_banner, field, form_values, pending, text_input, use_form_errors
from frontend.session import use_query, use_session

HOURS_FIELDS = "weekdays start end timeZone"
HOURS_QUERY = f"query WorkingHours {{ workingHours {{ {HOURS_FIELDS} }} }}"
SET_HOURS = f"mutation SetWorkingHours($input: SetWorkingHoursInput!) {{ setWorkingHours(input: $input) {{ {HOURS_FIELDS} }} }}"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hours_fields(hours: dict[str, Any], errors: dict[str, str]) -> list[VdomDict]:
    """The days and the From/To times of a week's hours ({weekdays, start, end}): a person's meeting hours here,
    the support desk's business hours (admin/support.py). Read back with `picked_days`."""
    return [
        html.fieldset(
            {"className": "field field-wide day-picks" + (" has-error" if errors.get("weekdays") else "")},
            html.legend({"className": "field-label"}, "Days"),
            *(html.label({"className": "check", "key": str(n)},
                         html.input({"type": "checkbox", "name": f"day-{n}", "defaultChecked": n in hours["weekdays"]}),
                         name)
              for n, name in enumerate(DAYS, start=1)),
            html.span({"className": "field-error", "role": "alert"}, errors["weekdays"]) if errors.get("weekdays") else None,
        ),
        field("From", text_input("start", hours["start"], kind="time", **{"aria-label": "From"}), errors.get("start")),
        field("To", text_input("end", hours["end"], kind="time", **{"aria-label": "To"}), errors.get("end")),
    ]


def picked_days(values: dict[str, str]) -> list[int]:
    return [n for n in range(1, 8) if values.get(f"day-{n}") == "on"]


@component
def WorkingHoursSection() -> VdomDict:
    session = use_session()
    result = use_query(HOURS_QUERY)
    form = use_form_errors()
    saved, set_saved = use_state("")
    data = result.data
    if data is None:
        return pending(result, "Loading your working hours…")
    hours = data["workingHours"]

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            await gql.execute(session.actor, SET_HOURS, input={
                "weekdays": picked_days(values), "start": str(values.get("start", "")).strip(),
                "end": str(values.get("end", "")).strip()})
        except gql.GqlError as error:
            form.show(error)
            set_saved("")
            return
        form.clear()
        set_saved("Working hours saved.")
        result.reload()

    return html.section(
        {"aria-label": "Working hours"},
        html.h2("Working hours"),
        html.p({"className": "subtle"}, f"Booking links you send offer free times within these hours, in your "
               f"time zone ({hours['timeZone']}); your meetings are left out."),
        html.div({"className": "notice notice-ok", "role": "status"}, saved) if saved else None,
        error_banner(form.problem),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True,
             "aria-label": "Working hours"},
            *hours_fields(hours, form.errors),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"}, "Save working hours")),
        ),
    )
