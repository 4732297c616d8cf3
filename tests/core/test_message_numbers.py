"""Numbers in errors and warnings read like the tables (issue 7, finding 7): grouped, at the
quote's precision, never ``Decimal('...')``, never an exponent."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from hypothesis import given as given_values
from hypothesis import settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.core.errors import InputError
from liqcalc.core.numbers import given, money_text, price_text, shown, size_text, to_decimal
from liqcalc.render.numbers import money, price

BTC = ["--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--no-stale-warning"]
RAW = re.compile(r"Decimal\(|\d[eE][+-]?\d|\d{5,}")


def run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin)


@settings(max_examples=200, deadline=None)
@given_values(st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, allow_infinity=False))
def test_message_prices_and_amounts_read_like_the_tables(value: Decimal) -> None:
    assert price_text(value) == price(value)
    assert money_text(value) == money(value)


def test_message_sizes_are_grouped_without_trailing_zeros_or_exponent() -> None:
    assert size_text(Decimal("29508.196721311475")) == "29,508.19672131"
    assert size_text(Decimal("3E+5")) == "300,000"
    assert given(Decimal("1E+9")) == "1,000,000,000"
    assert given(Decimal("0.4500")) == "0.4500"
    assert shown(Decimal("1E+5")) == "100,000"
    assert shown("BTC\nUSDT") == "'BTC\\nUSDT'"


def test_funding_that_bankrupts_the_position_is_shown_grouped() -> None:
    """Seen: "funding 1E+9 leaves -999988000"."""
    result = run("position", *BTC, "--entry", "60000", "--size", "1", "--leverage", "20", "--funding", "1e9")
    assert result.exit_code == 1
    assert result.stderr == ("liqcalc: error: --funding: funding 1,000,000,000 leaves -999,997,000.00 USDT of margin: the "
                             "position is already bankrupt\n")


def test_batch_line_out_of_range_never_shows_decimal_repr() -> None:
    """Seen: "entry: Decimal('1E+400') is out of range"."""
    result = run("position", *BTC, "--size", "1", "--leverage", "20", "--input", "-", stdin='{"entry": 1e400}\n')
    error = json.loads(result.stdout)["error"]
    assert error == "entry: 1e400 is out of range (between 1e-30 and 1e30 in size)"
    assert "Decimal" not in error
    digits = run("position", *BTC, "--size", "1", "--leverage", "20", "--input", "-", stdin='{"entry": 1' + "0" * 400 + "}\n")
    assert json.loads(digits.stdout)["error"] == "entry: 1e400 is out of range (between 1e-30 and 1e30 in size)"
    try:
        to_decimal(Decimal("-2.5E-400"), "mark")
    except InputError as caught:
        assert str(caught).startswith("mark: -2.5e-400 is out of range")


def test_fill_warning_shows_the_liquidation_price_like_the_table() -> None:
    """Seen (compare ... --fill 52000): "the liquidation price 40160.64257028"."""
    result = run("position", *BTC, "--entry", "60000", "--size", "10", "--leverage", "3", "--fill", "52000")
    assert result.exit_code == 0, result.output
    assert ("liqcalc: warning: --fill 52,000 is on the profitable side of the liquidation price 40,170.85: a "
            "liquidation order fills") in result.stderr


def test_entry_notional_beyond_the_table_and_leverage_above_the_maximum_are_grouped() -> None:
    """Seen: "entry notional 6100000000 USDT", "at 60000 USD notional"."""
    beyond = run("position", *BTC, "--entry", "61000", "--size", "100000", "--leverage", "20")
    assert beyond.stderr == ("liqcalc: error: --size: BTCUSDT: the entry notional 6,100,000,000.00 USDT is beyond the "
                             "largest position the venue allows (1,800,000,000.00 USDT, tier 12); give a size of at most "
                             "29,508.19672131 at the entry 61,000 (1,800,000,000.00 USDT / 61,000)\n")
    above = run("position", "--preset", "dydx", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
                "--leverage", "200", "--no-stale-warning")
    assert above.stderr == ("liqcalc: error: --leverage: leverage 200x is above the maximum 50x for BTC-USD at "
                            "60,000.00 USD notional (tier 1)\n")


def test_number_refusals_show_the_number_read_not_its_repr() -> None:
    line = json.dumps({"entry": 60000, "size": 1, "leverage": 20, "mmr": 2}).replace("2}", "2E+0}")
    result = run("position", *BTC, "--input", "-", stdin=line + "\n")
    assert json.loads(result.stdout)["error"] == "mmr: must be below 1 (a rate: 0.004 is 0.4%), got 2"
    negative = run("position", *BTC, "--input", "-", stdin='{"entry": -1e20, "size": 1, "leverage": 20}\n')
    error = json.loads(negative.stdout)["error"]
    assert error == "entry: must be greater than 0, got -100,000,000,000,000,000,000"


def test_no_position_message_echoes_a_raw_decimal() -> None:
    cases = [
        ["--entry", "60000", "--size", "1", "--leverage", "20", "--funding", "12345678.123456789"],
        ["--entry", "61000", "--size", "100000", "--leverage", "20"],
        ["--entry", "60000", "--size", "10", "--leverage", "3", "--fill", "52000"],
        ["--entry", "60000", "--size", "1", "--leverage", "500"],
    ]
    for args in cases:
        result = run("position", *BTC, *args)
        numbers = re.sub(r"\d{1,3}(,\d{3})+|\.\d+", "n", result.stderr)
        assert not RAW.search(numbers), result.stderr


def test_batch_line_number_where_text_is_expected_is_shown_as_a_number() -> None:
    """A JSON number read as Decimal was echoed as its repr: "symbol: expected text, got Decimal('1.5')"."""
    cases = {'{"symbol": 1.5}': "symbol: expected text, got 1.5",
             '{"mode": 1e5}': "mode: expected text, got 100,000",
             '{"can_pay": [5.5]}': "can_pay: expected PARTY=AMOUNT text (or a list of them), got 5.5"}
    for line, error in cases.items():
        result = run("position", *BTC, "--entry", "60000", "--size", "1", "--leverage", "20", "--input", "-",
                     stdin=line + "\n")
        assert json.loads(result.stdout)["error"] == error
