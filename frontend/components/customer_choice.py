"""The customer a conversion lands on, as the lead and contact convert forms ask it: an existing customer
(picked by name) or a new one the form describes. One component, so both forms read and behave alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reactpy import html, use_state
from reactpy.types import VdomDict

from frontend.components.customer_picker import CustomerPicker
from frontend.components.ui import FormErrors, field

NOT_PICKED = "pick the customer, or create a new one"


@dataclass(frozen=True)
class CustomerChoice:
    mode: str  # "existing" or "new"
    chosen: dict[str, Any] | None
    set_mode: Callable[[str], None]
    set_chosen: Callable[[dict[str, Any] | None], None]

    @property
    def new(self) -> bool:
        return self.mode == "new"

    def customer_id(self, form: FormErrors) -> str | None:
        """The picked customer's id for the payload; None (and the form says so) when none is picked yet."""
        if self.chosen:
            return str(self.chosen["id"])
        form.set_errors({"customerId": NOT_PICKED})
        return None

    def controls(self, form: FormErrors, start: str = "") -> list[VdomDict | None]:
        """The existing/new switch and, for an existing customer, the picker (searching `start` at first);
        the caller adds the fields of a new customer under them."""
        def radio(value: str, text: str) -> VdomDict:
            return html.label({"className": "check"}, html.input({"type": "radio", "name": "mode", "value": value,
                                                                 "checked": self.mode == value,
                                                                 "onChange": lambda e: self.set_mode(value)}), text)

        return [
            html.div({"className": "field-wide segmented", "role": "radiogroup", "aria-label": "Customer"},
                     radio("existing", "Existing customer"), radio("new", "New customer")),
            field("Customer", CustomerPicker(self.chosen, self.set_chosen, start), form.errors.get("customerId"),
                  wide=True) if not self.new else None,
        ]


def use_customer_choice(current: dict[str, Any] | None) -> CustomerChoice:
    """Starts on the record's `current` customer when it has one, else on a new customer."""
    mode, set_mode = use_state("existing" if current else "new")
    chosen, set_chosen = use_state(current)
    return CustomerChoice(mode, chosen, set_mode, set_chosen)
