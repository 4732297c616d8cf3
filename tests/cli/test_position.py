"""``liqcalc position`` through Typer's runner: stdout and stderr apart, exit codes, JSON keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
BASE = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1"]


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def test_json_contract_keys() -> None:
    result = run(*BASE, "--leverage", "20", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("schema_version", "inputs", "preset", "warnings", "liquidation_price", "bankruptcy_price",
                "initial_margin", "maintenance_margin", "tier", "waterfall"):
        assert key in data
    assert data["preset"]["name"] == "binance" and data["preset"]["as_of"] == "2026-09-01"
    assert data["liquidation_price"] == pytest.approx(57228.9156626506)
    assert data["bankruptcy_price"] == 57000
    assert set(data["waterfall"]) >= {"surplus", "shortfall", "flows"}
    assert data["waterfall"]["flows"] == [{"from": "margin", "to": "insurance_fund", "amount": pytest.approx(228.9156626506)}]
    assert result.stderr == ""


def test_table_output_explains_the_tier_and_the_waterfall() -> None:
    result = run(*BASE, "--leverage", "20")
    assert result.exit_code == 0, result.output
    assert "57,228.92" in result.stdout
    assert "reads the tier at the notional at the liquidation price" in result.stdout
    assert "to the insurance fund" in result.stdout


def test_several_leverages_give_one_row_each() -> None:
    result = run(*BASE, "--leverage", "5,10", "--leverage", "20", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert [r["leverage"] for r in rows] == [5, 10, 20]
    prices = [r["liquidation_price"] for r in rows]
    assert prices == sorted(prices)


def test_tier_changes_between_entry_and_liquidation() -> None:
    """Our own: a short at 294,000 USDT of entry notional (tier 1, up to 300,000) reaches tier 2
    at its liquidation price; the answer is solved in tier 2."""
    result = run("position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry", "60000",
                 "--size", "4.9", "--leverage", "20", "--json")
    data = json.loads(result.stdout)
    assert data["tier_at_entry"]["number"] == 1
    assert data["tier"]["number"] == 2
    liq = data["liquidation_price"]
    mm = 4.9 * liq * 0.005 - 300
    assert 14700 - 4.9 * (liq - 60000) == pytest.approx(mm)


def test_fill_beyond_bankruptcy_with_a_capped_fund_goes_to_adl() -> None:
    result = run(*BASE, "--leverage", "20", "--fill", "56000", "--insurance-fund", "400", "--json")
    data = json.loads(result.stdout)
    assert data["waterfall"]["shortfall"] == 1000
    assert data["waterfall"]["flows"] == [
        {"from": "insurance_fund", "to": "deficit", "amount": 400},
        {"from": "adl_counterparties", "to": "deficit", "amount": 600},
    ]
    assert data["waterfall"]["adl_price"] == 57000


def test_one_x_long_has_no_liquidation_price() -> None:
    data = json.loads(run(*BASE, "--leverage", "1", "--json").stdout)
    assert data["liquidation_price"] is None
    assert data["bankruptcy_price"] is None


def test_funding_and_added_margin_move_the_price() -> None:
    plain = json.loads(run(*BASE, "--leverage", "20", "--json").stdout)["liquidation_price"]
    paid = json.loads(run(*BASE, "--leverage", "20", "--funding", "100", "--json").stdout)["liquidation_price"]
    added = json.loads(run(*BASE, "--leverage", "20", "--add-margin", "100", "--json").stdout)["liquidation_price"]
    assert added < plain < paid


def test_account_file(tmp_path: Path) -> None:
    account = tmp_path / "acct.json"
    account.write_text(json.dumps({"preset": "binance", "wallet": 1535443.01, "positions": [
        {"symbol": "BTCUSDT", "side": "long", "size": 109.488, "entry": 32481.98, "mark": 31967.27, "mmr": 0.025, "maint_amount": 16300},
        {"symbol": "ETHUSDT", "side": "long", "size": 3683.979, "entry": 1456.84, "mark": 1335.18, "mmr": 0.1, "maint_amount": 135365},
    ]}))
    result = run("position", "--account", str(account), "--json")
    assert result.exit_code == 0, result.output
    positions = json.loads(result.stdout)["positions"]
    assert [(p["symbol"], round(p["liquidation_price"], 2)) for p in positions] == [("BTCUSDT", 26316.89), ("ETHUSDT", 1153.26)]


def test_account_file_bad_row_is_named(tmp_path: Path) -> None:
    account = tmp_path / "acct.toml"
    account.write_text('preset = "binance"\nwallet = 1000\n[[positions]]\nsymbol = "BTCUSDT"\nside = "long"\nsize = 1\n'
                       'entry = 60000\nmark = 60000\n[[positions]]\nsymbol = "ETHUSDT"\nside = "long"\nsize = -2\nentry = 3000\nmark = 3000\n')
    result = run("position", "--account", str(account))
    assert result.exit_code == 1
    assert result.stderr == f"liqcalc: error: {account}: positions[1].size: must be greater than 0, got -2\n"


def test_batch_input_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        {"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20},
        {"symbol": "BTCUSDT", "side": "sideways", "entry": 60000, "size": 1, "leverage": 20},
        "not json",
        {"symbol": "ETH", "side": "short", "entry": 3000, "size": 2, "margin": 600},
    ]
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = run("position", "--preset", "binance", "--input", "-", stdin=text)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4]
    assert out[0]["liquidation_price"] == pytest.approx(57228.9156626506)
    assert out[1]["error"] == "side: expected long or short, got 'sideways'"
    assert out[2]["error"].startswith("line 3: not JSON")
    assert out[3]["symbol"] == "ETHUSDT"
    assert result.stderr == "liqcalc: error: --input: 2 lines failed; see the error objects on stdout\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--leverage", "0"], 2, "--leverage: must be greater than 0, got 0"),
        (["--leverage", "-5"], 2, "--leverage: must be greater than 0, got -5"),
        (["--leverage", "nan"], 2, "--leverage: expected a finite number, got 'nan'"),
        (["--leverage", "inf"], 2, "--leverage: expected a finite number, got 'inf'"),
        (["--leverage", "ten"], 2, "--leverage: expected a number, got 'ten'"),
        (["--leverage", "200"], 1, "--leverage: leverage 200x is above the maximum 150x for BTCUSDT at 60,000.00 USDT "
                                   "notional (tier 1)"),
        (["--leverage", "20", "--entry", "1e400"], 2, "--entry: '1e400' is out of range (between 1e-30 and 1e30 in size)"),
        (["--leverage", "20", "--entry", "1e25"], 1, None),
    ],
)
def test_bad_numbers(args: list[str], code: int, message: str | None) -> None:
    result = run(*BASE, *args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    if message is not None:
        assert result.stderr == f"liqcalc: error: {message}\n"


def test_size_beyond_the_last_tier() -> None:
    result = run("position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000",
                 "--size", "100000", "--leverage", "1")
    assert result.exit_code == 1
    assert result.stderr == ("liqcalc: error: --size: BTCUSDT: the entry notional 6,000,000,000.00 USDT is beyond the largest "
                             "position the venue allows (1,800,000,000.00 USDT, tier 12); give a size of at most 30,000 at the "
                             "entry 60,000 (1,800,000,000.00 USDT / 60,000)\n")


def test_unknown_symbol_and_preset() -> None:
    result = run("position", "--preset", "binance", "--symbol", "NOPEUSDT", "--side", "long", "--entry", "1",
                 "--size", "1", "--leverage", "2")
    assert result.exit_code == 1
    assert result.stderr.startswith("liqcalc: error: --symbol: NOPEUSDT is not a symbol of the binance preset")
    result = run("position", "--preset", "nope", "--symbol", "BTC", "--side", "long", "--entry", "1", "--size", "1",
                 "--leverage", "2")
    assert result.exit_code == 1
    assert result.stderr.startswith("liqcalc: error: --preset: unknown preset 'nope'")


def test_missing_and_conflicting_options() -> None:
    result = run("position", "--preset", "binance", "--symbol", "BTC", "--side", "long", "--entry", "1", "--size", "1")
    assert result.exit_code == 2
    assert result.stderr == "liqcalc: error: --leverage: give --leverage or --margin (the isolated margin)\n"
    result = run(*BASE, "--leverage", "2", "--margin", "100")
    assert result.exit_code == 2
    assert result.stderr == "liqcalc: error: --margin: give --leverage or --margin, not both\n"


def test_every_command_has_help_with_an_example() -> None:
    result = run("position", "--help")
    assert result.exit_code == 0
    assert "Example: liqcalc position" in result.stdout


def test_account_file_unknown_symbol_is_named(tmp_path: Path) -> None:
    account = tmp_path / "acct.json"
    account.write_text(json.dumps({"preset": "binance", "wallet": 100, "positions": [
        {"symbol": "NOPE", "side": "long", "size": 1, "entry": 1, "mark": 1}]}))
    result = run("position", "--account", str(account))
    assert result.exit_code == 1
    assert result.stderr == (f"liqcalc: error: {account}: positions[0].symbol: NOPE is not a symbol of the binance preset "
                             "(907 symbols, `liqcalc presets show binance` lists them); `liqcalc presets fetch binance` "
                             "downloads every symbol the venue lists\n")
