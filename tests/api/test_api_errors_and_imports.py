"""The API's edges: errors of one family naming the keyword (the CLI names the option, a batch
line the JSON key), lazy names at the package root, and the layers' imports."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import liqcalc
from liqcalc.cli import app

runner = CliRunner()
TRADE = {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20}


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("entry", -1, "must be greater than 0, got -1"),
    ("size", "abc", None),
    ("leverage", 0.5, "must be at least 1, got 0.5"),
    ("side", "up", "expected long or short, got 'up'"),
])
def test_api_error_names_the_keyword_cli_the_option_batch_the_key(tmp_path: Path, key: str, value: object,
                                                                  problem: str | None) -> None:
    with pytest.raises(liqcalc.InputError) as raised:
        liqcalc.position(**{**TRADE, key: value})  # type: ignore[arg-type]
    error = raised.value
    assert isinstance(error, liqcalc.LiqcalcError)
    assert error.field == f"{key}=" and str(error).startswith(f"{key}=: ")
    if problem is not None:
        assert error.problem == problem
    option = "--" + key.replace("_", "-")
    args = [item for k, v in TRADE.items() for item in ("--" + k, str(v)) if k != key]
    result = runner.invoke(app, ["position", *args, option, str(value)])
    assert result.exit_code == 2
    assert result.stderr == f"liqcalc: error: {option}: {error.problem}\n"
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({**TRADE, key: value}) + "\n")
    batch = runner.invoke(app, ["position", "--input", str(lines)])
    assert json.loads(batch.stdout)["error"] == f"{key}: {error.problem}"


def test_api_names_the_keyword_for_a_core_field() -> None:
    # the core names the field as the option (--funding); the API says funding=, the CLI --funding
    with pytest.raises(liqcalc.InputError) as raised:
        liqcalc.position(**{**TRADE, "funding": 10000})  # type: ignore[arg-type]
    assert raised.value.field == "funding="
    assert str(raised.value).startswith("funding=: funding 10,000 leaves -7,000.00 USDT of margin")


def test_api_usage_errors_name_keywords() -> None:
    with pytest.raises(liqcalc.InputError, match=r"^size=: give exactly one of size= \(base quantity\) and notional="):
        liqcalc.position(**{**TRADE, "notional": 60000})  # type: ignore[arg-type]
    with pytest.raises(liqcalc.UsageError, match=r"^insurance_fund= caps what the fund pays .* give fill= too$"):
        liqcalc.compare(symbol="BTC", side="long", entry=60000, size=1, leverage=10, insurance_fund=5)
    with pytest.raises(liqcalc.PresetError, match=r"^presets=: unknown preset 'nope'"):
        liqcalc.compare(symbol="BTC", side="long", entry=60000, size=1, leverage=10, presets=["nope"])
    with pytest.raises(liqcalc.LiqcalcError, match=r"^account=: preset: missing; name the preset in the file or give preset=$"):
        liqcalc.account(account={"wallet": 1, "positions": []})


def test_api_numbers_take_decimal_int_str_and_float_alike() -> None:
    reports = [liqcalc.position(**{**TRADE, "entry": entry}) for entry in (Decimal("60000.5"), "60000.5", 60000.5)]  # type: ignore[arg-type]
    assert len({r.liquidation_price for r in reports}) == 1
    assert liqcalc.position(**{**TRADE, "entry": 60000}).to_dict()["inputs"]["entry"] == Decimal(60000)


def test_api_warnings_are_data_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    report = liqcalc.position(preset="bybit", symbol="BTCUSDT", side="long", entry=60000, size=1, mode="cross",
                              wallet=10000, mark=50000)
    assert report.all_warnings and report.to_dict()["warnings"] == report.all_warnings
    assert capsys.readouterr() == ("", "")


def test_every_error_class_is_exported_as_one_family() -> None:
    for name in ("InputError", "UsageError", "TierError", "LeverageError", "PresetError", "SymbolError"):
        assert issubclass(getattr(liqcalc, name), liqcalc.LiqcalcError)
    assert {"position", "account", "compare", "load_preset", "adl_risk", "LiqcalcError"} <= set(dir(liqcalc))
    with pytest.raises(AttributeError):
        liqcalc.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_load_preset_by_name_and_path() -> None:
    preset = liqcalc.load_preset("binance")
    assert preset.venue.name == "binance" and preset.symbol("BTC").name == "BTCUSDT"
    assert liqcalc.load_preset(Path(str(preset.path))).venue.name == "binance"


def test_import_liqcalc_loads_no_api_module() -> None:
    code = "import sys, liqcalc; print(sorted(m for m in sys.modules if m.startswith('liqcalc') or m in ('typer', 'rich', 'pydantic')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['liqcalc']"


def test_app_and_render_of_commands_never_import_cli() -> None:
    root = Path(liqcalc.__file__).parent
    files = [*(root / "app" / n for n in ("__init__.py", "account.py", "compare.py", "position.py", "presets.py",
                                          "reports.py", "request.py", "session.py")),
             *(root / "render" / n for n in ("position.py", "account.py", "compare.py"))]
    for file in files:
        assert "liqcalc.cli" not in file.read_text(), file


def test_api_renames_an_error_that_words_itself_with_the_callers_names() -> None:
    from liqcalc.app.position import keywords

    class Worded(liqcalc.LiqcalcError):
        def __init__(self, name: object = lambda key: "--" + key) -> None:
            super().__init__(f"{name('margin')}: too much")  # type: ignore[operator]

        def renamed(self, name: object) -> Worded:
            return Worded(name)

    with pytest.raises(Worded, match="^margin=: too much$"), keywords():
        raise Worded()
