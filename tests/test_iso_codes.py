"""Countries and currencies are whole ISO codes: a name or an unknown code is refused, never cut to size."""

import pytest

from backend.models import AuditEntry, Customer, Role
from tests.factories import error, make_customer, make_user, ok

CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id country } }"
UPDATE = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id country } }"
CREATE_DEAL = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }"
SET_RATE = "mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { currency } }"


@pytest.mark.parametrize("typed", ["Germany", "XX", "D", "DEU", "D E"])
async def test_a_country_that_is_not_an_iso_code_is_refused(db, typed):
    admin = await make_user(Role.ADMIN)
    err = await error(admin, CREATE, input={"name": "Zephyr Rail", "email": "z@zephyr.example", "country": typed})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "country"), err
    assert "ISO 3166" in err["message"]
    assert await Customer.all().count() == 0 and await AuditEntry.all().count() == 0


async def test_known_country_codes_are_kept_upper_case_and_empty_clears(db):
    admin = await make_user(Role.ADMIN)
    created = (await ok(admin, CREATE, input={"name": "Zephyr", "email": "z@zephyr.example", "country": " ge"}))
    assert created["createCustomer"]["country"] == "GE"
    c = await make_customer(admin, country="DE")
    err = await error(admin, UPDATE, input={"id": c["id"], "version": 1, "country": "Germany"})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "country")
    assert (await Customer.get(id=int(c["id"]))).country == "DE"
    cleared = await ok(admin, UPDATE, input={"id": c["id"], "version": 1, "country": ""})
    assert cleared["updateCustomer"]["country"] == ""


@pytest.mark.parametrize("code", ["ABC", "XAU", "XXX", "Euro"])
async def test_a_currency_that_is_not_an_iso_code_is_refused(db, code):
    admin = await make_user(Role.ADMIN)
    c = await make_customer(admin)
    err = await error(admin, CREATE_DEAL, input={"title": "T", "customerId": c["id"], "currency": code})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "currency"), err
    assert "ISO 4217" in err["message"]
    err = await error(admin, SET_RATE, input={"currency": code, "rate": "1.5"})
    assert (err["code"], err["field"]) == ("BAD_USER_INPUT", "currency"), err
