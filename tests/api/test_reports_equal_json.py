"""The Python API's reports: ``to_dict()`` is exactly the object the command's ``--json`` prints
(same keys, same values), for each command and each variant of it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import liqcalc
from liqcalc.cli import app
from liqcalc.render.numbers import dumps

runner = CliRunner()
ACCOUNT = Path(__file__).parent.parent / "assets" / "accounts" / "binance-cross.json"
TRADE = ["--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1"]


def cli_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout, parse_float=Decimal)


def as_json(report: Any) -> Any:
    """The report's dict as the JSON it becomes (numbers exact)."""
    return json.loads(dumps(report.to_dict()), parse_float=Decimal)


def test_position_one_leverage_report_is_its_json() -> None:
    report = liqcalc.position(preset="binance", symbol="BTCUSDT", side="long", entry=60000, size=1, leverage=20)
    assert as_json(report) == cli_json("position", "--preset", "binance", *TRADE, "--leverage", "20")
    assert isinstance(report.liquidation_price, Decimal)
    assert report.liquidation_price == report.result.liquidation_price == report.to_dict()["liquidation_price"]


def test_position_several_leverages_report_is_its_json() -> None:
    report = liqcalc.position(preset="bybit", symbol="BTCUSDT", side="short", entry="60000", size=Decimal(2),
                              leverage=[5, "10", Decimal(20)], mark=61000)
    expected = cli_json("position", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "60000",
                        "--size", "2", "--leverage", "5", "--leverage", "10,20", "--mark", "61000")
    assert as_json(report) == expected
    assert len(report.results) == 3 and "results" in expected
    with pytest.raises(ValueError, match="3 results"):
        report.result  # noqa: B018


def test_position_fill_and_caps_report_is_its_json() -> None:
    report = liqcalc.position(preset="binance", symbol="BTCUSDT", side="long", entry=60000, size=10, leverage=20,
                              fill=56000, insurance_fund=100, funding=-25.5, add_margin=1000)
    expected = cli_json("position", "--preset", "binance", *TRADE[:-1], "10", "--leverage", "20", "--fill", "56000",
                        "--insurance-fund", "100", "--funding", "-25.5", "--add-margin", "1000")
    assert as_json(report) == expected
    assert expected["waterfall"]["label"] == "fill" and expected["waterfall"]["shortfall"] > 0


def test_position_can_pay_mapping_is_the_repeated_option() -> None:
    report = liqcalc.position(preset="clearinghouse", symbol="BTC", side="long", entry=60000, size=1, leverage=4,
                              fill=40000, can_pay={"trader": 1000})
    expected = cli_json("position", "--preset", "clearinghouse", "--symbol", "BTC", "--side", "long", "--entry", "60000",
                        "--size", "1", "--leverage", "4", "--fill", "40000", "--can-pay", "trader=1000")
    assert as_json(report) == expected


def test_position_cross_margin_and_overrides_report_is_its_json() -> None:
    report = liqcalc.position(preset="okx", symbol="BTC", side="short", entry=60000, notional=120000, mode="cross",
                              wallet=8000, mmr=0.01, maint_amount=0, liquidation_fee=0.001)
    expected = cli_json("position", "--preset", "okx", "--symbol", "BTC", "--side", "short", "--entry", "60000",
                        "--notional", "120000", "--mode", "cross", "--wallet", "8000", "--mmr", "0.01",
                        "--maint-amount", "0", "--liquidation-fee", "0.001")
    assert as_json(report) == expected


@pytest.mark.parametrize("source", ["path", "mapping"])
def test_account_report_is_its_json(source: str) -> None:
    data = json.loads(ACCOUNT.read_text(), parse_float=Decimal)
    report = liqcalc.account(account=ACCOUNT if source == "path" else data, wallet="1500000")
    assert as_json(report) == cli_json("position", "--account", str(ACCOUNT), "--wallet", "1500000")
    assert [r.symbol for r in report.results] == ["BTCUSDT", "ETHUSDT"]
    totals = report.to_dict()
    assert (report.equity, report.margin_ratio, report.maintenance_margin) == (
        totals["equity"], totals["margin_ratio"], totals["maintenance_margin"])


def test_compare_every_builtin_report_is_its_json() -> None:
    report = liqcalc.compare(symbol="BTC", side="long", entry=60000, size=1, leverage=10)
    assert as_json(report) == cli_json("compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
                                       "--leverage", "10")
    assert len(report.rows) > 3 and all(row.ok for row in report.rows if row.name in ("binance", "bybit"))


def test_compare_named_presets_with_fill_report_is_its_json() -> None:
    report = liqcalc.compare(symbol="BTC", side="long", entry=60000, size=10, leverage=10, fill=52000,
                             insurance_fund=5000, presets=["binance", "hyperliquid", "dydx"])
    expected = cli_json("compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "10",
                        "--leverage", "10", "--fill", "52000", "--insurance-fund", "5000",
                        "--presets", "binance,hyperliquid,dydx")
    assert as_json(report) == expected
    assert [row["preset"] for row in expected["results"]] == ["binance", "hyperliquid", "dydx"]


def test_batch_line_goes_through_the_api_path(tmp_path: Path) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, '
                     '"leverage": 20}\n')
    result = runner.invoke(app, ["position", "--input", str(lines)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout, parse_float=Decimal)
    report = liqcalc.position(preset="binance", symbol="BTCUSDT", side="long", entry=60000, size=1, leverage=20)
    assert line == {"schema_version": 1, "line": 1, **as_json(report)}
