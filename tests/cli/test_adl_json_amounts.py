"""adl-risk's JSON amounts are what was paid, never a float residue: no part of a shortfall
below zero (seen: "fund_paid": -1e-08 with an empty fund) and an exhausted fund pays exactly
what it held (seen: 49999.99999999 of 50,000), issue 7 §1 and §3."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

BOOK = Path(__file__).parent.parent / "assets" / "books" / "mixed-1000.csv"
PARTS = ("fund_paid", "adl_covered", "unabsorbed", "fund_left")


# okx: its preset knows BTC up to 10 BTC only, and this book holds larger rows (refused, named)
@pytest.mark.parametrize("preset", ["binance", "bybit", "bitget", "dydx", "hyperliquid"])
@pytest.mark.parametrize("fund", ["0", "50000"])
def test_sweep_parts_are_never_negative_and_an_exhausted_fund_pays_what_it_held(preset: str, fund: str) -> None:
    result = CliRunner().invoke(app, [
        "adl-risk", "--preset", preset, "--symbol", "BTC", "--side", "long", "--entry", "58000", "--size", "3",
        "--leverage", "10", "--mark", "60000", "--book", str(BOOK), "--shock", "-60:60:2", "--insurance-fund", fund,
        "--top", "1", "--json", "--no-stale-warning"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout, parse_float=Decimal)["sweep"]
    assert rows
    for row in rows:
        assert all(row[k] >= 0 for k in PARTS), row
        assert row["fund_paid"] <= row["fund_start"] + row["fund_surplus_in"], row
        assert row["shortfall"] == row["fund_paid"] + row["adl_covered"] + row["unabsorbed"], row
    exhausted = [r for r in rows if r["fund_left"] == 0 and r["shortfall"] > 0]
    assert all(r["fund_paid"] == r["fund_start"] + r["fund_surplus_in"] for r in exhausted), exhausted
