"""Exchange rates: everyone reads them (totals depend on them), admins set them."""

from __future__ import annotations

import strawberry

from backend import permissions
from backend.models import ExchangeRate
from backend.reads.context import Info
from backend.schema.currency import ExchangeRateType, SetExchangeRateInput
from backend.services import currency as service
from backend.settings import get_settings


def _shown(row: ExchangeRate) -> ExchangeRateType:
    return ExchangeRateType(currency=row.currency, rate=service.plain(row.rate), is_base=False, updated_at=row.updated_at)


def listed_rates(rows: list[ExchangeRate]) -> list[ExchangeRateType]:
    """The stored rates (by code) as the list shows them: the base currency first, at 1 (a rate stored for it is
    not shown). The compiled reads list the rows their statement read with it."""
    base = get_settings().base_currency
    return [ExchangeRateType(currency=base, rate="1", is_base=True, updated_at=None),
            *(_shown(row) for row in rows if row.currency != base)]


@strawberry.type
class CurrencyQuery:
    @strawberry.field(description="Every exchange rate, the base currency first (at 1), then by code")
    async def exchange_rates(self, info: Info) -> list[ExchangeRateType]:
        permissions.require_role(info.context.actor)
        return listed_rates(await ExchangeRate.all().order_by("currency"))


@strawberry.type
class CurrencyMutation:
    @strawberry.mutation(description="Set the exchange rate of a currency (admins)")
    async def set_exchange_rate(self, info: Info, input: SetExchangeRateInput) -> ExchangeRateType:
        return _shown(await service.set_exchange_rate(info.context.actor, input.currency, input.rate))
