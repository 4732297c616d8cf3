"""What a new-user trial of ``book synth`` and ``adl-risk``'s expected exposure found: each bad
input is one line on stderr naming what is wrong and what would be valid (never a traceback or
an internal error), and the horizon reads as it was written."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
SYNTH = ["book", "synth", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--open-interest",
         "3000000", "--positions", "20"]
YOU = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
       "--leverage", "20", "--mark", "60000", "--book", "sample:btcusdt"]


def one_line(result: object) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code in (1, 2), result.output  # type: ignore[attr-defined]
    assert stderr.count("\n") == 1 and stderr.startswith("liqcalc: error: "), stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    return stderr


@pytest.mark.parametrize("spread", ["1000", "1e6", "100.5"])
def test_book_synth_refuses_an_entry_spread_beyond_the_model(spread: str) -> None:
    stderr = one_line(runner.invoke(app, [*SYNTH, "--entry-spread", spread]))
    assert "--entry-spread: at most 100 (percent, the standard deviation of ln(entry / mark)" in stderr
    assert f"got {spread}" in stderr


def test_book_synth_takes_the_widest_entry_spread_on_many_positions() -> None:
    result = runner.invoke(app, [*SYNTH[:-1], "20000", "--entry-spread", "100"])
    assert result.exit_code == 0, result.output
    entries = [float(line.split(",")[3]) for line in result.stdout.splitlines()[1:]]
    assert min(entries) > 0


@pytest.mark.parametrize(("preset", "symbol", "face"), [("binance-coinm", "BTCUSD_PERP", 100), ("bitmex", "XBTUSD", 1),
                                                        ("bybit-inverse", "BTCUSD", 1)])
def test_book_synth_writes_an_inverse_symbol_in_contracts_as_adl_risk_reads_it(preset: str, symbol: str,
                                                                               face: int) -> None:
    """An inverse symbol was refused in one line; adl-risk now models it (on its linear twin), so
    book synth writes it: whole contracts, the USD open interest / face a side."""
    args = ["book", "synth", "--preset", preset, "--symbol", symbol, "--mark", "60000", "--open-interest", "100000",
            "--long-share", "60", "--positions", "4"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    assert sum(int(size) for _, side, size, _, _ in rows if side == "long") == 100000 // face
    assert "contracts" in result.stderr


def test_book_synth_refuses_deribit_inverse_for_its_socialized_loss_not_its_contract() -> None:
    args = ["book", "synth", "--preset", "deribit", "--symbol", "BTC-PERPETUAL", "--mark", "60000", "--open-interest",
            "100000", "--long-share", "60", "--positions", "4"]
    stderr = one_line(runner.invoke(app, args))
    assert "this preset has no auto-deleveraging" in stderr and "inverse" not in stderr


def test_book_synth_refuses_a_preset_without_adl() -> None:
    args = ["book", "synth", "--preset", "clearinghouse", "--symbol", "BTC", "--mark", "60000", "--open-interest",
            "1000000", "--positions", "4"]
    assert "this preset has no auto-deleveraging" in one_line(runner.invoke(app, args))


@pytest.mark.parametrize(("name", "content"), [("empty.csv", ""), ("header.csv", "id,side,size,entry,leverage\n"),
                                               ("empty.jsonl", "\n")])
def test_adl_risk_refuses_a_book_without_positions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                                   content: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(content, encoding="utf-8")
    args = [*YOU[:-1], name, "--vol", "80", "--horizon", "1d", "--insurance-fund", "1000"]
    stderr = one_line(runner.invoke(app, args))
    assert f"{name}: no positions" in stderr and "says nothing about ADL" in stderr


def returns_run(tmp_path: Path, text: str, *extra: str) -> object:
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, [*YOU, "--returns", str(path), "--insurance-fund", "5000", *extra])


def test_a_one_column_returns_file_names_the_line_that_is_not_a_number(tmp_path: Path) -> None:
    stderr = one_line(returns_run(tmp_path, "hello\nworld\n"))
    assert "r.txt:1: expected a move in percent, got 'hello'" in stderr and "no column named" not in stderr


def test_a_returns_file_reads_a_trailing_percent_sign(tmp_path: Path) -> None:
    with_sign = returns_run(tmp_path, "1.5%\n-2 %\n", "--json")
    assert with_sign.exit_code == 0, with_sign.output
    plain = returns_run(tmp_path, "1.5\n-2\n", "--json")
    assert json.loads(with_sign.stdout)["expected"] == json.loads(plain.stdout)["expected"]


def test_a_returns_file_names_a_move_too_large(tmp_path: Path) -> None:
    stderr = one_line(returns_run(tmp_path, "1e400\n2\n"))
    assert "r.txt:1: '1e400' is too large for a move in percent" in stderr


def test_returns_that_look_like_fractions_or_too_few_are_warned_about(tmp_path: Path) -> None:
    fractions = json.loads(returns_run(tmp_path, "0.01\n-0.02\n0.005\n", "--json").stdout)["warnings"]
    assert any("the moves are percent (0.01 is 0.01%, not 1%)" in w for w in fractions)
    assert any("holds 3 moves: the tail figures (p95, p99, 1 in 100) rest on that few moves" in w for w in fractions)
    many = "\n".join(str(v - 12) for v in range(25)) + "\n"
    quiet = json.loads(returns_run(tmp_path, many, "--json").stdout)["warnings"]
    assert not any("moves are percent" in w or "rest on that few" in w for w in quiet)


def test_the_horizon_reads_as_written() -> None:
    result = runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "8h", "--insurance-fund", "5000"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Over 8h at 80% volatility" in text and "1 in 100 such 8h periods worse than" in text
    assert "√(8h / 365d)" in text and "0.333" not in text
    data = json.loads(runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "2w", "--insurance-fund", "5000",
                                          "--json"]).stdout)["expected"]
    assert data["horizon_days"] == 14 and data["horizon"] == "2w"


@pytest.mark.parametrize("horizon", ["99999w", "366d", "53w"])
def test_a_horizon_beyond_a_year_is_refused(horizon: str) -> None:
    stderr = one_line(runner.invoke(app, [*YOU, "--vol", "80", "--horizon", horizon, "--insurance-fund", "5000"]))
    assert "--horizon: at most 365d" in stderr and repr(horizon) in stderr


def test_an_insurance_fund_with_one_colon_names_the_range_form() -> None:
    stderr = one_line(runner.invoke(app, [*YOU, "--vol", "80", "--horizon", "1d", "--insurance-fund", "5000:200000"]))
    assert "--insurance-fund: expected an AMOUNT or a range FROM:TO:STEP" in stderr


@pytest.mark.parametrize("args", [[*YOU, "--vol", "80", "--horizon", "1d", "--samples", "2.5"],
                                  [*SYNTH[:-1], "2.5"]])
def test_a_whole_number_option_given_a_fraction_is_one_liqcalc_line(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "liqcalc", *args], capture_output=True, text=True,
                            cwd=tempfile.gettempdir(), check=False)
    option = args[-2]
    assert result.returncode == 2
    assert result.stderr == f"liqcalc: error: {option}: expected a whole number, got '2.5'\n"
