"""Exchange rates: everyone reads them, only admins set them, and totals follow them."""

from backend.models import AuditEntry, ExchangeRate, Role
from tests.factories import error, make_customer, make_deal, make_user, ok

RATES = "{ exchangeRates { currency rate isBase updatedAt } }"
SET = "mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { currency rate isBase updatedAt } }"


async def test_base_currency_is_listed_first_at_one(db):
    rep = await make_user(Role.SALES_REP)
    assert (await ok(rep, RATES))["exchangeRates"] == [{"currency": "EUR", "rate": "1", "isBase": True, "updatedAt": None}]


async def test_admin_sets_and_changes_a_rate_with_audit(db):
    admin = await make_user(Role.ADMIN)
    created = (await ok(admin, SET, input={"currency": "usd", "rate": "0.9200"}))["setExchangeRate"]
    assert (created["currency"], created["rate"], created["isBase"]) == ("USD", "0.92", False) and created["updatedAt"]
    await ok(admin, SET, input={"currency": "USD", "rate": "0.95"})
    await ok(admin, SET, input={"currency": "CHF", "rate": "1.05"})
    listed = (await ok(admin, RATES))["exchangeRates"]
    assert [(r["currency"], r["rate"]) for r in listed] == [("EUR", "1"), ("CHF", "1.05"), ("USD", "0.95")]
    changes = await AuditEntry.filter(action="exchange_rate.set", entity_id="USD").order_by("id").values_list("changes", flat=True)
    assert [c["rate"] for c in changes] == [[None, "0.92"], ["0.92", "0.95"]]


async def test_only_admins_set_rates_and_bad_input_writes_nothing(db):
    admin = await make_user(Role.ADMIN)
    for role in (Role.SALES_HEAD, Role.SALES_REP, Role.SUPPORT, Role.MARKETING):
        user = await make_user(role)
        assert (await error(user, SET, input={"currency": "USD", "rate": "1.1"}))["code"] == "FORBIDDEN"
    for values, field in [
        ({"currency": "EUR", "rate": "2"}, "currency"),
        ({"currency": "US", "rate": "2"}, "currency"),
        ({"currency": "USD", "rate": "abc"}, "rate"),
        ({"currency": "USD", "rate": "0"}, "rate"),
        ({"currency": "USD", "rate": "-1"}, "rate"),
        ({"currency": "USD", "rate": "NaN"}, "rate"),
    ]:
        err = await error(admin, SET, input=values)
        assert (err["code"], err["field"]) == ("BAD_USER_INPUT", field), values
    assert await ExchangeRate.all().count() == 0 and await AuditEntry.all().count() == 0


async def test_deal_totals_follow_the_rate(db):
    admin = await make_user(Role.ADMIN)
    await ok(admin, SET, input={"currency": "GBP", "rate": "1.2"})
    customer = await make_customer(admin)
    deal = await make_deal(admin, customer["id"], amount=1000, currency="GBP")
    query = "query($id: ID!) { deal(id: $id) { amountInBaseCurrency { amount currency } } }"
    assert (await ok(admin, query, id=deal["id"]))["deal"]["amountInBaseCurrency"] == {"amount": 1200, "currency": "EUR"}
    await ok(admin, SET, input={"currency": "GBP", "rate": "1.1"})
    assert (await ok(admin, query, id=deal["id"]))["deal"]["amountInBaseCurrency"]["amount"] == 1100
