"""Admin → Notification settings: how you hear of reminders and the morning mail — in the app, by email one
each or collected into a daily digest — and the language and time zone of your mail (your own choice;
everyone has this section)."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import (
    changed_value,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

PREFERENCES_QUERY = """query NotificationPreferences {
  notificationPreferences { kind label inApp email digest digestible }
  me { id language timeZone }
}"""
SET_PREFERENCE = ("mutation SetPreference($input: SetNotificationPreferenceInput!) "
                  "{ setNotificationPreference(input: $input) { kind inApp email digest } }")
SET_SETTINGS = ("mutation MySettings($input: UpdateMySettingsInput!) "
                "{ updateMySettings(input: $input) { id language timeZone } }")
EMAIL_MODES = (("off", "No email"), ("each", "One email each"), ("digest", "Daily digest"))
LANGUAGES = (("", "Not set (English)"), ("en", "English"), ("de", "Deutsch"))


def email_mode(choice: dict[str, Any]) -> str:
    return "off" if not choice["email"] else "digest" if choice["digest"] else "each"


@component
def PreferenceRow(choice: dict[str, Any]) -> VdomDict:
    session = use_session()
    current, set_current = use_state(choice)
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    saved_note, set_saved_note = use_state("")

    async def save(in_app: bool, mode: str) -> None:
        try:
            saved = await gql.execute(session.actor, SET_PREFERENCE, input={
                "kind": current["kind"], "inApp": in_app, "email": mode != "off", "digest": mode == "digest"})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_problem(None)
        set_saved_note("Saved")
        set_current({**current, **saved["setNotificationPreference"]})

    async def app_changed(e: Any) -> None:
        await save(not current["inApp"], email_mode(current))

    async def mode_changed(e: Any) -> None:
        mode = changed_value(e) or "off"
        await save(current["inApp"], mode)

    kind = current["kind"]
    modes = EMAIL_MODES if current["digestible"] else EMAIL_MODES[:2]
    return html.tr(
        {"data-kind": kind},
        cell("Notification", html.strong(current["label"])),
        cell("In the app", html.label({"className": "check"}, html.input(
            {"type": "checkbox", "name": f"{kind}-inApp", "checked": current["inApp"], "onChange": app_changed}),
            "In the app")),
        cell("By email", html.select(
            {"name": f"{kind}-email", "aria-label": f"{current['label']} by email", "value": email_mode(current),
             "onChange": mode_changed},
            *(html.option({"key": value, "value": value}, text) for value, text in modes),
        ), html.span({"className": "muted saved-note", "role": "status"}, saved_note) if saved_note else None,
            error_banner(problem)),
    )


@component
def MySettings(me: dict[str, Any]) -> VdomDict:
    """Language and time zone of your mail; the time zone also decides when your morning mail comes."""
    session = use_session()
    form = use_form_errors()
    saved, set_saved = use_state(False)

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        try:
            await gql.execute(session.actor, SET_SETTINGS, input={
                "language": values.get("language") or None, "timeZone": values.get("timeZone", "").strip()})
        except gql.GqlError as error:
            form.show(error)
            set_saved(False)
            return
        form.clear()
        set_saved(True)

    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True,
         "aria-label": "Your mail"},
        field("Language of your mail", select("language", LANGUAGES, me["language"] or ""),
              form.errors.get("language"), hint="Reminders and digests are written in it; dates too"),
        field("Your time zone", text_input("timeZone", me["timeZone"], placeholder="e.g. Europe/Berlin",
                                           list="time-zones"),
              form.errors.get("timeZone"), hint="Your morning mail comes at 07:00 there"),
        html.datalist({"id": "time-zones"}, *(html.option({"key": z, "value": z}) for z in COMMON_ZONES)),
        error_banner(form.problem),
        html.div({"className": "form-actions"},
                 html.button({"className": "btn btn-primary", "type": "submit"}, "Save"),
                 html.span({"className": "muted", "role": "status"}, "Saved") if saved else None),
    )


COMMON_ZONES = ("UTC", "Europe/London", "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Paris",
                "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata",
                "Asia/Singapore", "Australia/Sydney")


@component
def NotificationSettingsSection() -> VdomDict:
    result = use_query(PREFERENCES_QUERY)
    data = result.data
    if data is None:
        return pending(result, "Loading your notification settings…")
    return html.section(
        {"aria-label": "Notification settings"},
        html.h2("How you hear of things"),
        html.p({"className": "subtle"}, "Task reminders come a day before a task is due unless the task says "
               "otherwise; the overdue mail lists your overdue tasks each morning. With the daily digest, the "
               "emails of a kind wait and come together in one email at 07:00 your time. Changes are saved at once."),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Notification settings"},
            html.thead(html.tr(html.th("Notification"), html.th("In the app"), html.th("By email"))),
            html.tbody(*(PreferenceRow(choice, key=choice["kind"]) for choice in data["notificationPreferences"])),
        )),
        html.h2("Your mail"),
        MySettings(data["me"]),
    )
