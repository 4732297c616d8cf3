"""The core names an input by its key; each edge words it its own way: the command line the
option (``--wallet``), a batch line the JSON key (``wallet``), the API the keyword
(``wallet=``), in the error's field and in its prose alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

import liqcalc
from liqcalc.cli import app
from liqcalc.core.errors import Note, option_name, reworded, worded

runner = CliRunner()
LONG = {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 10}
TIERS = ("BTCUSDT: the notional at the mark price 5,000,000.00 USDT is beyond the last known tier (tier 2, up to "
         "2,000,000.00 USDT); this preset knows only the first tiers of this symbol. Give a mark of at most 2,000,000.00 "
         "(2,000,000.00 USDT / size 1); or supply a fuller table with `liqcalc presets import`, or give the tier "
         "yourself with {mmr} and {maint_amount}")
WALLET = "{wallet} is for {mode=cross}; an isolated position is backed by {leverage} or {margin}"
CAN_PAY = "{can_pay}: trader pays no shortfall on binance; its waterfall is insurance_fund, adl_counterparties"
LEVERAGE = "{leverage}: leverage 500x is above the maximum 150x for BTCUSDT at 60,000.00 USDT notional (tier 1)"

#: (the values, the error with its inputs as placeholders, the field the API gives: the keyword for
#: an InputError, the key for a UsageError or LeverageError; the CLI's exit code)
ERRORS: dict[str, tuple[dict[str, Any], str, str, int]] = {
    "mark beyond a partial table": ({**LONG, "preset": "bybit", "mark": 5000000}, "{mark}: " + TIERS, "mark=", 1),
    "wallet in isolated mode": ({**LONG, "wallet": 1000}, WALLET, "wallet", 2),
    "can-pay on a party that pays nothing": ({**LONG, "can_pay": {"trader": 5}}, CAN_PAY, "can_pay", 2),
    "leverage above the tier's maximum": ({**LONG, "leverage": 500}, LEVERAGE, "leverage", 1),
}


def keyword(key: str) -> str:
    return key + "="


def options(values: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in values.items():
        pairs = [f"{party}={amount}" for party, amount in value.items()] if isinstance(value, dict) else [str(value)]
        args += [item for pair in pairs for item in (option_name(key), pair)]
    return args


def test_the_placeholder_forms_each_reader_writes() -> None:
    text = "{wallet} is for {mode=cross}; cap with {can_pay}"
    assert worded(text, option_name) == "--wallet is for --mode cross; cap with --can-pay"
    assert worded(text, lambda key: key) == 'wallet is for mode "cross"; cap with can_pay'
    assert worded(text, keyword) == "wallet= is for mode='cross'; cap with can_pay="


@pytest.mark.parametrize("case", list(ERRORS))
def test_the_same_bad_value_is_named_three_ways(case: str) -> None:
    values, template, field, code = ERRORS[case]
    with pytest.raises(liqcalc.LiqcalcError) as raised:
        liqcalc.position(**values)
    assert str(raised.value) == worded(template, keyword)
    assert raised.value.field == field  # type: ignore[attr-defined]
    assert "--" not in str(raised.value)

    result = runner.invoke(app, ["position", *options(values)])
    assert result.exit_code == code
    assert result.stderr == f"liqcalc: error: {worded(template, option_name)}\n"

    line = json.dumps(values)
    batch = runner.invoke(app, ["position", "--input", "-"], input=line + "\n")
    assert json.loads(batch.stdout)["error"] == worded(template, lambda key: key)


def test_the_fill_on_the_profitable_side_is_warned_three_ways() -> None:
    values = {**LONG, "side": "short", "leverage": 20, "fill": "0.45"}
    warning = ("{fill} 0.45 is on the profitable side of the liquidation price 62,749.00: a liquidation order fills "
               "at or beyond the liquidation price; the waterfall at it is a what-if")
    assert worded(warning, keyword) in liqcalc.position(**values).to_dict()["warnings"]
    assert f"liqcalc: warning: {worded(warning, option_name)}\n" in runner.invoke(app, ["position", *options(values)]).stderr
    result = runner.invoke(app, ["position", *options(values), "--json"])
    assert worded(warning, option_name) in json.loads(result.stdout)["warnings"]
    batch = runner.invoke(app, ["position", "--input", "-"], input=json.dumps(values) + "\n")
    assert worded(warning, lambda key: key) in json.loads(batch.stdout)["warnings"]


def test_a_core_note_reads_as_the_command_line_until_an_edge_rewords_it() -> None:
    note = Note("no {leverage}: the estimated closing fee is taken at the entry price")
    assert note == "no --leverage: the estimated closing fee is taken at the entry price"
    assert reworded(note, keyword) == "no leverage=: the estimated closing fee is taken at the entry price"
    assert reworded("a plain warning", keyword) == "a plain warning"


def test_the_adl_api_names_a_core_error_by_keyword() -> None:
    with pytest.raises(liqcalc.LiqcalcError) as raised:
        liqcalc.adl_risk(**{**LONG, "wallet": 1000}, mark=60000, book="sample:btcusdt", shock=5)
    assert str(raised.value) == worded(WALLET, keyword)


def test_the_core_holds_no_command_line_flag() -> None:
    from pathlib import Path

    import liqcalc.core

    for path in Path(liqcalc.core.__file__).parent.glob("*.py"):
        code = [line for line in path.read_text().splitlines() if not line.strip().startswith(("#", "``", '"""'))]
        flags = [line for line in code if '"--' in line or "f\"--" in line]
        assert flags == [] or path.name == "errors.py", (path, flags)


def test_a_core_warning_names_the_keyword_in_the_api_and_the_option_in_the_cli() -> None:
    # the one core warning that names an input (the cross closing-fee note it replaced is gone:
    # a cross position's fee is estimated at its own bankruptcy price, which needs no input)
    trade = {"preset": "bybit", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 10,
             "fill": 59000}
    report = liqcalc.position(**trade).to_dict()["warnings"]
    assert any(w.startswith("fill= 59,000 is on the profitable side of the liquidation price") for w in report)
    result = runner.invoke(app, ["position", *options(trade)])
    assert "liqcalc: warning: --fill 59,000 is on the profitable side of the liquidation price" in result.stderr
