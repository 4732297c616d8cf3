"""Issue 7 §2: where each venue reads its tier, what happens beyond the last tier, and the
waterfall at the bankruptcy price."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from helpers import D, rounded, symbol, venue

from liqcalc.core import book
from liqcalc.core.errors import InputError, LeverageError
from liqcalc.core.position import AccountRow, Calculator, PositionSpec, evaluate_account
from liqcalc.presets.loader import load

# -- §2a: Bybit reads the tier at the mark, so at liquidation at the liquidation price ------

SEEN = PositionSpec(side="long", size=D("13.934708"), entry=D("21631.9"), mark=D("21631.9"), margin=D("3641.65"))


def test_bybit_tier_read_at_liquidation_mark_seen_case() -> None:
    """Issue 7 §2 "Seen": Bybit long 13.934708 BTC @ 21,631.9 with --margin 3641.65 printed
    21,452.989 (tier 2, read at entry); the stated rule gives 21,453.119.

    Bybit's rules (preset sources): "Initial Margin = (Position Value / Leverage) + Estimated
    Fee to Close Position", fee to close F = size x entry x (1 - 1/L) x taker (taker 0.055%);
    MM = size x mark x MMR - deduction + F, valued at the mark since 2 Sep 2025, and "the risk
    limit tier will now adjust dynamically based on the real-time Mark Price". Tiers (2026-09-25):
    1: up to 300,000, MMR 0.33%, deduction 0; 2: to 2,000,000, MMR 0.5%, deduction 510.

    By hand:
      N = q x E = 13.934708 x 21,631.9 = 301,434.2099852 (tier 2: leverage checked there);
      N/L + (N - N/L) x 0.00055 = 3,641.65  =>  N/L = (3,641.65 - 165.78881549186) / 0.99945
          = 3,477.7739602;  F = (N - N/L) x 0.00055 = 163.8760398.
      Liquidation at the mark P: 3,641.65 + q (P - E) = q P MMR - deduction + F, i.e.
          P = (N - 3,641.65 + F - deduction) / (q (1 - MMR)) = (N - N/L - deduction) / (q (1 - MMR)).
      Tier 1: P = (301,434.2099852 - 3,477.7739602) / (13.934708 x 0.9967)
              = 297,956.436025 / 13.8887234 = 21,453.1189; q x P = 298,942.95 <= 300,000: tier 1 holds it.
      Tier 2: P = (297,956.436025 - 510) / (13.934708 x 0.995) = 21,452.9893; q x P = 298,941.14 is
              not above 300,000, so tier 2 does not hold its own solution (the old answer).
    """
    preset = load("bybit")
    calc = Calculator(preset.venue, preset.symbol("BTCUSDT"))
    r = calc.evaluate(SEEN)
    assert rounded(r.liquidation_price, 3) == D("21453.119")
    assert r.tier.number == 1
    assert r.tier_at_entry is not None and r.tier_at_entry.number == 2
    # initial margin and the maximum leverage stay at entry (tier 2, 100x)
    assert r.initial_margin == D("3641.65")
    assert rounded(r.leverage, 4) == rounded(D("301434.2099852") * D("0.99945") / (D("3641.65") - D("165.78881549186")), 4)
    # the maintenance margin now is read at the mark notional, tier 2: N x 0.5% - 510 + F
    assert rounded(r.maintenance_margin, 4) == rounded(D("301434.2099852") * D("0.005") - 510 + D("163.8760398137576"), 4)


def test_bybit_leverage_above_entry_tier_maximum_is_refused() -> None:
    """Max leverage stays at entry: 301,434 USDT is in tier 2 (100x), so 120x is refused even
    though the notional at the liquidation price is in tier 1 (150x)."""
    preset = load("bybit")
    calc = Calculator(preset.venue, preset.symbol("BTCUSDT"))
    with pytest.raises(LeverageError, match="above the maximum 100x"):
        calc.evaluate(PositionSpec(side="long", size=D("13.934708"), entry=D("21631.9"), mark=D("21631.9"), leverage=D(120)))


def test_bybit_book_path_agrees_with_the_decimal_core_across_the_tier_boundary() -> None:
    """The numpy book path reads Bybit's tier at the liquidation notional as the core does."""
    preset = load("bybit")
    sym = preset.symbol("BTCUSDT")
    calc = Calculator(preset.venue, sym)
    specs = [SEEN] + [
        PositionSpec(side=side, size=D(size), entry=D("21631.9"), mark=D("21631.9"), leverage=D(lev))
        for side in ("long", "short") for size in ("13.2", "13.934708", "14.5", "80") for lev in ("20", "60", "95")
    ]
    nan = float("nan")
    cols = book.Columns(
        tuple(f"p{n}" for n in range(len(specs))),
        np.array([1.0 if s.side == "long" else -1.0 for s in specs]),
        np.array([float(s.size) for s in specs]), np.array([float(s.entry) for s in specs]),
        np.array([float(s.mark) for s in specs]),
        np.array([nan if s.margin is None else float(s.margin) for s in specs]),
        np.array([nan if s.leverage is None else float(s.leverage) for s in specs]),
        np.full(len(specs), nan),
    )
    priced = book.price_book(preset.venue, sym, cols)
    tiers_seen = set()
    for n, spec in enumerate(specs):
        r = calc.evaluate(spec)
        assert r.liquidation_price is not None
        assert abs(float(r.liquidation_price) - priced.liquidation[n]) <= 1e-9 * float(r.liquidation_price), spec
        assert int(priced.line_tier[n]) + 1 == r.tier.number, spec
        tiers_seen.add((r.tier.number, r.tier_at_entry.number if r.tier_at_entry else None))
    assert (1, 2) in tiers_seen and (2, 2) in tiers_seen and (1, 1) in tiers_seen


# -- §2b: beyond the last tier, a complete table extends it ------------------------------------

TOP = [("0", "1000000", "50", "0.01"), ("1000000", "5000000", "10", "0.05"), ("5000000", "10000000", "2", "0.25")]


def test_binance_short_beyond_last_tier_uses_the_last_tier_and_warns() -> None:
    """Issue 7 §2 "Seen": 1-2x shorts in the top tiers of Binance symbols were refused.

    BTCUSDT (preset, complete table) top tier: 1,200,000,000 to 1,800,000,000 USDT, MMR 50%,
    amount 421,482,000, 1x. Short 15,000 BTC @ 100,000 (1,500,000,000 USDT), 1x: margin
    1,500,000,000. In the last tier, extended: 1.5e9 - 15,000 (P - 100,000) = 15,000 P x 0.5 -
    421,482,000 => P = (3e9 + 421,482,000) / 22,500 = 152,065.8666..., notional 2,280,988,000
    beyond the 1.8e9 cap."""
    preset = load("binance")
    calc = Calculator(preset.venue, preset.symbol("BTCUSDT"))
    r = calc.evaluate(PositionSpec(side="short", size=D(15000), entry=D(100000), mark=D(100000), leverage=D(1)))
    assert r.liquidation_price is not None
    assert rounded(r.liquidation_price, 6) == rounded((D(3000000000) + D(421482000)) / D(22500), 6)
    assert r.tier.number == 12
    assert any("beyond BTCUSDT's last tier (tier 12" in w for w in r.warnings), r.warnings


def test_beyond_last_tier_long_in_cross_uses_the_last_tier() -> None:
    """A long whose notional at the liquidation price is above the cap (cross, others' losses
    put its liquidation price above entry) is read in the last tier, with a warning."""
    calc = Calculator(venue(), symbol(TOP))
    r = calc.evaluate(PositionSpec(side="long", size=D(90), entry=D(100000), mark=D(100000), mode="cross",
                                   wallet=D(1000000)), others_pnl=D(-3000000))
    assert r.liquidation_price is not None and r.liquidation_price * 90 > D(10000000)
    assert r.tier.number == 3
    assert any("beyond TESTUSDT's last tier" in w for w in r.warnings)


def test_beyond_last_tier_short_matches_extended_table() -> None:
    """The extended answer is the answer of the same table with the last cap removed."""
    capped = Calculator(venue(), symbol(TOP))
    open_ended = Calculator(venue(), symbol(TOP[:-1] + [("5000000", None, "2", "0.25")]))
    spec = PositionSpec(side="short", size=D(90), entry=D(100000), mark=D(100000), leverage=D(1))
    a, b = capped.evaluate(spec), open_ended.evaluate(spec)
    assert a.liquidation_price == b.liquidation_price and a.tier.number == b.tier.number == 3
    assert a.warnings and not b.warnings


def test_beyond_known_tiers_of_incomplete_table_is_still_refused() -> None:
    """A table known only in part cannot say which tier follows: still an error."""
    calc = Calculator(venue(), symbol(TOP, complete=False))
    with pytest.raises(InputError, match="last known tier") as caught:
        calc.evaluate(PositionSpec(side="short", size=D(90), entry=D(100000), mark=D(100000), leverage=D(1)))
    # named after the option that sets the backing, with the prices the known tiers hold
    assert caught.value.field == "leverage" and caught.value.key
    assert "The liquidation price must be at most" in caught.value.problem


def test_beyond_last_tier_reaches_json_warnings_and_stderr() -> None:
    from typer.testing import CliRunner

    from liqcalc.cli import app

    args = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry", "100000",
            "--size", "15000", "--leverage", "1", "--no-stale-warning"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert any("last tier" in w for w in data["warnings"])
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0
    assert "warning: the notional at the liquidation price, 2,280,988,000.00 USDT, is beyond" in table.stderr


def test_book_path_extends_the_last_tier_as_the_core() -> None:
    preset = load("binance")
    sym = preset.symbol("BTCUSDT")
    cols = book.Columns(("a", "b"), np.array([-1.0, -1.0]), np.array([15000.0, 9000.0]), np.array([100000.0] * 2),
                        np.array([100000.0] * 2), np.array([np.nan] * 2), np.array([1.0, 2.0]), np.array([np.nan] * 2))
    priced = book.price_book(preset.venue, sym, cols)
    calc = Calculator(preset.venue, sym)
    for n, (size, lev) in enumerate([(15000, 1), (9000, 2)]):
        r = calc.evaluate(PositionSpec(side="short", size=D(size), entry=D(100000), mark=D(100000), leverage=D(lev)))
        assert r.liquidation_price is not None
        assert abs(float(r.liquidation_price) - priced.liquidation[n]) <= 1e-9 * float(r.liquidation_price)


def test_account_row_beyond_last_tier_at_the_mark_uses_the_last_tier() -> None:
    calc_symbol = symbol(TOP)
    rows = [AccountRow(calc_symbol, "short", D(90), D(100000), D(120000)),
            AccountRow(calc_symbol, "long", D(1), D(100000), D(120000))]
    results = evaluate_account(venue(), D(20000000), rows)
    assert results[0].tier.number == 3
    assert any("notional at the mark price" in w for w in results[0].warnings)


# -- §2c: at the bankruptcy price equity is exactly zero ------------------------------------


@pytest.mark.parametrize(
    ("preset", "sym", "side", "size", "entry", "leverage"),
    [("hyperliquid", "BTC", "long", "0.37", "61234.7", "7"), ("hyperliquid", "BTC", "short", "1.3", "59999.9", "3"),
     ("bybit", "BTCUSDT", "long", "0.123", "64321.3", "17"), ("bybit", "BTCUSDT", "short", "2.71", "61111.1", "33"),
     ("binance", "BTCUSDT", "short", "3", "60000", "7"), ("dydx", "BTC-USD", "long", "0.7", "60001", "9")],
)
def test_bankruptcy_waterfall_has_no_residue_flows(preset: str, sym: str, side: str, size: str, entry: str,
                                                   leverage: str) -> None:
    """Issue 7 §2 "Seen": "0.000000000000000000000000001000 USDC is missing beyond the
    bankruptcy price" (hyperliquid), "0.00000000000000000000000000000004525 USDT to the
    insurance fund" (bybit). At the bankruptcy price equity is zero (Bybit: the reserved
    closing fee, which the liquidation fee takes exactly)."""
    loaded = load(preset)
    calc = Calculator(loaded.venue, loaded.symbol(sym))
    r = calc.evaluate(PositionSpec(side=side, size=D(size), entry=D(entry), mark=D(entry), leverage=D(leverage)))  # type: ignore[arg-type]
    w = next(w for w in r.waterfalls if w.label == "bankruptcy")
    assert w.shortfall == 0
    if preset == "bybit":
        assert [f.target for f in w.flows] == ["liquidator"]
        assert w.flows[0].amount == w.equity == w.surplus
    else:
        assert w.equity == 0 and w.surplus == 0 and w.flows == ()


def test_bankruptcy_equity_is_zero_with_awkward_decimals() -> None:
    """A margin that makes the bankruptcy price a repeating decimal."""
    calc = Calculator(venue(liquidation="0.01"), symbol(TOP))
    for margin in ("10000", "33333.33", "77777.77"):
        r = calc.evaluate(PositionSpec(side="long", size=D(3), entry=D("70000.7"), mark=D("70000.7"), margin=D(margin)))
        w = r.waterfalls[-1]
        assert w.label == "bankruptcy" and w.equity == Decimal(0) and w.flows == ()
