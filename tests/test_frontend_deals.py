"""What the deal screens make of what users type: amounts in major units, and the board's filters from the URL."""

import pytest

from frontend.components.deal_form import major_units, minor_units
from frontend.pages.pipeline import deal_filter


@pytest.mark.parametrize(("typed", "minor"), [
    ("12,500", 1_250_000), ("12500.5", 1_250_050), (" 0.99 ", 99), ("", 0), ("1 000", 100_000),
    ("12.345", None), ("abc", None), ("NaN", None), ("Infinity", None),
])
def test_amounts_typed_in_major_units(typed, minor):
    assert minor_units(typed) == minor


def test_amounts_shown_for_editing_read_back_the_same():
    for minor in (0, 99, 1_250_000, 1_250_050):
        assert minor_units(major_units(minor)) == minor
    assert major_units(1_250_000) == "12500"


def test_board_filters_become_a_deal_filter():
    where, problems = deal_filter({"mine": "1", "owner": "7", "customer": "3", "min": "1,000", "max": "x",
                                   "from": "2030-01-01"}, me="5", pipeline_id="2")
    assert where == {"pipelineId": "2", "ownerId": ["5"], "customerId": ["3"], "amount": {"min": 100_000},
                     "expectedClose": {"start": "2030-01-01"}}
    assert problems == {"max": "Not an amount"}
    assert deal_filter({"owner": "7"}, me="5", pipeline_id=None) == ({"ownerId": ["7"]}, {})
