"""The preset loader and ``compare`` name their inputs through the namers, not as flags: the
command line still says ``--preset``, ``--symbol``, ``--presets``, ``--insurance-fund``; the
API says ``preset=``, ``symbol=``, ``presets=``, ``insurance_fund=``; a batch line the key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

import liqcalc
from liqcalc.cli import app
from liqcalc.core.errors import PresetError, literal, option_name, worded
from liqcalc.presets.loader import load, stale_warning

runner = CliRunner()
TRADE = {"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 10}
NAMES = "binance, binance-coinm, bitget, bitmex, bybit, bybit-inverse, clearinghouse, deribit, dydx, hyperliquid, okx"
UNKNOWN = f"unknown preset 'nope'; valid names: {NAMES}, or a path to a .toml file"
NOT_A_SYMBOL = ("NOPE is not a symbol of the binance preset (907 symbols, `liqcalc presets show binance` lists them); "
                "`liqcalc presets fetch binance` downloads every symbol the venue lists")


def cli_error(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    return result.stderr


def api_error(call: Any, **values: Any) -> liqcalc.LiqcalcError:
    with pytest.raises(liqcalc.LiqcalcError) as raised:
        call(**values)
    assert "--" not in str(raised.value)
    return raised.value


def options(values: dict[str, Any]) -> list[str]:
    return [item for key, value in values.items() for item in (option_name(key), str(value))]


def test_unknown_preset_is_preset_keyword_in_the_api_and_the_option_on_the_command_line() -> None:
    values = {"preset": "nope", **TRADE}
    assert str(api_error(liqcalc.position, **values)) == f"preset=: {UNKNOWN}"
    assert cli_error("position", *options(values)) == f"liqcalc: error: --preset: {UNKNOWN}\n"


def test_missing_preset_file_is_preset_keyword_in_the_api() -> None:
    values = {"preset": "/no/such/preset.toml", **TRADE}
    message = "no preset file at /no/such/preset.toml (no such file)"
    assert str(api_error(liqcalc.position, **values)) == f"preset=: {message}"
    assert cli_error("position", *options(values)) == f"liqcalc: error: --preset: {message}\n"


def test_unknown_symbol_is_symbol_keyword_in_the_api() -> None:
    values = {"preset": "binance", **TRADE, "symbol": "NOPE"}
    assert str(api_error(liqcalc.position, **values)) == f"symbol=: {NOT_A_SYMBOL}"
    assert cli_error("position", *options(values)) == f"liqcalc: error: --symbol: {NOT_A_SYMBOL}\n"


def test_a_batch_line_names_the_preset_by_its_key() -> None:
    line = json.dumps({"preset": "nope", **TRADE})
    result = runner.invoke(app, ["position", "--input", "-"], input=line + "\n")
    assert json.loads(result.stdout)["error"] == f"preset: {UNKNOWN}"


def test_load_preset_names_its_argument() -> None:
    error = api_error(liqcalc.load_preset, name_or_path="nope")
    assert isinstance(error, PresetError)
    assert str(error) == f"name_or_path=: {UNKNOWN}"
    assert error.problems == [str(error)]
    with pytest.raises(PresetError, match="^--preset: unknown preset 'nope'"):  # the loader's default wording
        load("nope")


def test_compare_unknown_preset_is_presets_keyword() -> None:
    error = api_error(liqcalc.compare, **{**TRADE, "symbol": "BTC"}, presets=["binance", "nope"])
    assert str(error) == f"presets=: {UNKNOWN}"
    args = ["compare", *options({**TRADE, "symbol": "BTC"}), "--presets", "binance,nope"]
    assert cli_error(*args) == f"liqcalc: error: --presets: {UNKNOWN}\n"


def test_compare_several_leverages_points_to_the_api_call() -> None:
    with pytest.raises(liqcalc.UsageError) as raised:
        liqcalc.compare(**{**TRADE, "symbol": "BTC", "leverage": "5,10"})
    assert str(raised.value) == ("leverage=: compare takes one leverage; for several, use "
                                 "liqcalc.position(leverage=[5, 10, 20])")
    result = runner.invoke(app, ["compare", *options({**TRADE, "symbol": "BTC", "leverage": "5,10"})])
    assert result.exit_code == 2
    assert result.stderr == ("liqcalc: error: --leverage: compare takes one leverage; for several, use "
                             "`liqcalc position --leverage 5,10,20`\n")


def test_compare_insurance_fund_note_names_the_keyword() -> None:
    values = {**TRADE, "symbol": "BTC", "leverage": 2, "fill": 20000, "insurance_fund": 5}
    report = liqcalc.compare(**values, presets=["clearinghouse"])
    assert report.to_dict()["results"][0]["warnings"] == ["no fund in this venue's waterfall: insurance_fund= does not apply"]
    result = runner.invoke(app, ["compare", *options(values), "--presets", "clearinghouse", "--json"])
    assert json.loads(result.stdout)["results"][0]["warnings"] == [
        "no fund in this venue's waterfall: --insurance-fund does not apply"]


def test_account_unknown_preset_is_preset_keyword() -> None:
    error = api_error(liqcalc.account, account={"preset": "nope", "wallet": 100, "positions": [
        {"symbol": "BTCUSDT", "side": "long", "size": 1, "entry": 60000, "mark": 60000}]})
    assert str(error) == f"preset=: {UNKNOWN}"


def test_user_text_in_a_message_is_not_read_as_an_input() -> None:
    """Seen: ``--preset '{mark}'`` said ``unknown preset '--mark'``: a preset name, symbol or path
    that looks like a placeholder is echoed as written."""
    values = {"preset": "{mark}", **TRADE}
    assert str(api_error(liqcalc.position, **values)).startswith("preset=: unknown preset '{mark}'; ")
    assert cli_error("position", *options(values)).startswith("liqcalc: error: --preset: unknown preset '{mark}'; ")
    symbol = {"preset": "binance", **TRADE, "symbol": "{wallet}"}
    assert cli_error("position", *options(symbol)).startswith("liqcalc: error: --symbol: {wallet} is not a symbol")
    path = {"preset": "/tmp/{fill}/x.toml", **TRADE}
    assert cli_error("position", *options(path)) == "liqcalc: error: --preset: no preset file at /tmp/{fill}/x.toml (no such file)\n"
    assert worded(literal("{mark} and {{x}") + " {mark}", option_name) == "{mark} and {{x} --mark"


def test_the_stale_warning_keeps_the_option_as_a_placeholder() -> None:
    warning = stale_warning(load("dydx"))
    assert warning is not None and warning.endswith("or pass --no-stale-warning")
    assert worded(warning.template, lambda key: key + "=").endswith("or pass no_stale_warning=")  # type: ignore[attr-defined]
