"""The deal form, for a new deal (from the board, a customer's Deals tab) and for editing one (the deal page).

Inputs are named as the API's fields, so an error the API names (`extensions.field`) shows under its input.
Amounts are typed in major units (12,500.50) and sent as the API's minor units.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from reactpy import component, event, html, use_state
from reactpy.types import VdomDict

from frontend import gql
from frontend.components.custom_fields import custom_controls, custom_payload, use_custom_fields
from frontend.components.customer_picker import CustomerPicker
from frontend.components.edit_conflict import Merge, merge
from frontend.components.ui import (
    changed_value,
    error_banner,
    field,
    form_values,
    select,
    text_input,
    use_form_errors,
)
from frontend.session import use_query, use_session

OPTIONS_QUERY = """
query DealFormOptions($customer: ID!, $withCustomer: Boolean!) {
  exchangeRates { currency }
  pipelines { id name isDefault stages { id name kind probability } }
  owners: users(first: 100, filter: {assignableFor: OWNER}) { edges { node { id name } } }
  customer(id: $customer) @include(if: $withCustomer) { id name contacts { id name } }
}"""
CREATE_DEAL = "mutation CreateDeal($input: CreateDealInput!) { createDeal(input: $input) { id } }"
UPDATE_DEAL = "mutation UpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { id version } }"
CURRENT_DEAL = """query DealNow($id: ID!) {
  deal(id: $id) { id version title probability expectedCloseDate amount { amount currency } contact { id name } }
}"""
# The fields the edit form changes, with their labels (a conflict names those that changed underneath).
LABELS = {"title": "Title", "contactId": "Contact", "amount": "Amount", "currency": "Currency",
          "probability": "Probability", "expectedCloseDate": "Expected close"}
NOT_AN_AMOUNT = "must be an amount such as 12500 or 12500.50"


def minor_units(typed: str) -> int | None:
    """"12,500.50" → 1250050; None for something that is no amount (the form says so at the field)."""
    cleaned = typed.replace(",", "").replace(" ", "").strip()
    try:
        value = Decimal(cleaned or "0")
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def major_units(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}".removesuffix(".00")


def form_fields(deal: dict[str, Any]) -> dict[str, str]:
    """A deal as read, as the edit form's inputs hold it (empty for a new deal)."""
    amount = deal.get("amount") or {}
    probability = deal.get("probability")
    return {"title": deal.get("title") or "", "contactId": (deal.get("contact") or {}).get("id") or "",
            "amount": major_units(amount["amount"]) if amount else "", "currency": amount.get("currency") or "",
            "probability": "" if probability is None else str(probability),
            "expectedCloseDate": deal.get("expectedCloseDate") or ""}


@component
def DealForm(done: Callable[[str | None], None], customer: dict[str, Any] | None = None,
             deal: dict[str, Any] | None = None) -> VdomDict:
    """Create a deal (`deal` None; with `customer` fixed, or picked here) or edit `deal` (as the deal page read
    it, with its version). `done(id)` after saving, `done(None)` on cancel."""
    session = use_session()
    form = use_form_errors()
    picked, set_picked = use_state(customer or (deal or {}).get("customer"))
    pipeline_id, set_pipeline_id = use_state("")
    # The version the form's values were read at: a save refused as stale reads the deal again and merges
    # (edit_conflict), and the second save, made knowingly, goes through.
    version, set_version = use_state((deal or {}).get("version", 0))
    read, _ = use_state(form_fields(deal or {}))  # not the live `deal`: a re-render would overwrite what is typed
    merged, set_merged = use_state(cast(Merge | None, None))
    options = use_query(OPTIONS_QUERY, {"customer": (picked or {}).get("id") or "0", "withCustomer": bool(picked)})
    custom = use_custom_fields("DEAL")
    data = options.data or {}
    editing = deal is not None
    # The custom values as read (None: a new deal, its controls start from the defaults); an edit sends only
    # those the user changed from them.
    custom_read = (deal or {}).get("customFields") or [] if editing else None
    pipelines = data.get("pipelines") or []
    pipeline = next((p for p in pipelines if p["id"] == pipeline_id), None) or next(
        (p for p in pipelines if p["isDefault"]), pipelines[0] if pipelines else None)
    stages = [s for s in (pipeline or {}).get("stages", []) if s["kind"] == "OPEN"]
    contacts = ((data.get("customer") or {}).get("contacts")) or []
    currencies = [r["currency"] for r in data.get("exchangeRates") or []]
    owners = [e["node"] for e in (data.get("owners") or {}).get("edges", [])]
    # A rep always owns what they create (the API decides); heads and admins pick an owner when creating.
    # Changing the owner of an existing deal is "Reassign" on the deal page.
    pick_owner = not editing and session.me["role"] != "SALES_REP" and len(owners) > 1

    @event(prevent_default=True)
    async def submit(e: Any) -> None:
        values = form_values(e)
        amount = minor_units(values.get("amount", ""))
        if amount is None:
            form.set_errors({"amount": NOT_AN_AMOUNT})
            return
        payload: dict[str, Any] = {
            "title": values.get("title", "").strip(), "amount": amount, "currency": values.get("currency") or None,
            "expectedCloseDate": values.get("expectedCloseDate") or None,
            "contactId": values.get("contactId") or None,
            "customFields": custom_payload(custom, values, session.zone, custom_read),
        }
        if values.get("probability", "").strip():
            try:
                payload["probability"] = int(values["probability"])
            except ValueError:
                form.set_errors({"probability": "must be a whole number from 0 to 100"})
                return
        if editing:
            assert deal is not None
            payload.update(id=deal["id"], version=version)
            document = UPDATE_DEAL
        else:
            if not picked:
                form.set_errors({"customerId": "Pick the customer the deal is with."})
                return
            payload.update(customerId=picked["id"], stageId=values.get("stageId") or None,
                           pipelineId=pipeline["id"] if pipeline else None)
            if pick_owner and values.get("ownerId"):
                payload["ownerId"] = values["ownerId"]
            document = CREATE_DEAL
        try:
            saved = await gql.execute(session.actor, document, input=payload)
        except gql.GqlError as error:
            if editing and error.code == "CONFLICT":
                await meanwhile(values)
            else:
                form.show(error)
            return
        # No state change here: done() unmounts the form (see pipeline.use_columns on ReactPy 2.0.0b13).
        done(saved["updateDeal" if editing else "createDeal"]["id"])

    async def meanwhile(mine: dict[str, str]) -> None:
        assert deal is not None
        try:
            current = (await gql.execute(session.actor, CURRENT_DEAL, id=deal["id"]))["deal"]
        except gql.GqlError as error:
            form.show(error)
            return
        names = {c["id"]: c["name"] for c in contacts} | ({current["contact"]["id"]: current["contact"]["name"]}
                                                          if current["contact"] else {})

        def shown_as(key: str, value: str) -> str:
            return (names.get(value, value) if key == "contactId" else value) or "–"

        form.clear()
        set_merged(merge((merged.read if merged else read), mine, form_fields(current), shown_as))
        set_version(current["version"])

    if options.data is None:
        return html.div({"className": "panel"}, error_banner(options.error) if options.error else "Loading…")
    start = merged.shown if merged else read
    notices = merged.notices if merged else {}
    errors = form.errors
    return html.div(
        {"className": "panel", "aria-label": "Edit deal" if editing else "New deal"},
        html.h2("Edit deal" if editing else "New deal"),
        html.div(  # always there: notices coming and going never move (and so remount) the form
            {"className": "form-notices"},
            html.div({"className": "notice notice-warn", "role": "status"}, merged.summary("deal", LABELS))
            if merged and not form.problem else None,
            error_banner(form.problem),
        ),
        html.div({"className": "form-grid"}, field("Customer", CustomerPicker(picked, set_picked),
                                                   errors.get("customerId"), wide=True, required=True))
        if not editing and not customer else None,
        html.form(
            # Keyed by version: after a conflict the inputs start again from the merged values.
            {"onSubmit": submit, "onInput": form.edited, "className": "form-grid", "noValidate": True,
             "key": f"form-{version}"},
            field("Title", text_input("title", start["title"], placeholder="e.g. 40 licences for the rail team"),
                  errors.get("title"), required=True, notice=notices.get("title")),
            field("Customer", html.span({"className": "field-static"}, picked["name"]))
            if customer or editing else None,
            field("Contact", select("contactId", [("", "—"), *((c["id"], c["name"]) for c in contacts)],
                                    start["contactId"]), errors.get("contactId"), notice=notices.get("contactId")),
            field("Amount", text_input("amount", start["amount"], inputMode="decimal", placeholder="0"),
                  errors.get("amount"), notice=notices.get("amount")),
            field("Currency", select("currency", [(c, c) for c in currencies],
                                     start["currency"] or (currencies[0] if currencies else "")),
                  errors.get("currency"), notice=notices.get("currency")),
            field("Probability (%)", text_input("probability", start["probability"], kind="number", min="0",
                                                max="100", placeholder="the stage's"), errors.get("probability"),
                  hint=None if editing else "Empty: the stage's default", notice=notices.get("probability")),
            field("Expected close", text_input("expectedCloseDate", start["expectedCloseDate"], kind="date"),
                  errors.get("expectedCloseDate"), notice=notices.get("expectedCloseDate")),
            field("Pipeline", select("pipelineId", [(p["id"], p["name"]) for p in pipelines], pipeline["id"],
                                     onChange=lambda e: set_pipeline_id(changed_value(e))))
            if not editing and pipeline and len(pipelines) > 1 else None,
            field("Stage", select("stageId", [(s["id"], f"{s['name']} ({s['probability']} %)") for s in stages],
                                  key=f"stages-{(pipeline or {}).get('id')}"), errors.get("stageId"))
            if not editing else None,
            field("Owner", select("ownerId", [(o["id"], o["name"]) for o in owners], session.me["id"]),
                  errors.get("ownerId")) if pick_owner else None,
            custom_controls(custom, custom_read, errors, session.zone, version),
            html.div({"className": "form-actions"},
                     html.button({"className": "btn btn-primary", "type": "submit"},
                                 "Save changes" if editing else "Create deal"),
                     html.button({"className": "btn btn-ghost", "type": "button", "onClick": lambda e: done(None)},
                                 "Cancel")),
        ),
    )
