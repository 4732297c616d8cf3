"""``adl-risk`` over a distribution of moves (issue 11): ``--vol/--horizon/--tails``,
``--returns``, the JSON ``expected``, ``--insurance-fund FROM:TO:STEP`` and the balance warning."""

from __future__ import annotations

import csv
import io
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.app.adl import adl_risk
from liqcalc.app.synth import synth_book
from liqcalc.cli import app

runner = CliRunner()
YOU = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
       "--leverage", "20", "--mark", "66000", "--book", "sample:btcusdt"]
EXPECTED_KEYS = {"p_adl", "p_liquidated", "expected_adl_size", "expected_loss_vs_mark", "loss_vs_mark_quantiles",
                 "expected_residual_exposure", "model", "sigma", "horizon_days", "samples"}


def model_rows(seed: int = 3, positions: int = 2000) -> list[dict[str, str]]:
    book = synth_book(preset="binance", symbol="BTCUSDT", mark=60000, open_interest=300_000_000, long_share=60,
                      positions=positions, seed=seed)
    return list(csv.DictReader(io.StringIO(book.to_csv())))


MODEL = model_rows()
LONG = {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 58000, "size": 2, "leverage": 20,
        "mark": 60000}


def test_json_expected_holds_the_issue_keys_and_states_the_model() -> None:
    result = runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "1d", "--insurance-fund", "20000", "--json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(result.stdout)["expected"]
    assert EXPECTED_KEYS <= set(expected)
    assert set(expected["loss_vs_mark_quantiles"]) == {"p95", "p99"}
    assert expected["model"] == "lognormal" and expected["samples"] == 1000 and expected["horizon_days"] == 1
    # sigma = vol x sqrt(horizon / 365 days)
    assert expected["sigma"] == pytest.approx(0.8 * (1 / 365) ** 0.5, rel=1e-8)
    assert 0 < expected["p_adl"] < 1
    assert expected["loss_vs_mark_quantiles"]["p95"] <= expected["loss_vs_mark_quantiles"]["p99"]


def test_table_says_it_in_one_sentence() -> None:
    result = runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "1d", "--insurance-fund", "20000"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    data = json.loads(runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "1d", "--insurance-fund", "20000",
                                          "--json"]).stdout)["expected"]
    chance = f"{data['p_adl'] * 100:.1f}%"
    article = "an" if chance.startswith(("8", "11.", "18.")) else "a"
    assert (f"Over 1d at 80% volatility: {article} {chance} chance of being deleveraged; expected loss against the mark "
            f"{data['expected_loss_vs_mark']:,.2f} USDT, 1 in 100 days worse than "
            f"{data['loss_vs_mark_quantiles']['p99']:,.2f}") in text
    assert "s = 80% × √(1d / 365d) = 4.19%" in text


def test_without_a_fund_the_output_says_the_fund_pays_everything() -> None:
    table = runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "8h"])
    assert table.exit_code == 0, table.output
    assert "No --insurance-fund: the fund is assumed to pay everything" in " ".join(table.stdout.split())
    data = json.loads(runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "8h", "--json"]).stdout)["expected"]
    assert data["fund_pays_everything"] is True and data["p_adl"] == 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), moves=st.lists(st.integers(-2500, 2500), min_size=1, max_size=25),
       fund=st.sampled_from([0, 20_000, 500_000]))
def test_returns_p_adl_is_the_share_of_moves_a_plain_sweep_deleverages_you(seed: int, moves: list[int],
                                                                            fund: int) -> None:
    rng = random.Random(seed)
    rows = [{"id": f"p{n}", "side": rng.choice(["long", "short"]), "size": str(round(rng.uniform(0.01, 5), 3)),
             "entry": str(round(60000 * rng.uniform(0.95, 1.05), 1)), "leverage": str(rng.randint(2, 50))}
            for n in range(rng.randint(4, 60))]
    side = rng.choice(["long", "short"])
    you = {**LONG, "side": side, "entry": 60000 * (0.97 if side == "long" else 1.03)}
    percents = [Decimal(m) / 100 for m in moves]  # -25% .. +25%, two decimals
    report = adl_risk(**you, book=rows, returns=[str(p) for p in percents], insurance_fund=fund)
    plain = adl_risk(**you, book=rows, shock=[str(p) for p in percents] * (1 if len(percents) > 1 else 2),
                     insurance_fund=fund)
    sweep = plain.sweep[: len(percents)]
    reached = sum(1 for row in sweep if row["you_adl_size"] > 0 and not row["you_liquidated"])
    assert report.expected is not None
    # k / n, to the 12 significant digits of the API's Decimals
    assert report.expected["p_adl"] == Decimal(format(reached / len(percents), ".12g"))
    liquidated = sum(1 for row in sweep if row["you_liquidated"])
    assert report.expected["p_liquidated"] == Decimal(format(liquidated / len(percents), ".12g"))


@pytest.mark.parametrize("tails", [None, "student-t:4"])
@pytest.mark.parametrize("fund", [0, 1_000_000])
def test_p_adl_and_expected_loss_do_not_decrease_as_volatility_rises(tails: str | None, fund: int) -> None:
    # Without slippage a liquidation fills at the mark, so the ADL price (the liquidated
    # order's bankruptcy price) is never better than the mark for you: every loss is >= 0.
    # (With slippage the first ADL of a small move can close you above the mark, a gain.)
    figures = []
    for vol in (10, 20, 40, 80, 120, 160):
        report = adl_risk(**LONG, book=MODEL, vol=vol, horizon="1d", tails=tails, insurance_fund=fund, samples=400,
                          slippage_bps=0)
        assert report.expected is not None
        figures.append((report.expected["p_adl"], report.expected["expected_loss_vs_mark"]))
    assert figures[-1][0] > 0
    for (p, loss), (p_next, loss_next) in zip(figures, figures[1:], strict=False):
        assert p_next >= p and loss_next >= loss


def test_fat_tails_keep_sigma_and_name_the_model() -> None:
    normal = adl_risk(**LONG, book=MODEL, vol=80, horizon="1d", insurance_fund=0)
    fat = adl_risk(**LONG, book=MODEL, vol=80, horizon="1d", tails="student-t:3", insurance_fund=0)
    assert normal.expected is not None and fat.expected is not None
    assert fat.expected["sigma"] == normal.expected["sigma"] and fat.expected["model"] == "student-t"
    assert fat.expected["nu"] == 3 and normal.expected["nu"] is None
    # the 1-in-100 loss is further out with fat tails at the same sigma
    assert fat.expected["loss_vs_mark_quantiles"]["p99"] > normal.expected["loss_vs_mark_quantiles"]["p99"]


def test_fund_needed_is_the_first_fund_of_the_range_that_stops_the_move() -> None:
    report = adl_risk(**LONG, book=MODEL, shock=8, insurance_fund="0:3000000:50000")
    assert report.fund_needed is not None and report.fund_needed_for is not None
    needed = report.fund_needed
    assert report.fund_needed_for["shock"] == 8 and 0 < needed < 3_000_000
    at = adl_risk(**LONG, book=MODEL, shock=8, insurance_fund=needed)
    below = adl_risk(**LONG, book=MODEL, shock=8, insurance_fund=needed - 50000)
    assert at.you is not None and below.you is not None
    assert at.you["adl_size"] == 0 and below.you["adl_size"] > 0
    data = report.to_dict()
    assert data["fund_needed"] == needed and data["inputs"]["insurance_fund"] == {"from": 0, "to": 3000000, "steps": 61}


def test_fund_needed_over_a_distribution_rules_out_every_move() -> None:
    report = adl_risk(**LONG, book=MODEL, vol=80, horizon="1d", samples=200, insurance_fund="0:20000000:500000")
    assert report.fund_needed is not None
    safe = adl_risk(**LONG, book=MODEL, vol=80, horizon="1d", samples=200, insurance_fund=report.fund_needed)
    short = adl_risk(**LONG, book=MODEL, vol=80, horizon="1d", samples=200, insurance_fund=report.fund_needed - 500000)
    assert safe.expected is not None and short.expected is not None
    assert safe.expected["p_adl"] == 0 and short.expected["p_adl"] > 0


def test_an_unbalanced_book_is_warned_about_with_the_gap() -> None:
    result = runner.invoke(app, [*YOU, "--shock", "5", "--insurance-fund", "20000"])
    assert result.exit_code == 0, result.output
    assert ("the book's shorts hold 11.268 BTC against the longs' 19.689: 42.8% less (more than 1% apart)"
            in result.stderr)
    balanced = adl_risk(**LONG, book=MODEL, shock=5)
    assert not any("apart" in w for w in balanced.warnings)


@pytest.mark.parametrize(("text", "message"), [
    ("return\n1\nabc\n", "r.csv:3: return: expected a move in percent, got 'abc'"),
    ("date,close\n1,2\n", "r.csv:1: no column named return (the columns are date, close)"),
    ("5\n-120\n", "r.csv:2: -120% takes the mark to zero or below"),
    ("\n# nothing\n", "r.csv: no moves"),
])
def test_a_bad_returns_file_is_one_line_and_exit_1(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, [*YOU, "--returns", str(path), "--insurance-fund", "0"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--returns", "no-such-file.csv"], "--returns: no such file no-such-file.csv"),
    (["--vol", "80"], "--horizon: missing"),
    (["--vol", "80", "--horizon", "1y"], "--horizon: expected a duration like 8h, 1d, 7d or 2w"),
    (["--vol", "80", "--horizon", "1d", "--tails", "student-t:2"], "--tails: student-t:NU needs NU above 2"),
    (["--vol", "80", "--horizon", "1d", "--shock", "3"], "give it without --shock"),
    (["--vol", "80", "--horizon", "1d", "--insurance-fund", "5:1:1"], "--insurance-fund: FROM:TO:STEP needs"),
    (["--liquidated-size", "1", "--bankruptcy-price", "60000", "--insurance-fund", "0:10:1"],
     "FROM:TO:STEP looks for the fund that stops a move"),
])
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, [*YOU, *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_returns_from_stdin_and_a_csv_column(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text("date,return\n2025-10-10,-12.5\n2025-10-11,3\n2025-10-12,8\n", encoding="utf-8")
    by_file = runner.invoke(app, [*YOU, "--returns", str(path), "--insurance-fund", "20000", "--json"])
    by_stdin = runner.invoke(app, [*YOU, "--returns", "-", "--insurance-fund", "20000", "--json"],
                             input="-12.5\n3\n\n# a comment\n8\n")
    assert by_file.exit_code == 0 and by_stdin.exit_code == 0, by_file.output + by_stdin.output
    first: dict[str, Any] = json.loads(by_file.stdout)["expected"]
    second: dict[str, Any] = json.loads(by_stdin.stdout)["expected"]
    assert first["samples"] == second["samples"] == 3 and first["model"] == "empirical"
    assert {k: v for k, v in first.items() if k != "returns"} == {k: v for k, v in second.items() if k != "returns"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"vol": 80}, "horizon=: missing; vol= is annualized"),
    ({"vol": 80, "horizon": "1d", "tails": "cauchy"}, "tails=: expected normal or student-t:NU"),
    ({"returns": "-"}, "returns=: \"-\" (standard input) is the command line's"),
    ({"returns": [5, -150]}, "returns=[1]: -150% takes the mark to zero or below"),
    ({"vol": 80, "horizon": "1d", "samples": 1}, "samples=: must be from 2 to 100,000, got 1"),
])
def test_the_api_names_the_keywords(kwargs: dict[str, Any], message: str) -> None:
    from liqcalc.core.errors import LiqcalcError

    with pytest.raises(LiqcalcError) as caught:
        adl_risk(**LONG, book=MODEL, insurance_fund=0, **kwargs)
    assert message in str(caught.value)


def test_the_api_takes_a_returns_path_and_a_list_alike(tmp_path: Path) -> None:
    path = tmp_path / "moves.txt"
    path.write_text("-8\n3.5\n12\n", encoding="utf-8")
    by_path = adl_risk(**LONG, book=MODEL, insurance_fund=0, returns=path, horizon="1d")
    by_list = adl_risk(**LONG, book=MODEL, insurance_fund=0, returns=[-8, "3.5", 12.0], horizon="1d")
    assert by_path.expected is not None and by_list.expected is not None
    assert by_path.expected["returns"] == str(path) and by_list.expected["returns"] == "returns"
    assert {k: v for k, v in by_path.expected.items() if k != "returns"} == \
        {k: v for k, v in by_list.expected.items() if k != "returns"}
    assert by_path.to_dict()["expected"]["horizon_days"] == 1
