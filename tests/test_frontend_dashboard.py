"""The dashboard's short figures on chart bars must say the same amount as the table beside them."""

from __future__ import annotations

import pytest

from frontend.components.dashboard_sales import short_money


@pytest.mark.parametrize(("minor", "shown"), [
    (31_455_900, "EUR 315k"),  # EUR 314,559 in the table: once shown as "EUR 31k"
    (7_688_000, "EUR 77k"),
    (1_000_000, "EUR 10k"),
    (250_000_000, "EUR 2.5M"),
    (999_900, "EUR 9,999"),
    (-2_000_000, "EUR -20k"),
])
def test_a_bar_label_rounds_the_amount_not_a_tenth_of_it(minor: int, shown: str) -> None:
    assert short_money({"amount": minor, "currency": "EUR"}) == shown
