"""Issue 7 follow-ups through the CLI: a mark beyond a table known in part is one named line
(position, its account file, adl-risk and its book), a complete table extends with a warning,
``--fill`` is echoed as typed, and ``position --fill`` tells ``adl-risk``'s story of who pays
what the fund leaves."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
TRADE = ["--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1", "--leverage", "20", "--no-stale-warning"]


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def one_error_line(result: Any) -> str:
    assert result.exit_code in (1, 2), result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("liqcalc: error: "), result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    return str(result.stderr)


# -- 1. the mark beyond the table --------------------------------------------------------------

BYBIT_LIMIT = "Give a mark of at most 2,000,000.00 (2,000,000.00 USDT / size 1)"


def test_position_mark_beyond_bybit_partial_table_names_mark_and_the_valid_marks() -> None:
    """Seen: "BTCUSDT: the notional at the mark price … is beyond…" without the option."""
    line = one_error_line(run("position", "--preset", "bybit", *TRADE, "--mark", "1e12"))
    assert line.startswith("liqcalc: error: --mark: BTCUSDT: the notional at the mark price 1,000,000,000,000.00 USDT is "
                           "beyond the last known tier (tier 2, up to 2,000,000.00 USDT)")
    assert BYBIT_LIMIT in line


def test_adl_risk_own_mark_beyond_bybit_partial_table_names_mark() -> None:
    line = one_error_line(run("adl-risk", "--preset", "bybit", *TRADE, "--mark", "1e12"))
    assert line.startswith("liqcalc: error: --mark: ") and BYBIT_LIMIT in line


def test_account_row_mark_beyond_bybit_partial_table_names_file_and_field(tmp_path: Path) -> None:
    account = tmp_path / "acc.json"
    account.write_text(json.dumps({"preset": "bybit", "wallet": 10000, "positions": [
        {"symbol": "BTCUSDT", "side": "long", "size": 1, "entry": 60000, "mark": 1e12}]}))
    line = one_error_line(run("position", "--account", str(account), "--no-stale-warning"))
    assert line.startswith(f"liqcalc: error: {account}: positions[0].mark: BTCUSDT: the notional at the mark price")
    assert BYBIT_LIMIT in line


def test_adl_risk_book_row_mark_beyond_bybit_partial_table_names_its_line_and_mark(tmp_path: Path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("id,side,size,entry,margin,mark\na,short,1,60000,3000,1e12\nb,short,1,60000,3000,\n")
    line = one_error_line(run("adl-risk", "--preset", "bybit", *TRADE, "--book", str(book),
                              "--liquidated-size", "1", "--bankruptcy-price", "63000", "--mark", "64000"))
    assert line.startswith(f"liqcalc: error: {book}:2: mark: BTCUSDT: the notional at the mark price")


@pytest.mark.parametrize(("backing", "option", "remedy"), [
    (["--leverage", "1"], "--leverage", "a higher leverage"), (["--margin", "1000000"], "--margin", "less margin"),
    (["--mode", "cross", "--wallet", "1000000"], "--wallet", "a smaller wallet")])
def test_liquidation_beyond_a_partial_table_names_the_option_that_sets_the_backing(
        backing: list[str], option: str, remedy: str) -> None:
    line = one_error_line(run("position", "--preset", "bybit", "--symbol", "BTC", "--side", "short", "--entry", "60000",
                              "--size", "30", *backing, "--no-stale-warning"))
    assert line.startswith(f"liqcalc: error: {option}: BTCUSDT: the notional at the liquidation price ")
    assert f"The liquidation price must be at most 66,666.66 (2,000,000.00 USDT / size 30): {remedy} brings it there" in line


def test_entry_beyond_a_partial_table_names_size_and_the_largest_size() -> None:
    line = one_error_line(run("position", "--preset", "okx", "--symbol", "BTC", "--side", "long", "--entry", "60000",
                              "--size", "100000", "--leverage", "1", "--no-stale-warning"))
    assert line.startswith("liqcalc: error: --size: BTC-USDT-SWAP: the size 100,000 BTC is beyond the last known tier "
                           "(tier 1, up to 10 BTC)")
    assert "Give a size of at most 10 BTC; or supply a fuller table" in line


def test_account_liquidation_beyond_a_partial_table_names_the_files_wallet(tmp_path: Path) -> None:
    account = tmp_path / "acc.json"
    account.write_text(json.dumps({"preset": "bybit", "wallet": 1000000, "positions": [
        {"symbol": "BTCUSDT", "side": "short", "size": 30, "entry": 60000, "mark": 60000}]}))
    line = one_error_line(run("position", "--account", str(account), "--no-stale-warning"))
    assert line.startswith(f"liqcalc: error: {account}: wallet: BTCUSDT: the notional at the liquidation price ")
    assert "a smaller wallet brings it there" in line


def test_book_row_liquidation_beyond_a_partial_table_same_in_both_paths(tmp_path: Path) -> None:
    """The vector path (shock) and the Decimal path (liquidation event) name the same field and
    the same notional (the vector path showed the entry notional, 1,800,000, as the liquidation's)."""
    book = tmp_path / "book.csv"
    book.write_text("id,side,size,entry,leverage\na,short,30,60000,1\n")
    shock = one_error_line(run("adl-risk", "--preset", "bybit", *TRADE, "--book", str(book), "--shock", "3"))
    event = one_error_line(run("adl-risk", "--preset", "bybit", *TRADE, "--book", str(book), "--liquidated-size", "1",
                               "--bankruptcy-price", "63000", "--mark", "64000"))
    head = f"liqcalc: error: {book}:2: leverage: BTCUSDT: the notional at the liquidation price 3,582,597.01 USDT is beyond"
    assert shock.startswith(head) and event.startswith(head)


@pytest.mark.parametrize("command", ["position", "adl-risk"])
def test_mark_beyond_binance_complete_table_extends_its_last_bracket_with_a_warning(command: str) -> None:
    result = run(command, "--preset", "binance", *TRADE, "--mark", "1e12")
    assert result.exit_code == 0, result.output
    assert "the notional at the mark price, 1,000,000,000,000.00 USDT, is beyond BTCUSDT's last tier" in result.stderr


# -- 2. --fill echoed as typed -------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "shown"), [("0.45", "0.45"), ("4.5e-1", "0.45"), ("0.4500", "0.4500"),
                                              ("0.44999999999999996", "0.44999999999999996")])
def test_fill_warning_echoes_the_fill_as_typed_never_through_a_float(typed: str, shown: str) -> None:
    result = run("position", "--preset", "binance", "--symbol", "BTC", "--side", "short", "--entry", "60000", "--size",
                 "1", "--leverage", "20", "--no-stale-warning", "--fill", typed)
    assert result.exit_code == 0, result.output
    assert f"liqcalc: warning: --fill {shown} is on the profitable side" in result.stderr


def test_fill_warning_echoes_an_exponent_as_plain_digits() -> None:
    result = run("position", "--preset", "binance", *TRADE, "--fill", "1E+5")
    assert result.exit_code == 0, result.output
    assert "liqcalc: warning: --fill 100,000 is on the profitable side" in result.stderr


def test_book_row_errors_echo_the_rows_numbers_not_float_g_format(tmp_path: Path) -> None:
    """A book's numbers are floats in the vector path: its errors showed ``:g`` (6 digits, exponents):
    "implied by margin 1234.57", "at 6.13099e+06 USDT notional"."""
    book = tmp_path / "book.csv"
    book.write_text("id,side,size,entry,margin\na,short,100.123,61234.5678,1234.5678901\n")
    line = one_error_line(run("adl-risk", "--preset", "binance", *TRADE, "--book", str(book), "--shock", "5"))
    assert line == (f"liqcalc: error: {book}:2: margin: leverage 4966.10083658x (implied by margin 1234.5678901) is above "
                    "the maximum 50x for BTCUSDT at 6130988.63 USDT notional (tier 4)\n")
    book.write_text("id,side,size,entry,margin\na,short,1,60000,0.0001\n")
    line = one_error_line(run("adl-risk", "--preset", "bybit", *TRADE, "--book", str(book), "--shock", "5"))
    assert line == f"liqcalc: error: {book}:2: margin: 0.0001 does not cover the estimated closing fee 33; give more margin\n"


def test_fill_warning_of_a_json_line_echoes_the_number_in_the_line() -> None:
    line = json.dumps({"symbol": "BTC", "side": "short", "entry": 60000, "size": 1, "leverage": 20, "fill": 0.45})
    result = run("position", "--preset", "binance", "--no-stale-warning", "--input", "-", stdin=line + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"][0].startswith("fill 0.45 is on the profitable side")  # the line's key


# -- 4. position --fill and adl-risk: the same payers --------------------------------------------


def position_fill(preset: str) -> dict[str, Any]:
    result = run("position", "--preset", preset, *TRADE, "--fill", "56500", "--insurance-fund", "200", "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout, parse_float=Decimal))


def adl_event(preset: str) -> dict[str, Any]:
    """The same loss seen by adl-risk: a long of 1 with bankruptcy price 57,000 liquidated with the
    mark at 56,500 (where position's --fill stands for the mark), the fund holding 200."""
    result = run("adl-risk", "--preset", preset, "--symbol", "BTC", "--side", "short", "--entry", "60000", "--size", "1",
                 "--leverage", "20", "--mark", "56500", "--liquidated-size", "1", "--bankruptcy-price", "57000",
                 "--insurance-fund", "200", "--json", "--no-stale-warning")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout, parse_float=Decimal)["event"])


@pytest.mark.parametrize(("preset", "bearer"), [("hyperliquid", "backstop_vault")])
def test_position_fill_on_a_mark_venue_books_the_remainder_to_unabsorbed_by_as_adl_risk(preset: str, bearer: str) -> None:
    w = position_fill(preset)["waterfall"]
    fund = "insurance_fund" if preset == "okx" else "backstop_vault"
    assert w["flows"] == [{"from": fund, "to": "deficit", "amount": 200}, {"from": bearer, "to": "deficit", "amount": 300}]
    assert (w["adl_covered"], w["unabsorbed"], w["unabsorbed_by"], w["adl_price"]) == (0, 300, bearer, 56500)
    event = adl_event(preset)
    assert (event["shortfall"], event["fund_paid"], event["adl_covered"], event["unabsorbed"], event["unabsorbed_by"]) == (
        w["shortfall"], 200, w["adl_covered"], w["unabsorbed"], w["unabsorbed_by"])


def test_position_fill_on_a_bankruptcy_price_venue_keeps_adl_counterparties_as_adl_risk() -> None:
    w = position_fill("binance")["waterfall"]
    assert w["flows"] == [{"from": "insurance_fund", "to": "deficit", "amount": 200},
                          {"from": "adl_counterparties", "to": "deficit", "amount": 300}]
    event = adl_event("binance")
    assert (event["adl_covered"], event["unabsorbed"]) == (w["adl_covered"], w["unabsorbed"]) == (300, 0)


def test_position_fill_on_a_mark_venue_says_why_in_words() -> None:
    result = run("position", "--preset", "hyperliquid", *TRADE, "--fill", "56500", "--insurance-fund", "200")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert ("the backstop (liquidator) vault pays 200.00 USDC, then ADL closes winners on the other side at the mark "
            "price, 56,500.00: closed at the mark, the winners give up nothing against it, so the remaining 300.00 USDC "
            "stays with the backstop (liquidator) vault (the preset's [adl] unabsorbed_by), beyond what it held: it "
            "ends 300.00 USDC below zero.") in text
    assert "(ADL at the mark)" in text  # the flow's tag in the table (its cell may wrap)
