"""Exchange rates (kept by admins) and conversion of amounts into the base currency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from backend import permissions
from backend.auth.actor import Actor
from backend.errors import BadUserInput
from backend.models import ExchangeRate
from backend.permissions import Action
from backend.services import validate as v
from backend.services.unit import write
from backend.settings import get_settings


async def rates() -> dict[str, Decimal]:
    """Every rate, base currency included at 1 (one statement)."""
    return (await dated_rates())[0]


async def dated_rates() -> tuple[dict[str, Decimal], dict[str, datetime]]:
    """Every rate (base currency included at 1) and when an admin set each one: reports show the rates'
    date next to converted figures (one statement)."""
    rows = await ExchangeRate.all()
    return table_of({row.currency: row.rate for row in rows}), {row.currency: row.updated_at for row in rows}


def table_of(stored: dict[str, Decimal]) -> dict[str, Decimal]:
    """The rate table to_base reads, from the stored rates: the base currency counts at 1, whatever is stored."""
    return {**stored, get_settings().base_currency: Decimal(1)}


STEP = Decimal("0.00000001")  # the column's eight decimal places


def plain(rate: Decimal) -> str:
    """A rate as clients read it: exact, without the column's trailing zeros (0.92, not 0.92000000)."""
    return format(rate.normalize(), "f")


def to_base(amount: int, currency: str, table: dict[str, Decimal]) -> int:
    """Minor units of `currency` to minor units of the base currency; unknown currencies count as 0."""
    rate = table.get(currency)
    if rate is None:
        return 0
    return int((Decimal(amount) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


async def set_exchange_rate(actor: Actor, currency: str | None, rate: str | float | Decimal | None) -> ExchangeRate:
    permissions.require(actor, Action.SET_EXCHANGE_RATE)
    code = v.currency("currency", currency)
    if code == get_settings().base_currency:
        raise BadUserInput("currency", f"{code} is the base currency; its rate is always 1")
    try:
        value = Decimal(v.text("rate", str(rate), max_length=40))
    except InvalidOperation:
        raise BadUserInput("rate", f"{rate!r} is not a number") from None
    if not value.is_finite() or not Decimal("0.00000001") <= value <= Decimal("1000000000"):
        raise BadUserInput("rate", "must be a positive number of base-currency units per unit")
    value = value.quantize(STEP)  # what the column keeps, so the audit shows what was stored
    async with write(actor) as unit:
        existing = await ExchangeRate.get_or_none(currency=code)
        if existing:
            # A queryset update skips auto_now: set the time explicitly.
            await ExchangeRate.filter(currency=code).update(
                rate=value, updated_by_id=actor.user_id, updated_at=datetime.now(UTC)
            )
        else:
            await ExchangeRate.create(currency=code, rate=value, updated_by_id=actor.user_id)
        old = plain(existing.rate) if existing else None
        await unit.audit("exchange_rate.set", "exchange_rate", code, {"rate": [old, plain(value)]})
    return await ExchangeRate.get(currency=code)
