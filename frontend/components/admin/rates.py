"""Admin → Exchange rates: what one unit of each currency is worth in the base currency (setExchangeRate)."""

from __future__ import annotations

from typing import Any

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import format as fmt
from frontend import gql
from frontend.components.admin.table import cell
from frontend.components.ui import error_banner, field, form_values, pending, text_input, use_form_errors
from frontend.session import use_query, use_session

RATES_QUERY = "query AdminRates { exchangeRates { currency rate isBase updatedAt } }"
SET_RATE = "mutation SetRate($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { currency rate } }"


@component
def RatesSection() -> VdomDict:
    session = use_session()
    result = use_query(RATES_QUERY)
    form = use_form_errors()
    done, set_done = use_state("")
    generation, set_generation = use_state(0)
    editing, set_editing = use_state(("", ""))  # (currency, rate) put into the form by a row's Change

    async def save(values: dict[str, Any]) -> None:
        try:
            rate = (await gql.execute(session.actor, SET_RATE, input=values))["setExchangeRate"]
        except gql.GqlError as error:
            form.show(error)
            set_done("")
            return
        form.clear()
        set_done(f"1 {rate['currency']} = {rate['rate']} {base}")
        set_editing(("", ""))
        set_generation(lambda g: g + 1)
        result.reload()

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        await save({"currency": values.get("currency", "").strip().upper(), "rate": values.get("rate", "").strip()})

    data = result.data
    if data is None:
        return pending(result, "Loading exchange rates…")
    rates = data["exchangeRates"]
    base = next((r["currency"] for r in rates if r["isBase"]), "")
    return html.section(
        {"aria-label": "Exchange rates"},
        html.p({"className": "subtle"}, f"Totals and forecasts are in {base}. A deal's currency needs a rate here."),
        html.form(
            {"onSubmit": submit, "onInput": form.edited, "className": "inline", "noValidate": True,
             "aria-label": "Set exchange rate", "key": f"rate-{generation}-{editing[0]}"},
            field("Currency", text_input("currency", editing[0], placeholder="USD", maxLength=3), form.errors.get("currency")),
            field(f"{base} per unit", text_input("rate", editing[1], placeholder="0.92", inputMode="decimal",
                                                 autoFocus=bool(editing[0])), form.errors.get("rate")),
            html.button({"className": "btn btn-primary", "type": "submit"}, "Set rate"),
            html.span({"className": "saved", "role": "status"}, f"Saved: {done}") if done else None,
        ),
        error_banner(form.problem),
        html.div({"className": "table-wrap"}, html.table(
            {"className": "table table-cards", "aria-label": "Exchange rates"},
            html.thead(html.tr(html.th("Currency"), html.th(f"{base} per unit"), html.th("Last set"), html.th(""))),
            html.tbody(*(
                html.tr({"key": r["currency"]},
                        cell("Currency", html.strong(r["currency"])),
                        cell(f"{base} per unit", r["rate"]),
                        cell("Last set", "Base currency" if r["isBase"] else fmt.moment(r["updatedAt"])),
                        cell("", None if r["isBase"] else html.button(
                            {"className": "btn btn-small", "type": "button", "aria-label": f"Change {r['currency']}",
                             "onClick": lambda e, r=r: set_editing((r["currency"], r["rate"]))}, "Change")))
                for r in rates)),
        )),
    )
