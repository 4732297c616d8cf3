"""`liqcalc compare` with inverse (coin-margined) venues: the same position on every venue (a
base quantity or a quote value turned into each venue's own size), every amount in its asset,
and a common USD column at the mark beside a coin's (issue 9)."""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
TRADE = ["compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--no-stale-warning"]
VENUES = ["--presets", "binance,binance-coinm,bitmex,bybit-inverse"]


def rows(*args: str) -> dict[str, dict[str, object]]:
    result = runner.invoke(app, [*TRADE, *VENUES, *args, "--json"])
    assert result.exit_code == 0, result.output
    return {row["preset"]: row for row in json.loads(result.stdout, parse_float=Decimal)["results"]}


def test_size_in_the_base_asset_is_the_same_position_in_contracts_on_an_inverse_venue() -> None:
    got = rows("--size", "1", "--leverage", "10")
    # 1 BTC at 60,000 is 60,000 USD: 600 contracts of 100 USD (Binance COIN-M), 60,000 of 1 USD (BitMEX)
    assert got["binance-coinm"]["size"] == 600 and got["binance-coinm"]["size_unit"] == "contracts"
    assert got["bitmex"]["size"] == 60000 and got["bybit-inverse"]["size"] == 60000
    assert got["binance"]["size"] == 1 and got["binance"]["size_unit"] == "BTC"
    for name in ("binance-coinm", "bitmex", "bybit-inverse"):
        row = got[name]
        assert (row["contract_type"], row["margin_asset"], row["quote_notional"]) == ("inverse", "BTC", 60000), name
        assert row["bankruptcy_price"] == Decimal("54545.4545454545"), name  # 60,000 / 1.1: the inverse answer at 10x
    assert got["binance-coinm"]["face_value"] == 100 and got["bitmex"]["face_value"] == 1
    assert (got["binance"]["contract_type"], got["binance"]["face_value"], got["binance"]["margin_asset"]) == ("linear", None, "USDT")
    # 0.1 BTC of initial margin, worth the linear venue's 6,000 USDT at the mark
    assert got["binance-coinm"]["initial_margin"] == Decimal("0.1")
    usd = got["binance-coinm"]["usd_at_mark"]
    assert isinstance(usd, dict) and usd["mark"] == 60000 and usd["initial_margin"] == 6000
    assert got["binance"]["usd_at_mark"]["initial_margin"] == got["binance"]["initial_margin"] == 6000  # type: ignore[index]


def test_notional_in_the_quote_gives_the_same_rows_as_the_size() -> None:
    assert rows("--notional", "60000", "--leverage", "10") == rows("--size", "1", "--leverage", "10")


def test_margin_in_the_quote_is_the_coin_at_the_entry_on_an_inverse_venue() -> None:
    got = rows("--size", "1", "--margin", "6000")
    assert got["binance-coinm"]["initial_margin"] == Decimal("0.1") and got["binance-coinm"]["leverage"] == 10
    assert got["binance"]["leverage"] == 10


def test_a_size_that_is_not_whole_contracts_is_kept_exact_and_said() -> None:
    result = runner.invoke(app, [*TRADE[:6], "60001", "--no-stale-warning", *VENUES, "--size", "1", "--leverage", "10",
                                 "--json"])
    row = {r["preset"]: r for r in json.loads(result.stdout, parse_float=Decimal)["results"]}["binance-coinm"]
    assert row["size"] == Decimal("600.01")  # not rounded to 600
    assert row["warnings"] == ["600.01 contracts (60,001.00 USD / 100 USD a contract) is not a whole number, and "
                               "BTCUSD_PERP trades whole contracts (600 or 601): the figures are for the exact size, "
                               "not rounded"]
    table = runner.invoke(app, [*TRADE[:6], "60001", "--no-stale-warning", *VENUES, "--size", "1", "--leverage", "10"])
    assert "• binance-coinm: 600.01 contracts (60,001.00 USD / 100 USD a contract) is not a whole number" in \
        " ".join(table.stdout.split())


def test_table_labels_each_amount_with_its_asset_to_the_satoshi_and_fits_80_columns() -> None:
    result = runner.invoke(app, [*TRADE, *VENUES, "--size", "0.0123", "--leverage", "10"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "…" not in text
    # 0.0123 BTC at 10x: 0.00123 BTC of initial margin (a cent's rounding would show 0.001230),
    # 73.80 USD at the mark; the linear venue's in USDT
    assert "0.00123 BTC" in text and "73.80 USDT" in text
    assert "738 contracts" in text and "7.38 contracts" in text and "0.0123 BTC" in text
    assert "IM in" in text and "MM in" in text  # the USD columns (their headers wrap at 80)
    assert "73.80 " in text.replace("73.80 USDT", "")


def test_fill_shows_each_venues_asset_and_the_shortfall_in_usd_at_the_mark() -> None:
    args = ["--size", "10", "--leverage", "10", "--fill", "52000", "--insurance-fund", "5000"]
    got = rows(*args)
    coinm = got["binance-coinm"]
    # 600,000 USD long at 60,000 filled at 52,000: 6,000 x 100 x (1/60,000 - 1/52,000) = -1.5385 BTC
    # against 1 BTC of margin; the fund's 5,000 USD is 0.0833 BTC at the entry
    assert abs(coinm["paid_by"]["insurance_fund"] - Decimal(5000) / 60000) <= Decimal("1e-10")  # type: ignore[index]
    assert sum(coinm["paid_by"].values()) == coinm["waterfall"]["shortfall"]  # type: ignore[union-attr,index]
    assert coinm["usd_at_mark"]["shortfall"] == Decimal("32307.6923076923")  # type: ignore[index]
    table = " ".join(runner.invoke(app, [*TRADE, *VENUES, *args]).stdout.split())
    assert "shortfall in USD" in table and "│ binance-coinm │ BTC │ 0.53846154 │ 32,307.69 │" in table


def test_a_surplus_in_a_coin_has_its_usd_column_too() -> None:
    result = runner.invoke(app, [*TRADE, "--presets", "binance,bitmex", "--size", "10", "--leverage", "10", "--fill", "56000"])
    table = " ".join(result.stdout.split())
    # 600,000 contracts x (1/60,000 - 1/56,000) = -0.7143 BTC of 1 BTC: 0.2857 BTC left, 17,142.86 USD at the mark
    assert "surplus in USD" in table and "│ bitmex │ BTC │ 0.28571429 │ 17,142.86 │" in table
    assert "│ binance │ USDT │ 20,000.00 │ 20,000.00 │" in table
