"""``liqcalc.app.adl.adl_risk``: the Python call behind ``liqcalc adl-risk``.

Its report's ``to_dict()`` is the command's ``--json`` object; its errors name the keyword
where the command names the option; a book may be rows.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.app.adl import AdlReport, adl_risk, parse_shock
from liqcalc.app.books import read_book
from liqcalc.cli import app
from liqcalc.core.errors import InputError, LeverageError, LiqcalcError
from liqcalc.render.numbers import dumps

BOOK = str(Path(__file__).parent.parent / "assets" / "books" / "btcusdt.csv")
YOU = {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": "60000", "size": "1", "leverage": "20",
       "mark": "66000"}
SHORT = {"preset": "bybit", "symbol": "BTCUSDT", "side": "short", "entry": "64000", "size": "0.5", "leverage": "10",
         "mark": "60000"}


def argv(**options: Any) -> list[str]:
    """The command line of the same call: ``insurance_fund="1"`` is ``--insurance-fund 1``."""
    args = ["adl-risk"]
    for key, value in options.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    return [*args, "--json"]


CALLS = {
    "score without a book": {**YOU},
    "score of a short without a book, with a hedge": {**SHORT, "hedge_size": "0.5", "lights": "3"},
    "liquidated-size event on the sample book": {**SHORT, "book": "sample:btcusdt", "liquidated_size": "3",
                                                 "bankruptcy_price": "61000", "insurance_fund": "1000"},
    "event with a hedge and pro-rata": {**SHORT, "book": BOOK, "liquidated_size": "3", "bankruptcy_price": "61000",
                                        "hedge_size": "0.2", "policy": "pro-rata"},
    "one shock": {**YOU, "book": "sample:btcusdt", "shock": "-8", "insurance_fund": "20000"},
    "a sweep with top": {**YOU, "book": "sample:btcusdt", "shock": "2:10:2", "insurance_fund": "20000", "top": "3"},
    "a sweep with a hedge": {**YOU, "book": BOOK, "shock": "-10:-2:4", "hedge_size": "0.4", "slippage_bps": "0"},
    "a book alone": {"preset": "hyperliquid", "symbol": "BTC", "mark": "60000", "book": BOOK, "liquidated_size": "1",
                     "bankruptcy_price": "61000", "liquidated_side": "short"},
}


def python_call(options: dict[str, Any]) -> AdlReport:
    typed = {k: int(v) if k in ("top", "lights", "seed") else v for k, v in options.items()}
    return adl_risk(**typed)


@pytest.mark.parametrize("options", CALLS.values(), ids=CALLS.keys())
def test_report_to_dict_is_the_json_of_the_command(options: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, argv(**options))
    assert result.exit_code == 0, result.output
    report = python_call(options)
    assert json.loads(dumps(report.to_dict())) == json.loads(result.stdout)


def test_report_is_frozen() -> None:
    report = adl_risk(**YOU)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.warnings = ()  # type: ignore[misc]
    assert isinstance(report.inputs.mark, Decimal) and isinstance(report.you["realized_pnl"], Decimal | None)


def test_numbers_may_be_python_numbers() -> None:
    text = adl_risk(**SHORT, book=BOOK, liquidated_size="3", bankruptcy_price="61000").to_dict()
    typed = adl_risk(preset="bybit", symbol="BTCUSDT", side="short", entry=64000, size=Decimal("0.5"), leverage=10,
                     mark=60000.0, book=BOOK, liquidated_size=3, bankruptcy_price=61000).to_dict()
    assert typed == text


def book_rows(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


@pytest.mark.parametrize("event", [{"liquidated_size": "3", "bankruptcy_price": "61000"}, {"shock": "4"}])
def test_a_book_of_rows_is_the_book_of_the_file(event: dict[str, Any]) -> None:
    from_file = adl_risk(**SHORT, book=BOOK, **event).to_dict()
    from_rows = adl_risk(**SHORT, book=book_rows(BOOK), **event).to_dict()
    assert from_file["inputs"].pop("book") == BOOK and from_rows["inputs"].pop("book") == "rows"
    assert from_rows == from_file


def test_book_and_preset_may_be_paths() -> None:
    from liqcalc.presets.loader import load

    as_text = adl_risk(**SHORT, book=BOOK, shock="3").to_dict()
    preset = load("bybit").path
    as_paths = adl_risk(**{**SHORT, "preset": preset}, book=Path(BOOK), shock="3").to_dict()
    assert as_paths["preset"]["name"] == as_text["preset"]["name"] == "bybit"
    as_paths["inputs"]["preset"] = "bybit"
    assert {k: v for k, v in as_paths.items() if k != "preset"} == {k: v for k, v in as_text.items() if k != "preset"}


def test_shock_as_a_list_sweeps_those_percents() -> None:
    stepped = adl_risk(**YOU, book="sample:btcusdt", shock="2:10:2").to_dict()
    listed = adl_risk(**YOU, book="sample:btcusdt", shock=[2, 4, 6, 8, 10]).to_dict()
    assert listed["inputs"]["shock"] == [2, 4, 6, 8, 10]
    assert stepped["inputs"]["shock"] == {"from": 2, "to": 10, "steps": 5}
    listed["inputs"]["shock"] = stepped["inputs"]["shock"]
    assert listed == stepped
    assert parse_shock(-5) == [Decimal(-5)] and parse_shock("-5") == [Decimal(-5)]


@pytest.mark.parametrize(("options", "api", "cli"), [
    ({**YOU, "insurance_fund": "-1"}, "insurance_fund=: must be 0 or more, got -1",
     "--insurance-fund: must be 0 or more, got -1"),
    ({**YOU, "slippage_bps": "10000"}, "slippage_bps=: 10000 bps would fill at or below zero; give less than 10000 (100%)",
     "--slippage-bps: 10000 bps would fill at or below zero; give less than 10000 (100%)"),
    ({**YOU, "liquidated_size": "1"},
     "bankruptcy_price=: missing; a liquidation event needs liquidated_size= and bankruptcy_price=",
     "--bankruptcy-price: missing; a liquidation event needs --liquidated-size and --bankruptcy-price"),
    ({**YOU, "shock": "5:1:1"}, "shock=: the step 1 does not lead from 5 to 1", "--shock: the step 1 does not lead from 5 to 1"),
    ({**YOU, "book": "no-such-book.csv"}, "book=: no such file no-such-book.csv", "--book: no such file no-such-book.csv"),
    ({**YOU, "leverage": "200"},
     "leverage=: leverage 200x is above the maximum 150x for BTCUSDT at 60,000.00 USDT notional (tier 1)",
     "--leverage: leverage 200x is above the maximum 150x for BTCUSDT at 60,000.00 USDT notional (tier 1)"),
    ({**{k: v for k, v in YOU.items() if k != "leverage"}, "margin": "100"},
     "margin=: leverage 600x (implied by margin= 100) is above the maximum 150x for BTCUSDT at 60,000.00 USDT "
     "notional (tier 1)",
     "--margin: leverage 600x (implied by --margin 100) is above the maximum 150x for BTCUSDT at 60,000.00 USDT "
     "notional (tier 1)"),
    ({"preset": "binance", "symbol": "BTCUSDT", "mark": "1"}, "give your position (side=, entry=, size=, leverage=) or "
     "a book=, or both", "give your position (--side, --entry, --size, --leverage) or a --book, or both"),
])
def test_errors_name_the_keyword_where_the_command_names_the_option(options: dict[str, Any], api: str, cli: str) -> None:
    with pytest.raises(LiqcalcError) as raised:
        python_call(options)
    assert str(raised.value) == api
    result = CliRunner().invoke(app, argv(**options))
    assert result.exit_code in (1, 2) and result.stderr == f"liqcalc: error: {cli}\n"


def test_a_bad_value_carries_its_keyword_as_field() -> None:
    with pytest.raises(InputError) as raised:
        adl_risk(**YOU, hedge_size="-2")
    assert raised.value.field == "hedge_size=" and raised.value.problem == "must be 0 or more, got -2"
    with pytest.raises(LeverageError) as too_high:
        adl_risk(**{**YOU, "leverage": "200"})
    assert too_high.value.field == "leverage"


@pytest.mark.parametrize(("options", "message"), [
    ({"top": "3"}, "top=: expected a whole number, got '3'"),
    ({"lights": True}, "lights=: expected a whole number, got True"),
    ({"book": 7}, 'book=: expected a path, "sample:NAME" or a list of rows, got 7'),
])
def test_python_values_of_the_wrong_kind_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(LiqcalcError) as raised:
        adl_risk(**YOU, **options)
    assert str(raised.value) == message


def test_standard_input_is_the_command_lines_only() -> None:
    with pytest.raises(InputError, match='book=: "-" ') as raised:
        adl_risk(**YOU, book="-")
    assert raised.value.field == "book="


@pytest.mark.parametrize(("options", "field"), [
    ({"ranking": "fastest"}, "ranking="), ({"policy": "random"}, "policy="), ({"top": 0}, "top="),
    ({"lights": 9}, "lights="), ({"liquidated_size": 1}, "bankruptcy_price="), ({"leverage": "5,10"}, "leverage="),
])
def test_every_bad_choice_carries_its_keyword(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as raised:
        adl_risk(**{**YOU, **options})
    assert raised.value.field == field and str(raised.value).startswith(field + ": ")


@pytest.mark.parametrize(("rows", "message"), [
    ([{"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 10}, {"id": "a", "side": "short", "size": 1,
                                                                             "entry": 60000, "leverage": 10}],
     "book[1]: id: duplicate id 'a' (also on book[0])"),
    ([{"id": "a", "side": "long", "size": 1, "entry": 60000}], "book[0]: margin: missing; give margin or leverage for an "
     "isolated position, or wallet for a cross one"),
    ([{"id": "a", "side": "long", "size": "x", "entry": 60000, "leverage": 2}], "book[0]: size: expected a number, got 'x'"),
    ([{"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 2, "colour": "red"}],
     "book[0]: colour: unknown field; the fields are id, side, size, entry, margin or leverage, and optional wallet and mark"),
    (["a,long,1"], "book[0]: expected a mapping of the columns (id, side, size, entry, margin or leverage, and optional "
                   "wallet and mark)"),
    ([{"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 500}],
     "book[0]: leverage: leverage 500x is above the maximum 150x for BTCUSDT at 60,000.00 USDT notional (tier 1)"),
])
def test_bad_rows_are_named_by_their_index(rows: list[Any], message: str) -> None:
    with pytest.raises(InputError) as raised:
        adl_risk(**YOU, book=rows, liquidated_size="1", bankruptcy_price="70000")
    assert str(raised.value) == message


def test_rows_read_as_a_json_line_does() -> None:
    rows = read_book([{"id": "a", "side": "long", "size": Decimal("1.5"), "entry": 60000, "leverage": 2.5}])
    assert rows.values["size"] == ["1.5"] and rows.values["leverage"] == ["2.5"] and rows.where(0) == "book[0]"


def test_importing_the_api_loads_neither_numpy_nor_typer_nor_rich() -> None:
    code = ("import sys, liqcalc.app.adl, liqcalc.app.books; "
            "assert not {'numpy', 'typer', 'rich'} & set(sys.modules), sorted({'numpy', 'typer', 'rich'} & set(sys.modules))")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_render_never_imports_the_cli() -> None:
    source = (Path(__file__).parents[2] / "liqcalc" / "render" / "adl.py").read_text(encoding="utf-8")
    assert "liqcalc.cli" not in source


def test_the_commands_default_slippage_is_the_apis() -> None:
    from liqcalc.app import adl as api
    from liqcalc.cli import adl_risk as command

    assert command.DEFAULT_SLIPPAGE_BPS == api.DEFAULT_SLIPPAGE_BPS
    assert adl_risk(**YOU, book=BOOK, shock="-5").inputs.slippage_bps == Decimal(api.DEFAULT_SLIPPAGE_BPS)
