"""Numbers on screen and in JSON: no Decimal or float noise (issue 7, §3)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.render.numbers import dumps, json_number, quantity

NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$")
"""A JSON number as liqcalc writes it: no exponent, no trailing zeros, no leading zeros."""


@settings(deadline=None, max_examples=300)
@given(st.decimals(min_value=Decimal("-1e30"), max_value=Decimal("1e30"), allow_nan=False, allow_infinity=False))
def test_json_numbers_have_at_most_ten_decimals_and_stay_within_half_a_step(value: Decimal) -> None:
    text = json_number(value)
    assert NUMBER.match(text), text
    decimals = text.partition(".")[2]
    assert len(decimals) <= 10
    assert abs(Decimal(text) - value) <= Decimal("5e-11")


def test_decimal_noise_is_rounded_away_in_json() -> None:
    # the entry notional seen as 4999999.9999999999999999999998 USDT (issue 7, §3)
    assert json_number(Decimal("4999999.9999999999999999999998")) == "5000000"
    assert json_number(Decimal("16666666.66666666666666666667")) == "16666666.6666666667"
    assert json_number(Decimal("0.0388151682321952234")) == "0.0388151682"
    assert json_number(Decimal("1E-27")) == "0"
    assert json_number(Decimal("-0")) == "0"
    assert json_number(Decimal("1E+22")) == "10000000000000000000000"


def test_float_noise_is_rounded_away_in_json() -> None:
    # "fund_paid": 49999.99999999985 (issue 7, §3): a double's arithmetic noise, not money
    assert json_number(49999.99999999985) == "50000"
    assert json_number(0.1 + 0.2) == "0.3"
    assert json_number(-0.0) == "0"
    assert json_number(2700000.123456789) == "2700000.12346"


def test_json_has_no_literal_for_nan_or_infinity_so_they_are_null() -> None:
    assert dumps({"a": Decimal("NaN"), "b": float("inf"), "c": Decimal("-Infinity")}) == '{"a": null, "b": null, "c": null}'


def test_numpy_scalars_are_json_numbers() -> None:
    import numpy as np

    assert dumps([np.int64(3), np.float64(0.1) * 3, np.float32(0.5)]) == "[3, 0.3, 0.5]"


def test_quantity_shows_at_most_eight_decimals_without_trailing_zeros() -> None:
    # "short 16666666.66666666666666666667" (issue 7, §3)
    assert quantity(Decimal("16666666.66666666666666666667")) == "16666666.66666667"
    assert quantity(Decimal("13.934708")) == "13.934708"
    assert quantity(Decimal("0.50")) == "0.5"
    assert quantity(Decimal("150")) == "150"
    assert quantity(Decimal("1E+30")) == "1000000000000000000000000000000"


def test_quantity_at_the_symbols_step_keeps_its_decimals() -> None:
    assert quantity(Decimal("16666666.66666666666666666667"), Decimal("0.001")) == "16666666.667"
    assert quantity(Decimal("0.5"), Decimal("0.001")) == "0.500"
    assert quantity(Decimal("3.7"), Decimal("1")) == "4"


def test_a_size_too_small_to_show_is_not_shown_as_zero() -> None:
    assert quantity(Decimal("1E-20")) == "<0.00000001"
    assert quantity(Decimal("-1E-20")) == ">-0.00000001"
    assert quantity(Decimal("0")) == "0"


def test_position_json_has_no_number_with_more_than_ten_decimals() -> None:
    result = CliRunner().invoke(app, ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short",
                                      "--entry", "0.3", "--notional", "5000000", "--leverage", "3", "--json"])
    assert result.exit_code == 0, result.output
    literals: list[str] = []
    json.loads(result.stdout, parse_float=literals.append, parse_int=literals.append)
    assert "16666666.6666666667" in literals  # the size, as notional / entry
    for literal in literals:
        assert NUMBER.match(literal), literal
        assert len(literal.partition(".")[2]) <= 10, literal


@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False), min_size=1, max_size=6))
def test_cents_adding_up_prints_parts_that_add_up_to_the_printed_total(parts: list[Decimal]) -> None:
    """Seen: "31.52 (fee); 12,293.24" beside a surplus of 12,324.75 (each rounded on its own)."""
    from liqcalc.render.numbers import cents_adding_up

    total = sum(parts, Decimal(0))
    shown = cents_adding_up(parts, total)
    assert sum(shown, Decimal(0)) == total.quantize(Decimal("0.01"))
    assert all(abs(s - p) < Decimal("0.01") for s, p in zip(shown, parts, strict=True))
