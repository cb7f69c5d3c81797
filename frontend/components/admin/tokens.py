"""Admin → API tokens: everyone's own tokens (create, with the secret shown once, and revoke); admins also
see every working token, to revoke one when someone leaves or a secret leaks."""

from __future__ import annotations

from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import (
    empty,
    error_banner,
    field,
    form_values,
    pending,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

TOKEN_FIELDS = "id name prefix createdAt lastUsedAt expiresAt scopes user { id name email }"
# The write scopes a token may be given (READ is every token's); least privilege: none ticked at first.
WRITE_SCOPES = (("CUSTOMERS", "Customers, contacts, leads, activities"), ("DEALS", "Deals"),
                ("CAMPAIGNS", "Campaigns"), ("TICKETS", "Tickets"), ("ADMIN", "Settings and administration"))
TOKENS_QUERY = f"""
query AdminTokens($mine: ApiTokenFilter!, $all: Boolean!) {{
  mine: apiTokens(first: 100, filter: $mine) {{ edges {{ node {{ {TOKEN_FIELDS} }} }} }}
  everyone: apiTokens(first: 100, filter: {{working: true}}) @include(if: $all) {{
    totalCount edges {{ node {{ {TOKEN_FIELDS} }} }}
  }}
}}"""
CREATE_TOKEN = "mutation CreateToken($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }"
REVOKE_TOKEN = "mutation RevokeToken($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { id } }"


@component
def TokenRow(token: dict[str, Any], owner: bool, changed: Any) -> VdomDict:
    session = use_session()
    confirming, set_confirming = use_state(False)
    problem, set_problem = use_state(cast(gql.GqlError | None, None))

    async def revoke(e: Any) -> None:
        try:
            await gql.execute(session.actor, REVOKE_TOKEN, input={"id": token["id"]})
        except gql.GqlError as error:
            set_problem(error)
            return
        changed()

    return html.tr(
        {"data-token": token["name"]},
        cell("Name", html.strong(token["name"]),
                html.div({"className": "muted"}, html.code(f"crm_{token['prefix']}_…"))),
        cell("User", token["user"]["name"] if token["user"] else "–") if owner else None,
        cell("Created", fmt.moment(token["createdAt"]), nowrap=True),
        cell("Scopes", scope_badges(token["scopes"])),
        cell("Last used", fmt.moment(token["lastUsedAt"]) if token["lastUsedAt"] else html.span({"className": "muted"}, "Never"),
             nowrap=True),
        cell("Expires", fmt.day(token["expiresAt"]) if token["expiresAt"] else html.span({"className": "muted"}, "Never"),
             nowrap=True),
        cell(
            "",
            html.div({"className": "actions"},
                     html.button({"className": "btn btn-small btn-danger", "type": "button", "onClick": revoke},
                                 "Revoke now"),
                     html.button({"className": "btn btn-small btn-ghost", "type": "button",
                                  "onClick": lambda e: set_confirming(False)}, "Cancel"))
            if confirming else html.button({"className": "btn btn-small", "type": "button",
                                            "onClick": lambda e: set_confirming(True)}, "Revoke"),
            error_banner(problem),
        ),
    )


def scope_badges(scopes: list[str]) -> VdomDict:
    if scopes == ["READ"]:
        return html.span({"className": "badge badge-neutral"}, "Read only")
    return html.span({"className": "scopes"}, *(html.span({"className": "badge", "key": s}, fmt.label(s)) for s in scopes))


def token_table(label: str, tokens: list[dict[str, Any]], owner: bool, changed: Any) -> VdomDict:
    return html.div({"className": "table-wrap"}, html.table(
        {"className": "table table-cards", "aria-label": label},
        html.thead(html.tr(html.th("Name"), html.th("User") if owner else None, html.th("Created"),
                           html.th("Scopes"), html.th("Last used"), html.th("Expires"), html.th(""))),
        html.tbody(*(TokenRow(t, owner, changed, key=t["id"]) for t in tokens)),
    ))


@component
def NewToken(changed: Any) -> VdomDict:
    session = use_session()
    form = use_form_errors()
    secret, set_secret = use_state(cast(tuple[str, str] | None, None))  # (name, secret) of the token just made: shown this once

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        name = values.get("name", "").strip()
        chosen: dict[str, Any] = {"name": name, "scopes": [s for s, _ in WRITE_SCOPES if values.get(f"scope|{s}") == "on"]}
        if values.get("expiresAt"):  # a day: the token works until that day ends (UTC)
            chosen["expiresAt"] = f"{values['expiresAt']}T23:59:59+00:00"
        try:
            made = (await gql.execute(session.actor, CREATE_TOKEN, input=chosen))["createApiToken"]
        except gql.GqlError as error:
            form.show(error)
            return
        form.clear()
        set_secret((name, made["token"]))
        changed()

    if secret:
        return html.div(
            {"className": "notice notice-ok token-secret", "role": "status"},
            html.strong(f"Token “{secret[0]}” created. Copy it now: it is shown only this once."),
            html.input({"className": "snippet", "readOnly": True, "value": secret[1], "aria-label": "New token"}),
            html.p({"className": "muted"}, "Send it as the header Authorization: Bearer <token>. "
                   "It acts as you, within the scopes you chose."),
            html.button({"className": "btn btn-small", "type": "button", "onClick": lambda e: set_secret(None)},
                        "Done, I copied it"),
        )
    return html.form(
        {"onSubmit": submit, "onInput": form.edited, "className": "form-row token-form", "noValidate": True,
         "aria-label": "New token"},
        field("New token", text_input("name", placeholder="What it is for, e.g. laptop script"), form.errors.get("name")),
        field("Expires after", text_input("expiresAt", kind="date"), form.errors.get("expiresAt"),
              hint="Empty: until revoked"),
        # Not field(): a <label> around several checkboxes would tick the first wherever it is clicked.
        html.div(
            {"className": "field token-scopes", "role": "group", "aria-label": "Scopes"},
            html.span({"className": "field-label"}, "It may change"),
            html.span({"className": "checks"}, *(
                html.label({"className": "check", "key": s}, html.input({"type": "checkbox", "name": f"scope|{s}"}), text)
                for s, text in WRITE_SCOPES)),
            html.span({"className": "field-error", "role": "alert"}, form.errors["scopes"])
            if form.errors.get("scopes") else
            html.span({"className": "field-hint"}, "It always reads what you may see; nothing ticked: read only. "
                      "It never exceeds your own rights."),
        ),
        html.button({"className": "btn btn-primary", "type": "submit"}, "Create token"),
        error_banner(form.problem),
    )


@component
def TokensSection() -> VdomDict:
    session = use_session()
    admin = session.can("updateUser")  # admins may revoke anyone's token (permissions.token_rule)
    result = use_query(TOKENS_QUERY, {"mine": {"userId": session.me["id"], "working": True}, "all": admin})
    data = result.data
    if data is None:
        return pending(result, "Loading API tokens…")
    mine = [e["node"] for e in data["mine"]["edges"]]
    return html.section(
        {"aria-label": "API tokens"},
        html.h2("Your API tokens"),
        html.p({"className": "subtle"}, "A token lets a script or tool use the CRM's API as you, with your rights or fewer (its scopes). "
               "Revoke one you no longer use: it stops working at once."),
        NewToken(result.reload),
        token_table("Your API tokens", mine, False, result.reload) if mine
        else empty("No tokens yet.", "Create one for each script or tool, named after it."),
        html.h2("Everyone's working tokens") if admin else None,
        html.p({"className": "subtle"}, f"The newest 100 of {data['everyone']['totalCount']}.")
        if admin and data["everyone"]["totalCount"] > len(data["everyone"]["edges"]) else None,
        (token_table("All API tokens", [e["node"] for e in data["everyone"]["edges"]], True, result.reload)
         if data["everyone"]["edges"] else empty("No working tokens.", "Tokens users create appear here."))
        if admin else None,
    )
