"""Admin → Webhooks: register endpoints (the secret shown once), switch them off and on, and read each one's
deliveries with every attempt (status, time taken, the answer's start), with Redeliver."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import badge, empty, error_banner, field, form_values, pending, text_input, use_form_errors
from frontend.session import use_query, use_session

HOOK_FIELDS = "id name url entities kinds active disabledReason version createdAt"
WEBHOOKS_QUERY = f"query AdminWebhooks {{ webhooks {{ {HOOK_FIELDS} }} }}"
DELIVERIES_QUERY = """
query WebhookDeliveries($id: ID!) {
  webhookDeliveries(webhookId: $id, first: 25) {
    totalCount
    edges { node { id event changeId status attempts nextAttemptAt deliveredAt createdAt
                   attemptLog { id at ok statusCode durationMs error response manual } } }
  }
}"""
CREATE_WEBHOOK = ("mutation CreateWebhook($input: CreateWebhookInput!) "
                  "{ createWebhook(input: $input) { secret webhook { id } } }")
UPDATE_WEBHOOK = ("mutation UpdateWebhook($input: UpdateWebhookInput!) "
                  "{ updateWebhook(input: $input) { secret webhook { id } } }")
DELETE_WEBHOOK = "mutation DeleteWebhook($input: DeleteWebhookInput!) { deleteWebhook(input: $input) { id } }"
REDELIVER = ("mutation Redeliver($input: RedeliverWebhookInput!) "
             "{ redeliverWebhook(input: $input) { attempt { ok statusCode error } } }")
ENTITIES = ("CUSTOMER", "CONTACT", "LEAD", "DEAL", "ACTIVITY", "TICKET")
KINDS = ("CREATED", "UPDATED", "STATUS_CHANGED", "ARCHIVED", "DELETED", "MERGED")
TONE = {"DELIVERED": "done", "PENDING": "scheduled", "FAILED": "lost"}


def _checks(label: str, prefix: str, values: tuple[str, ...], error: str | None) -> VdomDict:
    # Not field(): a <label> around several checkboxes would tick the first wherever it is clicked.
    return html.div(
        {"className": "field token-scopes", "role": "group", "aria-label": label},
        html.span({"className": "field-label"}, label),
        html.span({"className": "checks"}, *(
            html.label({"className": "check", "key": v}, html.input({"type": "checkbox", "name": f"{prefix}|{v}"}),
                       fmt.label(v)) for v in values)),
        html.span({"className": "field-error", "role": "alert"}, error) if error else
        html.span({"className": "field-hint"}, "None ticked: all"),
    )


def _secret_notice(title: str, secret: str, done: Any) -> VdomDict:
    return html.div(
        {"className": "notice notice-ok token-secret", "role": "status"},
        html.strong(f"{title} Copy the signing secret now: it is shown only this once."),
        html.input({"className": "snippet", "readOnly": True, "value": secret, "aria-label": "Signing secret"}),
        html.p({"className": "muted"}, "Your receiver checks X-CRM-Signature with it (docs/webhooks.md)."),
        html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: done()},
                    "Done, I copied it"),
    )


@component
def NewWebhook(changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    secret, set_secret = use_state(cast(tuple[str, str] | None, None))

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        name = values.get("name", "").strip()
        chosen = {"name": name, "url": values.get("url", "").strip(),
                  "secret": values.get("secret", "").strip() or None,
                  "entities": [v for v in ENTITIES if values.get(f"entity|{v}") == "on"],
                  "kinds": [v for v in KINDS if values.get(f"kind|{v}") == "on"]}
        try:
            made = (await gql.execute(session.actor, CREATE_WEBHOOK, input=chosen))["createWebhook"]
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_secret((name, made["secret"]))
        changed()

    if secret:
        return _secret_notice(f"Webhook “{secret[0]}” registered.", secret[1], lambda: set_secret(None))
    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "form-row token-form", "noValidate": True,
         "aria-label": "New webhook"},
        field("Name", text_input("name", placeholder="e.g. ERP sync"), form.errors.get("name")),
        field("URL", text_input("url", kind="url", placeholder="https://erp.example.com/hooks/crm"),
              form.errors.get("url"), hint="Public addresses only", wide=True),
        field("Secret", text_input("secret", placeholder="Empty: one is generated"), form.errors.get("secret")),
        _checks("Records", "entity", ENTITIES, form.errors.get("entities")),
        _checks("Changes", "kind", KINDS, form.errors.get("kinds")),
        html.button({"className": "btn btn-primary", "type": "submit"}, "Register webhook"),
        error_banner(form.problem),
    )


def _attempt(a: dict[str, Any]) -> VdomDict:
    what = f"HTTP {a['statusCode']}" if a["statusCode"] is not None else "no answer"
    return html.li(
        {"key": a["id"], "className": "attempt " + ("ok" if a["ok"] else "failed"), "data-attempt": a["id"]},
        badge("OK" if a["ok"] else "Failed", "done" if a["ok"] else "lost"), " ",
        html.span(f"{fmt.moment(a['at'])} · {what} · {a['durationMs']} ms"),
        html.span({"className": "muted"}, " · redelivered by hand") if a["manual"] else None,
        html.div({"className": "muted"}, a["error"]) if a["error"] and a["statusCode"] is None else None,
        html.pre({"className": "snippet response"}, a["response"]) if a["response"] else None,
    )


@component
def DeliveryRows(delivery: dict[str, Any], changed: Any) -> VdomDict:
    """A delivery's row, and under it, when opened, its attempts in a row of their own (the full width)."""
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    open_, set_open = use_state(False)

    async def redeliver(e: Any) -> None:
        try:
            await gql.execute(session.actor, REDELIVER, input={"deliveryId": delivery["id"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        set_open(True)
        changed()

    log = delivery["attemptLog"]
    last = log[0] if log else None
    answer = ((f"HTTP {last['statusCode']} in {last['durationMs']} ms" if last["statusCode"] is not None
               else last["error"].split(";")[0][:160]) if last else
              html.span({"className": "muted"}, f"next try {fmt.moment(delivery['nextAttemptAt'])}"))
    return html.tbody(
        {"data-delivery": delivery["id"]},
        html.tr(
            cell("Delivery", html.strong(delivery["event"]),
                 html.div({"className": "muted"}, f"#{delivery['id']} · change {delivery['changeId']}")),
            cell("Status", badge(delivery["status"], TONE.get(delivery["status"], ""))),
            cell("Attempts", html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                          "aria-expanded": "true" if open_ else "false", "disabled": not log,
                                          "onClick": lambda e: set_open(not open_)}, f"{len(log)} attempts")),
            cell("Last answer", answer, wrap=True),
            cell("", html.button({"className": "btn btn-small", "type": "button", "onClick": redeliver}, "Redeliver"),
                 error_banner(problem)),
        ),
        html.tr({"className": "attempt-log"}, html.td({"colSpan": 5, "data-label": "Attempts, newest first"},
                                                      html.ul({"className": "attempts"}, *(_attempt(a) for a in log))))
        if open_ else None,
    )


@component
def Deliveries(hook: dict[str, Any]) -> VdomDict:
    result = use_query(DELIVERIES_QUERY, {"id": hook["id"]})
    data = result.data
    if data is None:
        return pending(result, "Loading deliveries…")
    rows = [e["node"] for e in data["webhookDeliveries"]["edges"]]
    return html.section(
        {"aria-label": f"Deliveries of {hook['name']}"},
        html.h3(f"Deliveries of {hook['name']}"),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Deliveries"},
            html.thead(html.tr(html.th("Delivery"), html.th("Status"), html.th("Attempts"), html.th("Last answer"),
                               html.th(""))),
            *(DeliveryRows(d, result.reload, key=d["id"]) for d in rows),
        )) if rows else empty("No deliveries yet.", "Each change of the records it hears of makes one."),
        html.p({"className": "subtle"}, f"The newest 25 of {data['webhookDeliveries']['totalCount']}.")
        if data["webhookDeliveries"]["totalCount"] > len(rows) else None,
    )


@component
def WebhookRow(hook: dict[str, Any], shown: bool, show: Any, changed: Any) -> VdomDict:
    session = use_session()
    problem, set_problem = use_state(cast(gql.GqlError | None, None))
    secret, set_secret = use_state(cast(str | None, None))

    async def update(values: dict[str, Any]) -> None:
        try:
            made = (await gql.execute(session.actor, UPDATE_WEBHOOK,
                                      input={"id": hook["id"], "version": hook["version"], **values}))["updateWebhook"]
        except gql.GqlError as error:
            set_problem(error)
            return
        set_secret(made["secret"])
        changed()

    async def delete(e: Any) -> None:
        try:
            await gql.execute(session.actor, DELETE_WEBHOOK, input={"id": hook["id"], "version": hook["version"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        changed()

    async def toggle(e: Any) -> None:
        await update({"active": not hook["active"]})

    async def rotate(e: Any) -> None:
        await update({"rotateSecret": True})

    hears = [fmt.label(x) for x in hook["entities"]] or ["All records"]
    kinds = [fmt.label(x) for x in hook["kinds"]] or ["all changes"]
    return html.tr(
        {"data-webhook": hook["name"], "className": "selected" if shown else ""},
        cell("Webhook", html.strong(hook["name"]), html.div({"className": "muted"}, html.code(hook["url"])), wrap=True),
        cell("Hears", f"{', '.join(hears)}: {', '.join(kinds).lower()}", wrap=True),
        cell("Status", badge("Active", "done") if hook["active"] else
             html.span(badge("Off", "lost"), html.div({"className": "muted"}, hook["disabledReason"])), wrap=True),
        cell("", html.div(
            {"className": "actions"},
            html.button({"className": "btn btn-small" + (" btn-primary" if shown else ""), "type": "button",
                         "onClick": lambda e: show(hook["id"])}, "Deliveries"),
            html.button({"className": "btn btn-small", "type": "button", "onClick": toggle},
                        "Switch off" if hook["active"] else "Switch on"),
            html.button({"className": "btn btn-small btn-ghost", "type": "button", "onClick": rotate}, "New secret"),
            html.button({"className": "btn btn-small btn-danger", "type": "button", "onClick": delete}, "Delete"),
        ), _secret_notice("New secret made.", secret, lambda: set_secret(None)) if secret else None,
            error_banner(problem)),
    )


@component
def WebhooksSection() -> VdomDict:
    result = use_query(WEBHOOKS_QUERY)
    shown, set_shown = use_state(cast(str | None, None))
    data = result.data
    if data is None:
        return pending(result, "Loading webhooks…")
    hooks = data["webhooks"]
    chosen = next((h for h in hooks if h["id"] == shown), hooks[0] if hooks else None)
    return html.section(
        {"aria-label": "Webhooks"},
        html.h2("Webhooks"),
        html.p({"className": "subtle"},
               "Each change of the records a webhook hears of is POSTed to it as JSON, signed with its secret "
               "(X-CRM-Signature), oldest first. A failing endpoint is retried with growing pauses for a day, "
               "holding back later deliveries, then switched off and admins are told."),
        NewWebhook(result.reload),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Webhooks"},
            html.thead(html.tr(html.th("Webhook"), html.th("Hears"), html.th("Status"), html.th(""))),
            html.tbody(*(WebhookRow(h, chosen is h, set_shown, result.reload, key=h["id"]) for h in hooks)),
        )) if hooks else empty("No webhooks yet.", "Register an endpoint above to hear of changes as they commit."),
        Deliveries(chosen, key=chosen["id"]) if chosen else None,
    )
