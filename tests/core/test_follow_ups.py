"""Issue 7 follow-ups in the core: a mark beyond a table known in part is a named error (a
complete table extends its last tier), ``adl.maintenance_at`` follows the same rule, echoed
numbers are the Decimals given, and the shortfall waterfall asks the venue's ADL price rule who
pays what the fund leaves (the same split as ``adl-risk``'s attribution)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from helpers import D, symbol, venue
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcalc.core import adl
from liqcalc.core.errors import InputError
from liqcalc.core.model import Venue, Waterfall
from liqcalc.core.position import AccountRow, Calculator, PositionSpec, evaluate_account
from liqcalc.core.tiers import echo
from liqcalc.core.waterfall import settle
from liqcalc.presets.loader import load

# A two-tier table: 0-100,000 at 1%, 100,000-500,000 at 2.5%.
ROWS = [("0", "100000", "50", "0.01"), ("100000", "500000", "20", "0.025")]
PARTIAL = symbol(ROWS, complete=False)
COMPLETE = symbol(ROWS, complete=True)
LONG = PositionSpec(side="long", size=D(1), entry=D(60000), mark=D(60000), leverage=D(20))


# -- 1. the mark beyond the table --------------------------------------------------------------


def test_mark_beyond_a_partial_table_names_the_mark_and_the_largest_valid_mark() -> None:
    with pytest.raises(InputError) as caught:
        Calculator(venue(), PARTIAL).evaluate(dataclasses.replace(LONG, mark=D("1e12")))
    error = caught.value
    assert error.field == "mark" and error.key  # the input's key: each caller names it
    assert str(error).startswith("--mark: TESTUSDT: the notional at the mark price 1,000,000,000,000.00 USDT is beyond the last "
                                 "known tier (tier 2, up to 500,000.00 USDT)")
    assert "Give a mark of at most 500,000.00 (500,000.00 USDT / size 1)" in str(error)
    assert "\n" not in str(error)


def test_mark_beyond_a_partial_table_gives_the_mark_per_unit_of_size() -> None:
    with pytest.raises(InputError, match=r"Give a mark of at most 200,000.00 \(500,000.00 USDT / size 2.5\)"):
        Calculator(venue(), PARTIAL).evaluate(PositionSpec(side="short", size=D("2.5"), entry=D(30000),
                                                           mark=D(250000), leverage=D(10)))


def test_mark_beyond_a_complete_table_extends_its_last_tier_with_a_warning() -> None:
    result = Calculator(venue(), COMPLETE).evaluate(dataclasses.replace(LONG, mark=D("1e12")))
    assert result.tier_at_mark.number == 2
    assert result.maintenance_margin == D("1e12") * D("0.025") - COMPLETE.tiers[1].maint_amount
    assert any("notional at the mark price" in w and "beyond TESTUSDT's last tier" in w for w in result.warnings)


def test_mark_inside_a_partial_table_is_still_accepted() -> None:
    result = Calculator(venue(), PARTIAL).evaluate(dataclasses.replace(LONG, mark=D(500000)))
    assert result.tier_at_mark.number == 2


def test_account_row_mark_beyond_a_partial_table_names_the_row_field() -> None:
    rows = [AccountRow(PARTIAL, "long", D(1), D(60000), D(60000)), AccountRow(PARTIAL, "long", D(1), D(60000), D("1e7"))]
    with pytest.raises(InputError) as caught:
        evaluate_account(venue(), D(10000), rows)
    assert caught.value.field == "positions[1].mark"
    assert "Give a mark of at most 500,000.00" in str(caught.value)


# -- 2. numbers echoed as the Decimals given ----------------------------------------------------


@pytest.mark.parametrize(("given_value", "shown"), [
    (D("0.45"), "0.45"), (D("4.5e-1"), "0.45"), (D("0.4500"), "0.4500"), (D("1E+5"), "100000"),
    (D("0.44999999999999996"), "0.44999999999999996"), (0.45, "0.45"), (7, "7"),
])
def test_echo_shows_the_decimal_given_never_a_float_or_an_exponent(given_value: Decimal, shown: str) -> None:
    assert echo(given_value) == shown


def test_fill_warning_echoes_the_fill_as_given() -> None:
    short = PositionSpec(side="short", size=D(1), entry=D(60000), mark=D(60000), leverage=D(20))
    result = Calculator(venue(), COMPLETE).evaluate(short, fill=D("4.5e-1"))
    warning = next(w for w in result.warnings if w.startswith("--fill"))
    assert warning.startswith("--fill 0.45 is on the profitable side")


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=D("0.0001"), max_value=D(59000), allow_nan=False, allow_infinity=False, places=6))
def test_fill_warning_echo_is_the_decimal_in_plain_notation(fill: Decimal) -> None:
    short = PositionSpec(side="short", size=D(1), entry=D(60000), mark=D(60000), leverage=D(20))
    result = Calculator(venue(), COMPLETE).evaluate(short, fill=fill)
    warning = next(w for w in result.warnings if w.startswith("--fill"))
    assert warning.startswith(f"--fill {format(fill, ',f')} is")
    assert "E" not in warning.split(" is ")[0]


# -- 3. adl.maintenance_at follows the position core's rule --------------------------------------


def _holder(sym: object, size: str = "1", entry: str = "60000") -> adl.Holder:
    calc = Calculator(venue(), sym)  # type: ignore[arg-type]
    spec = PositionSpec(side="long", size=D(size), entry=D(entry), mark=D(entry), leverage=D(10))
    return adl.holder(calc.evaluate(spec), "h1", 0)


def test_maintenance_at_beyond_a_partial_table_is_refused_with_a_named_error() -> None:
    calc = Calculator(venue(), PARTIAL)
    h = _holder(PARTIAL)
    with pytest.raises(InputError) as caught:
        adl.maintenance_at(calc, h, D(600000), h.close_fee, field="--shock 900 (position h1)")
    assert caught.value.field == "--shock 900 (position h1)"
    assert "beyond the last known tier (tier 2, up to 500,000.00 USDT)" in str(caught.value)


def test_maintenance_at_beyond_a_complete_table_extends_the_last_tier_with_a_warning() -> None:
    calc = Calculator(venue(), COMPLETE)
    h = _holder(COMPLETE)
    warnings: list[str] = []
    mm = adl.maintenance_at(calc, h, D(600000), h.close_fee, warnings)
    assert mm == D(600000) * D("0.025") - COMPLETE.tiers[1].maint_amount
    assert len(warnings) == 1 and "notional at the mark price" in warnings[0]


def test_maintenance_at_inside_the_table_is_unchanged() -> None:
    calc = Calculator(venue(), PARTIAL)
    h = _holder(PARTIAL)
    assert adl.maintenance_at(calc, h, D(200000), h.close_fee) == D(200000) * D("0.025") - PARTIAL.tiers[1].maint_amount


def test_cascade_shock_beyond_a_partial_table_names_the_shock_and_the_position() -> None:
    specs = [("w1", PositionSpec(side="long", size=D(8), entry=D(60000), mark=D(60000), leverage=D(10))),
             ("l1", PositionSpec(side="short", size=D(1), entry=D(60000), mark=D(60000), leverage=D(10)))]
    with pytest.raises(InputError) as caught:
        adl.cascade(venue(), PARTIAL, specs, shock=D(50), slippage_bps=D(0), insurance_fund=None,
                    ranking="pnl_x_leverage", low=1, high=5)
    assert caught.value.field == "{shock} 50 (position w1)"  # the shock is named by the caller
    assert str(caught.value).startswith("--shock 50 (position w1): ")


def test_cascade_shock_beyond_a_complete_table_warns() -> None:
    specs = [("w1", PositionSpec(side="long", size=D(8), entry=D(60000), mark=D(60000), leverage=D(10))),
             ("l1", PositionSpec(side="short", size=D(1), entry=D(60000), mark=D(60000), leverage=D(10)))]
    shock = adl.cascade(venue(), COMPLETE, specs, shock=D(50), slippage_bps=D(0), insurance_fund=None,
                        ranking="hyperliquid", low=1, high=5)
    assert len(shock.warnings) == 1 and "notional at the mark price" in shock.warnings[0]


# -- 4. the waterfall asks the ADL price rule ---------------------------------------------------


def _mark_venue(bearer: str | None) -> Venue:
    base = venue(adl_price="mark")
    return dataclasses.replace(base, adl=dataclasses.replace(base.adl, unabsorbed_by=bearer))


def _settle(v: Venue, equity: str, fund_cap: str | None) -> Waterfall:
    caps = {} if fund_cap is None else {"insurance_fund": D(fund_cap)}
    return settle(v, label="fill", fill_price=D(56500), equity=D(equity), maintenance_margin=D(240),
                  liquidated_notional=D(56500), liquidation_fee_rate=D(0), caps=caps,  # type: ignore[arg-type]
                  adl_price=D(56500))


def test_mark_rule_waterfall_books_what_the_fund_leaves_to_unabsorbed_by() -> None:
    w = _settle(_mark_venue("insurance_fund"), "-500", "200")
    flows = [(f.source, f.target, f.amount, f.what) for f in w.flows]
    assert flows == [("insurance_fund", "deficit", D(200), "shortfall"), ("insurance_fund", "deficit", D(300), "unabsorbed")]
    assert (w.adl_covered, w.unabsorbed, w.unabsorbed_by) == (0, D(300), "insurance_fund")
    assert w.adl_price == D(56500)


def test_mark_rule_waterfall_names_the_venue_when_the_preset_says_venue() -> None:
    w = _settle(_mark_venue("venue"), "-500", "0")
    assert [(f.source, f.amount) for f in w.flows] == [("venue", D(500))]


def test_mark_rule_without_unabsorbed_by_leaves_the_counterparties_as_payers() -> None:
    w = _settle(_mark_venue(None), "-500", "200")
    assert [(f.source, f.amount) for f in w.flows] == [("insurance_fund", D(200)), ("adl_counterparties", D(300))]


def test_bankruptcy_rule_waterfall_keeps_adl_counterparties() -> None:
    w = _settle(venue(adl_price="bankruptcy"), "-500", "200")
    assert [(f.source, f.amount) for f in w.flows] == [("insurance_fund", D(200)), ("adl_counterparties", D(300))]
    assert (w.adl_covered, w.unabsorbed) == (D(300), 0)


PRESETS_WITH_ADL = [("binance", "BTCUSDT"), ("bybit", "BTCUSDT"), ("okx", "BTC-USDT-SWAP"), ("hyperliquid", "BTC"),
                    ("bitget", "BTCUSDT"), ("dydx", "BTC-USD")]


@settings(max_examples=80, deadline=None)
@given(case=st.sampled_from(PRESETS_WITH_ADL), side=st.sampled_from(["long", "short"]),
       move=st.decimals(min_value=D("0.001"), max_value=D("0.5"), places=4),
       fund=st.one_of(st.none(), st.decimals(min_value=0, max_value=5000, places=2)))
def test_every_preset_waterfall_adds_up_and_follows_its_adl_price_rule(
        case: tuple[str, str], side: str, move: Decimal, fund: Decimal | None) -> None:
    preset = load(case[0])
    v, sym = preset.venue, preset.symbol(case[1])
    spec = PositionSpec(side=side, size=D(1), entry=D(60000), mark=D(60000), leverage=D(20))  # type: ignore[arg-type]
    calc = Calculator(v, sym)
    bankruptcy = calc.evaluate(spec).bankruptcy_price
    assert bankruptcy is not None
    fill = bankruptcy * (1 - move) if side == "long" else bankruptcy * (1 + move)
    caps = {} if fund is None or v.fund_party is None else {v.fund_party: fund}
    w = next(x for x in calc.evaluate(spec, fill=fill, caps=caps).waterfalls if x.label == "fill")
    assert w.shortfall > 0
    assert sum((f.amount for f in w.flows), D(0)) == w.shortfall  # exactly
    fund_paid = sum((f.amount for f in w.flows if f.what == "shortfall" and f.source == v.fund_party), D(0))
    assert fund_paid + w.adl_covered + w.unabsorbed == w.shortfall
    if fund is not None:
        assert fund_paid <= fund
    if v.adl.price == "mark":
        assert w.adl_covered == 0 and not any(f.source == "adl_counterparties" for f in w.flows)
        assert all(f.source == v.adl.unabsorbed_by for f in w.flows if f.what == "unabsorbed")
    else:
        assert w.unabsorbed == 0
        assert w.adl_covered == sum((f.amount for f in w.flows if f.source == "adl_counterparties"), D(0))


def test_cascade_on_a_mark_venue_still_hands_what_the_fund_leaves_to_adl() -> None:
    """The waterfall books the remainder to unabsorbed_by on Hyperliquid, but ADL still closes it:
    the cascade reads what is left to ADL from the waterfall's split, not from its flows' payers."""
    preset = load("hyperliquid")
    sym = preset.symbol("BTC")
    specs = [("l1", PositionSpec(side="long", size=D(5), entry=D(60000), mark=D(60000), leverage=D(20))),
             ("s1", PositionSpec(side="short", size=D(10), entry=D(60000), mark=D(60000), leverage=D(5)))]
    shock = adl.cascade(preset.venue, sym, specs, shock=D(-10), slippage_bps=D(50), insurance_fund=D(100),
                        ranking="pnl_x_leverage", low=1, high=5)
    (x,) = shock.liquidations
    assert x.fund_paid == D(100) and x.adl_deficit == x.shortfall - D(100) and x.adl_size > 0
    a = shock.attribution
    assert a.fund_paid == D(100) and a.adl_covered == 0 and a.unabsorbed > 0 and a.unabsorbed_by == "backstop_vault"
    assert abs(a.shortfall - (a.fund_paid + a.adl_covered + a.unabsorbed)) < D("1e-8")  # the identity, to 1e-8
