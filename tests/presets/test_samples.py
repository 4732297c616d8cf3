"""The saved response shipped for ``presets import``'s --help example, and ``presets validate``
by preset name (issue 7 §3: every --help example runs as written from any folder)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

SHARED_DUMP = Path(__file__).resolve().parents[3] / "shared" / "data" / "binance-usdm-leverage-tiers.ccxt.json"
SAMPLE = Path(__file__).resolve().parents[2] / "liqcalc" / "samples" / "binance-usdm-2026-09-01.json"


def test_sample_import_is_dated_by_the_capture_in_its_name_not_the_install(tmp_path: Path) -> None:
    out = tmp_path / "b.toml"
    result = CliRunner().invoke(app, ["presets", "import", "sample:binance-usdm-2026-09-01", "--format", "ccxt",
                                      "--like", "binance", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "as of 2026-09-01 from the capture date in the sample's name" in result.stderr
    preset = tomllib.loads(out.read_text())
    assert str(preset["as_of"]) == "2026-09-01"
    assert sorted(preset["symbols"]) == ["BTCUSDT", "ETHUSDT"]


@pytest.mark.skipif(not SHARED_DUMP.exists(), reason="the shared ccxt dump sits beside the repository")
def test_sample_is_an_unaltered_extract_of_the_captured_dump() -> None:
    dump = json.loads(SHARED_DUMP.read_text())
    assert json.loads(SAMPLE.read_text()) == {k: dump[k] for k in ("BTC/USDT:USDT", "ETH/USDT:USDT")}


def test_unknown_sample_is_named_with_the_valid_ones() -> None:
    result = CliRunner().invoke(app, ["presets", "import", "sample:nope", "--format", "ccxt", "--like", "binance"])
    assert result.exit_code == 2
    assert result.stderr == ("liqcalc: error: FILE: no sample response 'nope'; the samples are "
                             "binance-usdm-2026-09-01 (sample:NAME)\n")


def test_validate_takes_preset_names_and_names_an_unknown_one() -> None:
    result = CliRunner().invoke(app, ["presets", "validate", "binance", "nosuch"])
    assert result.exit_code == 1
    assert result.stdout.endswith("binance.toml: ok (binance, 907 symbols, as of 2026-09-01)\n")
    assert result.stderr.startswith("nosuch: unknown preset 'nosuch'; valid names: binance, ")
