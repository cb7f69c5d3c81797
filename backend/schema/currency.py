"""Exchange rates as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(name="ExchangeRate", description="How many base-currency units one unit of a currency is worth")
class ExchangeRateType:
    currency: str = strawberry.field(description="ISO 4217 code")
    rate: str = strawberry.field(description="Base-currency units per unit, as an exact decimal string")
    is_base: bool = strawberry.field(description="The base currency (CRM_BASE_CURRENCY), always at 1")
    updated_at: datetime | None = strawberry.field(description="When an admin last set it (null for the base)")


@strawberry.input(description="Set the rate of a currency (admins)")
class SetExchangeRateInput:
    currency: str = strawberry.field(description="ISO 4217 code, not the base currency")
    rate: str = strawberry.field(description="Base-currency units per unit, e.g. \"0.92\" (a decimal string)")
