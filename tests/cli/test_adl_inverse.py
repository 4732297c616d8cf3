"""``adl-risk`` and ``book synth`` on inverse (coin-margined) contracts (issue 9).

An inverse contract of N contracts of face F is the linear model in x = 1/P with size N x F and
the opposite side, money in the coin in both: an inverse book's report is, field by field, the
report of the linear twin book built by hand (prices reciprocal, sides flipped, sizes x face)
on a linear preset with the same tiers, amounts in the coin."""

from __future__ import annotations

import json
import random
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import liqcalc
import liqcalc.app.adl as adl_app
from liqcalc.cli import app
from liqcalc.presets.loader import builtin_dir

D = Decimal
INVERSE = [("binance-coinm", "BTCUSD_PERP"), ("bybit-inverse", "BTCUSD"), ("bitmex", "XBTUSD")]
MARK = D(60000)


def twin_preset(tmp: Path, preset: str, symbol: str) -> tuple[str, D]:
    """The preset with ``symbol`` made linear by hand: sizes in USD (its base), amounts in the
    coin (its quote), the same tiers; and the inverse symbol's face value."""
    data = tomllib.loads((builtin_dir() / f"{preset}.toml").read_text(encoding="utf-8"))
    spec = data["symbols"][symbol]
    face = D(str(spec.pop("face_value")))
    spec.update(contract_type="linear", base=spec["quote"], quote=spec["base"])
    data["symbols"] = {symbol: spec}
    path = tmp / f"{preset}-twin.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return str(path), face


def inv(price: Any) -> D:
    return D(1) / D(price)


def book(seed: int, face: D) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A random small book in contracts, and its linear twin by hand."""
    rng = random.Random(seed)
    rows, twin = [], []
    for n in range(rng.randint(4, 12)):
        side = "long" if rng.random() < 0.5 else "short"
        contracts = D(rng.randint(1, 30_000)) / face * 10 if face == 1 else D(rng.randint(1, 300))
        entry = D(rng.randint(108_000, 132_000)) / 2
        leverage = rng.randint(2, 20)
        # some rows by their margin or a cross wallet in the coin (contracts x face / entry / leverage), the same in both
        coin = (contracts * face / entry / leverage).quantize(D("1e-8"))
        how: dict[str, Any] = {"leverage": leverage} if n % 3 else {"margin": coin}
        if n % 5 == 4:  # a cross account's wallet
            how = {"leverage": leverage, "wallet": coin * 2}
        rows.append({"id": f"p{n}", "side": side, "size": contracts, "entry": entry, **how})
        twin.append({"id": f"p{n}", "side": "short" if side == "long" else "long", "size": contracts * face,
                     "entry": inv(entry), **how})
    return rows, twin


def close(a: Any, b: Any, rel: float = 1e-9, abs_: float = 2e-8) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= max(abs_, rel * max(abs(float(a)), abs(float(b))))


def flip(side: str) -> str:
    return "short" if side == "long" else "long"


def check_rows(inverse: Any, linear: Any, face: D, rel: float) -> None:
    """Every queue row of the inverse report against the twin's, turned back by hand."""
    assert len(inverse.queue) == len(linear.queue)
    for a, b in zip(inverse.queue.all(), linear.queue.all(), strict=True):
        assert (a["id"], a["side"], a["rank"], a["indicator"]) == (b["id"], flip(b["side"]), b["rank"], b["indicator"])
        assert close(a["score"], b["score"], rel)
        assert close(a["size"], b["size"] / face, rel)
        assert close(a["entry"], inv(b["entry"]), rel) and close(a["mark"], inv(b["mark"]), rel)
        assert close(a["bankruptcy_price"], None if b["bankruptcy_price"] is None else inv(b["bankruptcy_price"]), rel)
        assert close(a["adl_size"], b["adl_size"] / face, rel) and close(a["profit_taken"], b["profit_taken"], rel)
        assert close(a["adl_price"], None if b["adl_price"] is None else inv(b["adl_price"]), rel)


MONEY = ("shortfall", "fund_paid", "adl_covered", "unabsorbed", "deleveraged_notional", "liquidated_notional")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(venue_symbol=st.sampled_from(INVERSE), seed=st.integers(0, 10_000), shock=st.sampled_from([-14, -7, 6, 15]))
def test_an_inverse_book_reports_as_its_linear_twin_on_both_paths(tmp_path: Path, venue_symbol: tuple[str, str],
                                                                  seed: int, shock: int) -> None:
    preset, symbol = venue_symbol
    path, face = twin_preset(tmp_path, preset, symbol)
    rows, twin_rows = book(seed, face)
    you = D(50) if face == 100 else D(5000)
    mine = {"side": "long", "entry": D(58000), "size": you, "leverage": 10}
    theirs = {"side": "short", "entry": inv(58000), "size": you * face, "leverage": 10}
    # the Decimal path: a liquidated short of 40 (contracts) at 61,000 (uncovered)
    event = {"liquidated_size": 40 if face == 100 else 4000, "bankruptcy_price": D(61000), "liquidated_side": "short"}
    with pytest.MonkeyPatch.context() as patch:  # an event on a book runs vectorized unless told (the reference)
        patch.setattr(adl_app, "VECTOR_EVENTS", False)
        a = liqcalc.adl_risk(preset=preset, symbol=symbol, mark=MARK, book=rows, no_stale_warning=True, **mine, **event)
        b = liqcalc.adl_risk(preset=path, symbol=symbol, mark=inv(MARK), book=twin_rows, no_stale_warning=True, **theirs,
                             liquidated_size=event["liquidated_size"] * face, bankruptcy_price=inv(61000),
                             liquidated_side="long")
    check_rows(a, b, face, 1e-20)
    assert a.queue_side == flip(b.queue_side) and a.quote == b.quote
    assert a.you is not None and b.you is not None
    assert close(a.you["adl_size"], b.you["adl_size"] / face, 1e-20)
    for key in ("pnl_at_mark", "realized_pnl", "loss_vs_mark", "loss_vs_mark_roe_percent", "score"):
        assert close(a.you[key], b.you[key], 1e-20), key
    assert a.event is not None and b.event is not None
    for key in MONEY:
        assert close(getattr(a.event, key), getattr(b.event, key), 1e-20), key
    assert close(a.event.deleveraged_size, b.event.deleveraged_size / face, 1e-20)
    # the vectorized path: one shock of the trader's price, r% of P being 100/(1 + r/100) - 100 of x
    a = liqcalc.adl_risk(preset=preset, symbol=symbol, mark=MARK, book=rows, no_stale_warning=True, **mine,
                         shock=shock, slippage_bps=0, insurance_fund=0)
    b = liqcalc.adl_risk(preset=path, symbol=symbol, mark=inv(MARK), book=twin_rows, no_stale_warning=True, **theirs,
                         shock=D(100) / (1 + D(shock) / 100) - 100, slippage_bps=0, insurance_fund=0)
    check_rows(a, b, face, 1e-9)
    assert a.event is not None and b.event is not None
    assert a.event.shock == shock and close(a.event.mark_after, MARK * (1 + D(shock) / 100), 1e-20)
    assert a.event.liquidated_count == b.event.liquidated_count
    assert a.event.liquidated_side == (None if b.event.liquidated_side is None else flip(b.event.liquidated_side))
    for key in MONEY:
        assert close(getattr(a.event, key), getattr(b.event, key), 1e-9), key
    assert close(a.event.liquidated_size, b.event.liquidated_size / face, 1e-9)
    assert a.you is not None and b.you is not None
    for key in ("rank", "liquidated", "on_liquidated_side"):
        assert a.you[key] == b.you[key], key
    assert close(a.you["adl_size"], b.you["adl_size"] / face, 1e-9)
    if a.you["adl_price"] is not None:
        # the twin's report rounds its ADL price (about 1.6e-5) to 8 decimals before the loss; the
        # inverse report keeps its digits: the loss of a long closed at P_a, marked at P_m, in BTC
        assert close(a.you["adl_price"], inv(b.you["adl_price"]), 1e-3)
        loss = a.you["adl_size"] * face * (1 / a.you["adl_price"] - 1 / a.you["mark"])
        assert close(a.you["loss_vs_mark"], loss, 1e-6)


def test_slippage_fills_an_inverse_liquidation_worse_in_the_traders_price() -> None:
    """A fill b worse than the mark in P is P x (1 - s b) for the liquidated side s (sold lower,
    bought higher): its value in the coin is contracts x face / fill, exactly, not the twin's
    x x (1 - s' b) (a fill 1/(1 + b) away in P)."""
    rows = [{"id": "l", "side": "long", "size": 1000, "entry": 60000, "leverage": 20},
            {"id": "s", "side": "short", "size": 1000, "entry": 60000, "leverage": 2}]
    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", mark=60000, book=rows, shock=-10, slippage_bps=300,
                              insurance_fund=0, no_stale_warning=True)
    assert report.event is not None and report.event.liquidated_count == 1
    fill = D(54000) * (1 - D("0.03"))
    assert report.event.liquidated_notional == (D(1000) / fill).quantize(D("1e-8")).normalize()
    assert report.event.liquidated_side == "long" and report.queue_side == "short"


# -- BitMEX's ADL example, with inverse positions, through adl-risk ------------------------------

#: STATED, https://www.bitmex.com/app/autoDeleveragingExamples : (account, quantity, PNL ranking)
BITMEX_LONGS = [(1, 10, 3), (2, 10, 6), (3, 20, 1), (4, 30, 4), (5, 20, 5), (6, 10, 2)]


def test_bitmex_adl_example_through_adl_risk_closes_account_2_then_5_at_650() -> None:
    """The six XBTUSD longs at 1x, entries at mark x (1 - ranking/100) (PnL% in coin values =
    1 - entry/mark): "a short position that has been liquidated with size 20 and bankruptcy price
    of USD 650. Accounts 2 and 5 will be deleveraged at the bankruptcy price of USD 650"; the
    queue is 2, 5, 4, 1, 6, 3 with the printed percentiles' lights 5, 4, 3, 2, 2, 1."""
    rows = [{"id": str(account), "side": "long", "size": qty, "entry": D(700) * (1 - D(ranking) / 100), "leverage": 1}
            for account, qty, ranking in BITMEX_LONGS]
    args = ["adl-risk", "--preset", "bitmex", "--symbol", "XBTUSD", "--mark", "700", "--liquidated-size", "20",
            "--bankruptcy-price", "650", "--liquidated-side", "short", "--no-stale-warning", "--json", "--book", "-"]
    text = "id,side,size,entry,leverage\n" + "".join(
        f"{r['id']},{r['side']},{r['size']},{r['entry']},{r['leverage']}\n" for r in rows)
    result = CliRunner().invoke(app, args, input=text)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["contract_type"], data["face_value"], data["margin_asset"]) == ("inverse", 1, "BTC")
    queue = data["queue"]
    assert [r["id"] for r in queue] == ["2", "5", "4", "1", "6", "3"]
    assert [r["indicator"] for r in queue] == [5, 4, 3, 2, 2, 1]
    assert {r["id"]: (r["adl_size"], r["adl_price"]) for r in queue if r["adl_size"] > 0} == {
        "2": (10, 650), "5": (10, 650)}
    assert data["queue_side"] == "long" and data["event"]["liquidated_side"] == "short"
    assert data["event"]["deleveraged_size"] == 20 and data["event"]["bankruptcy_price"] == 650


# -- a model book, a sweep and a distribution --------------------------------------------------


@pytest.fixture(scope="module")
def xbt_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xbt") / "xbt.csv"
    result = CliRunner().invoke(app, ["book", "synth", "--preset", "bitmex", "--symbol", "XBTUSD", "--mark", "60000",
                                      "--open-interest", "30000000", "--positions", "300", "--seed", "3",
                                      "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert "each side 30,000,000 contracts (30,000,000.00 USD at any mark" in result.stderr
    return path


def test_book_synth_writes_an_inverse_book_in_whole_contracts_from_usd_open_interest(xbt_book: Path) -> None:
    lines = xbt_book.read_text(encoding="utf-8").splitlines()[1:]
    sides: dict[str, D] = {"long": D(0), "short": D(0)}
    for line in lines:
        _, side, size, _, _ = line.split(",")
        assert D(size) == D(size).to_integral_value() >= 1  # whole contracts
        sides[side] += D(size)
    assert sides == {"long": D(30_000_000), "short": D(30_000_000)}  # 1 USD each: the USD open interest


def test_a_shock_sweep_on_an_inverse_model_book_is_in_the_traders_terms(xbt_book: Path) -> None:
    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", side="short", entry=55000, size=20000, leverage=25,
                              mark=60000, book=str(xbt_book), shock="-20:20:5", insurance_fund=0, no_stale_warning=True)
    assert [row["shock"] for row in report.sweep] == [D(s) for s in range(-20, 21, 5)]
    for row in report.sweep:
        assert row["mark"] == 60000 * (1 + row["shock"] / 100)
        if row["you_adl_price"] is not None:
            assert row["you_adl_price"] > row["mark"] * D("0.5")  # a price in USD, not its reciprocal
    assert report.you is not None and report.you["side"] == "short" and report.you["size"] == 20000
    assert report.queue_side in ("long", "short")
    reached = [r for r in report.sweep if r["you_adl_size"] > 0]
    assert reached
    # the smallest shock, by the trader's percent, that reaches the short: a fall (the longs are
    # liquidated, the winning shorts deleveraged)
    assert report.reaches_you is not None
    assert report.reaches_you["shock"] == min((r["shock"] for r in reached), key=abs) < 0
    assert all(r["shock"] < 0 for r in reached)
    data = report.to_dict()
    assert data["margin_asset"] == "BTC" and data["inputs"]["shock"] == {"from": -20, "to": 20, "steps": 9}
    # rises liquidate the shorts (the trader's side), the longs are deleveraged
    rise = next(r for r in report.sweep if r["shock"] == 20)
    assert rise["liquidated_count"] > 0


def test_vol_on_an_inverse_model_book_gives_the_expected_exposure_in_contracts(xbt_book: Path) -> None:
    args = ["adl-risk", "--preset", "bitmex", "--symbol", "XBTUSD", "--side", "long", "--entry", "50000", "--size",
            "30000", "--leverage", "20", "--mark", "60000", "--book", str(xbt_book), "--vol", "80", "--horizon", "7d",
            "--insurance-fund", "0", "--no-stale-warning"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(result.stdout)["expected"]
    assert 0 <= expected["expected_adl_size"] <= 30000
    assert expected["p_adl"] > 0
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "XBTUSD is inverse: sizes are contracts of 1 USD, amounts are in BTC." in table.stdout


def test_warnings_on_an_inverse_book_speak_of_the_traders_sides_and_contracts() -> None:
    """The twin's longs are the trader's shorts: a warning made in the twin's terms would say
    "longs" for shorts and count USD for contracts."""
    rows = [{"id": "a", "side": "long", "size": 1000, "entry": 60000, "leverage": 10},
            {"id": "b", "side": "short", "size": 300, "entry": 59000, "leverage": 10},
            {"id": "c", "side": "long", "size": 500, "entry": 61000, "leverage": 50}]
    shock = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", mark=60000, book=rows, shock=-3, no_stale_warning=True)
    assert any(w.startswith("the book's shorts hold 300 contracts against the longs' 1500") for w in shock.warnings)
    event = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", mark=60000, book=rows, liquidated_size=100,
                             bankruptcy_price=59000, liquidated_side="long", no_stale_warning=True)
    assert any(w.startswith("the mark 60000 is not beyond the bankruptcy price 59000 of the liquidated long")
               for w in event.warnings), event.warnings
    assert event.queue_side == "short" and [r["id"] for r in event.queue.all()] == ["b"]


def test_notional_is_usd_on_an_inverse_contract_in_adl_risk_as_in_position() -> None:
    """Seen in a trial: adl-risk read --notional 200000 on XBTUSD as 200000 / entry = 3.846
    contracts (position reads 200,000 contracts of 1 USD)."""
    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", side="long", entry=52000, notional=200000, leverage=10,
                              mark=60000, liquidated_size=100, bankruptcy_price=59000, no_stale_warning=True)
    same = liqcalc.position(preset="bitmex", symbol="XBTUSD", side="long", entry=52000, notional=200000, leverage=10,
                            mark=60000, no_stale_warning=True)
    assert report.you is not None
    assert report.you["size"] == same.to_dict()["size"] == Decimal(200000)
    assert report.you["liquidation_price"] == pytest.approx(same.result.liquidation_price, rel=Decimal("1e-9"))


def test_prices_turned_back_from_the_book_carry_no_reciprocal_noise() -> None:
    """Seen in a trial: the shock path's JSON had entry 66000.0000001 and bankruptcy 68749.9999998
    (x read to 12 digits, its reciprocal read to 12 again)."""
    rows = [{"id": "s1", "side": "short", "size": "120000", "entry": "61287.1", "leverage": "20"},
            {"id": "l1", "side": "long", "size": "150000", "entry": "60773.9", "leverage": "25"},
            {"id": "l2", "side": "long", "size": "90000", "entry": "60000", "leverage": "10"}]
    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", side="short", entry=66000, size=200000, leverage=25,
                              mark=60000, book=rows, shock=-8, no_stale_warning=True).to_dict()
    assert report["you"]["entry"] == Decimal(66000)
    for row in report["queue"]:
        assert row["entry"] in (Decimal("61287.1"), Decimal(66000)), row["entry"]


def test_a_sample_book_of_another_symbol_is_said_to_be_one() -> None:
    """Seen in a trial: sample:btcusdt read silently as XBTUSD's book (its BTC sizes as 1 USD contracts)."""
    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", side="short", entry=66000, size=200000, leverage=25,
                              mark=60000, book="sample:btcusdt", shock=-8, no_stale_warning=True)
    assert any(w.startswith("sample:btcusdt is a book of BTCUSDT positions, read here as XBTUSD's") for w in report.warnings)
    same = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", side="short", entry=66000, size=1, leverage=25,
                            mark=60000, book="sample:btcusdt", shock=-8, no_stale_warning=True)
    assert not any("is a book of" in w for w in same.warnings)
