"""Admin → Automations: the rules the CRM runs by itself, each switched on or off, and the task each one makes
(title, due offset, assignee). Which stages require a next step is set per stage in Admin → Pipelines."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.ui import (
    badge,
    error_banner,
    field,
    form_values,
    pending,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

RULES_QUERY = (
    "query AdminAutomations { automationRules { id key name enabled titleTemplate dueInDays assigneeRule "
    "assigneeRules placeholders version updatedAt } }"
)
UPDATE_RULE = (
    "mutation UpdateAutomationRule($input: UpdateAutomationRuleInput!) { updateAutomationRule(input: $input) "
    "{ id enabled version } }"
)
ASSIGNEES = {
    "LEAST_BUSY_SUPPORT": "Least busy support user",
    "CONTACT_OWNER": "The contact's owner",
    "ACCOUNT_MANAGER": "The account manager",
    "DEAL_OWNER": "The deal's owner",
}
WHAT = {
    "new_contact_call": "When a contact is added, someone calls them: by default the support user with the fewest "
                        "open tasks; without a support user, the contact's owner (and the other way round).",
    "customer_activation": "When a customer is created, or a contact is converted at a customer that is not active "
                           "yet, its account manager gets a task to activate it (one at a time).",
    "deal_next_step": "Moving a deal into a stage marked “Needs a next step” (Admin → Pipelines) asks for one: an "
                      "open task with a due date on the deal, or one given with the move.",
}


def rule_changes(rule: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """What the admin changed in a rule's form (the switch has its own button)."""
    wanted: dict[str, Any] = {}
    if rule["placeholders"]:
        wanted["titleTemplate"] = values.get("titleTemplate", "").strip()
        days = values.get("dueInDays", "").strip()
        wanted["dueInDays"] = int(days) if days.lstrip("-").isdigit() else days
    if rule["assigneeRules"]:
        wanted["assigneeRule"] = values.get("assigneeRule") or rule["assigneeRule"]
    return {key: value for key, value in wanted.items() if value != rule.get(key)}


@component
def RuleCard(rule: dict[str, Any], changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    saved, set_saved = use_state("")
    stored = f"{rule['id']}-{rule['version']}"

    async def send(values: dict[str, Any], done: str) -> None:
        try:
            await gql.execute(session.actor, UPDATE_RULE, input={"id": rule["id"], "version": rule["version"], **values})
        except gql.GqlError as error:
            form.show(error)
            set_saved("")
            if error.code == "CONFLICT":
                changed()
            return
        form.clear()
        set_saved(done)
        changed()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = rule_changes(rule, form_values(e))
        if isinstance(values.get("dueInDays"), str):
            form.set_errors({"dueInDays": "must be a whole number of days from 0 to 365"})
            return
        if values:
            await send(values, "Saved")

    async def toggle(e: Any) -> None:
        await send({"enabled": not rule["enabled"]}, "Switched on" if not rule["enabled"] else "Switched off")

    name = rule["name"]
    makes_task = bool(rule["placeholders"])
    words = ", ".join(f"{{{p}}}" for p in rule["placeholders"])
    return html.article(
        {"className": "panel automation" + ("" if rule["enabled"] else " automation-off"), "data-rule": rule["key"],
         "aria-label": name},
        html.div(
            {"className": "automation-head"},
            html.h2(name),
            badge("On" if rule["enabled"] else "Off", "active" if rule["enabled"] else "inactive"),
            html.button({"className": "btn btn-small" + ("" if rule["enabled"] else " btn-primary"), "type": "button",
                         "role": "switch", "aria-checked": "true" if rule["enabled"] else "false",
                         "aria-label": f"{name}: switched {'on' if rule['enabled'] else 'off'}", "onClick": toggle},
                        "Switch off" if rule["enabled"] else "Switch on"),
            html.span({"className": "saved", "role": "status"}, saved) if saved else None,
        ),
        html.p({"className": "subtle"}, WHAT.get(rule["key"], "")),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "automation-form", "noValidate": True,
             "aria-label": f"Task of {name}", "key": f"form-{stored}"},
            field("Task title", text_input("titleTemplate", rule["titleTemplate"], maxLength=200,
                                           **{"aria-label": f"Task title of {name}"}),
                  form.errors.get("titleTemplate"), hint=f"Placeholders: {words}", wide=True),
            field("Due after (days)", text_input("dueInDays", str(rule["dueInDays"]), kind="number", min=0, max=365,
                                                 **{"aria-label": f"Due after days of {name}"}),
                  form.errors.get("dueInDays")),
            field("Assign to", select("assigneeRule", [(a, ASSIGNEES.get(a, a)) for a in rule["assigneeRules"]],
                                      rule["assigneeRule"] or "", **{"aria-label": f"Assign to of {name}"}),
                  form.errors.get("assigneeRule")) if len(rule["assigneeRules"]) > 1 else
            field("Assign to", html.span({"className": "static"}, ASSIGNEES.get(rule["assigneeRule"] or "", "")))
            if rule["assigneeRule"] else None,
            html.div({"className": "actions"}, html.button({"className": "btn btn-primary", "type": "submit"}, "Save")),
        ) if makes_task else None,
        error_banner(form.problem),
    )


@component
def AutomationsSection() -> VdomDict:
    result = use_query(RULES_QUERY)
    data = result.data
    if data is None:
        return pending(result, "Loading automations…")
    return html.section(
        {"aria-label": "Automations"},
        html.p({"className": "subtle"}, "Rules run with the change that triggers them: the task exists exactly when "
               "the change is saved, is logged as made by the rule, and its assignee is notified. Imports and the "
               "demo data trigger none."),
        *(RuleCard(r, result.reload, key=f"rule-{r['id']}") for r in data["automationRules"]),
    )
