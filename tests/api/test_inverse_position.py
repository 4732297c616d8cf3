"""Inverse positions through the API: the tier at an exact bound, the fill as given, and a
count of contracts that is not whole."""

from __future__ import annotations

from decimal import Decimal

import liqcalc


def test_a_value_exactly_at_a_tier_cap_is_in_that_tier() -> None:
    """3,000 contracts of 100 USD at 60,000 are 5 BTC exactly, binance-coinm's first cap: tier 1,
    125x allowed. The reciprocal of 60,000 rounded at the 34th digit made it 5.000...01 BTC and
    refused 125x as above tier 2's 100x."""
    report = liqcalc.position(preset="binance-coinm", symbol="BTCUSD_PERP", side="long", entry=60000, size=3000,
                              leverage=125, no_stale_warning=True)
    assert report.result.tier_at_entry is not None and report.result.tier_at_entry.number == 1
    assert report.to_dict()["notional"] == Decimal(5)


def test_the_fill_is_echoed_as_given_not_as_its_reciprocals_reciprocal() -> None:
    report = liqcalc.position(preset="bitmex", symbol="XBTUSD", side="long", entry=60000, size=60000, leverage=10,
                              fill=59000, no_stale_warning=True).to_dict()
    assert report["waterfall"]["fill_price"] == Decimal(59000)
    assert report["warnings"][0].startswith("fill= 59,000 is on the profitable side")


def test_a_count_of_contracts_that_is_not_whole_is_said_and_kept_exact() -> None:
    by_notional = liqcalc.position(preset="binance-coinm", symbol="BTCUSD_PERP", side="long", entry=50000,
                                   notional=150, leverage=10, no_stale_warning=True)
    assert by_notional.to_dict()["size"] == Decimal("1.5")
    assert by_notional.to_dict()["warnings"] == [
        "1.5 contracts (150.00 USD / 100 USD a contract) is not a whole number, and BTCUSD_PERP trades whole contracts "
        "(1 or 2): the figures are for the exact size, not rounded"]
    whole = liqcalc.position(preset="binance-coinm", symbol="BTCUSD_PERP", side="long", entry=50000, size=2,
                             leverage=10, no_stale_warning=True)
    assert whole.to_dict()["warnings"] == []


def test_added_margin_divided_by_one_plus_taker_is_said_where_it_is_shown() -> None:
    """Bybit's inverse UTA counts added margin ÷ (1 + taker): the margin balance's note says so
    (seen: 0.15057752 explained only as "after added margin and funding")."""
    import os
    import subprocess
    import sys
    import tempfile

    out = subprocess.run(
        [sys.executable, "-m", "liqcalc", "position", "--preset", "bybit-inverse", "--symbol", "BTCUSD", "--side", "long",
         "--entry", "50000", "--size", "60000", "--leverage", "10", "--add-margin", "0.05", "--no-stale-warning"],
        capture_output=True, text=True, cwd=tempfile.gettempdir(), env={**os.environ, "COLUMNS": "200"}, check=True,
    ).stdout
    assert "after added margin (0.05 ÷ (1 + taker 0.0550%), the venue's rule) and funding" in out


def test_compare_takes_a_preset_named_twice_once() -> None:
    report = liqcalc.compare(presets=["bitmex", "bitmex", "binance"], symbol="BTC", side="long", entry=60000, size=1,
                             leverage=10, no_stale_warning=True)
    assert [row["preset"] for row in report.to_dict()["results"]] == ["bitmex", "binance"]
