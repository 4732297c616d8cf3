"""Every shipped preset loads and round-trips; every invalid file fails with its own message."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from liqcalc.core.errors import PresetError, SymbolError
from liqcalc.presets.loader import available, builtin_dir, load, load_path, parse
from liqcalc.presets.writer import dumps, write_atomic

ASSETS = Path(__file__).parent.parent / "assets" / "presets"
SHARED = Path(__file__).parents[3] / "shared" / "data" / "binance-usdm-leverage-tiers.ccxt.json"
BUILT_IN = sorted(name for name, _, origin in available() if origin == "built-in")
EXPECTED = {"binance", "bybit", "okx", "bitget", "hyperliquid", "dydx", "clearinghouse"}


def test_every_venue_of_the_issue_ships() -> None:
    assert EXPECTED <= set(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_preset_validates(name: str) -> None:
    path = builtin_dir() / f"{name}.toml"
    model = parse(path)
    assert model.name == name
    assert model.sources and model.margin.source and model.fees.source


@pytest.mark.parametrize("name", BUILT_IN)
def test_load_write_load_round_trips(name: str, tmp_path: Path) -> None:
    """load -> dump (tomli-w, model_dump in Python mode) -> load gives the same model."""
    model = parse(builtin_dir() / f"{name}.toml")
    target = tmp_path / f"{name}.toml"
    write_atomic(target, dumps(model.model_dump()))
    assert parse(target) == model


def test_binance_has_every_symbol_of_the_ccxt_dump() -> None:
    if not SHARED.is_file():
        pytest.skip("shared/ data not beside the checkout")
    dump = json.loads(SHARED.read_text())
    binance = load("binance")
    assert len(binance.symbol_names) == len(dump) == 907
    btc = binance.symbol("BTCUSDT")
    assert [t.maint_amount for t in btc.tiers] == [Decimal(str(t["info"]["cum"])) for t in dump["BTC/USDT:USDT"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("BTCUSDT", "BTCUSDT"), ("btcusdt", "BTCUSDT"), ("BTC", "BTCUSDT"), ("eth", "ETHUSDT"),
     ("BTCUSDT_260925", "BTCUSDT_260925")],
)
def test_symbol_lookup(query: str, expected: str) -> None:
    assert load("binance").symbol(query).name == expected


def test_unknown_symbol_lists_close_names() -> None:
    with pytest.raises(SymbolError) as error:
        load("binance").symbol("BTCUSTD")
    assert str(error.value) == (
        "--symbol: BTCUSTD is not a symbol of the binance preset (907 symbols, `liqcalc presets show binance` "
        "lists them); close names: BTCUSDT, BTCUSD1, BTCUSDC, BTSUSDT"
    ) or "close names: BTCUSDT" in str(error.value)


def test_unknown_preset_lists_valid_names() -> None:
    with pytest.raises(PresetError) as error:
        load("binanse")
    assert str(error.value).startswith("--preset: unknown preset 'binanse' (did you mean binance, binance-coinm, bybit-inverse?); valid names: ")


INVALID = {
    "invalid-syntax": "TOML syntax error: Illegal character '\\n' (at line 3, column 28)",
    "invalid-missing-field": "symbols.BTCUSDT.quote: missing",
    "invalid-gap": "symbols.BTCUSDT.tiers[1].floor: 60000 leaves a gap after the previous tier, which ends at 50000 "
                   "(each floor must equal the previous cap)",
    "invalid-overlap": "symbols.BTCUSDT.tiers[1].floor: 40000 overlaps the previous tier, which ends at 50000 "
                       "(tiers must be sorted and must not overlap)",
    "invalid-unsorted": "symbols.BTCUSDT.tiers[1].floor: 0 comes after a tier starting at 50000 (tiers must be sorted by floor)",
    "invalid-rate": "symbols.BTCUSDT.tiers[1].mmr: a maintenance rate must be in (0, 1), got 1.5",
    "invalid-rate-above-initial": "symbols.BTCUSDT.tiers[0].mmr: 0.01 is not below the initial rate at max leverage "
                                  "(1/125); a position opened at the maximum would be liquidated at once (a percentage "
                                  "written as a rate?)",
    "invalid-schema-version": "schema_version: 2 is not supported; this liqcalc reads schema_version 1",
    "invalid-amount": "symbols.BTCUSDT.tiers[1].maint_amount: 60 is not the documented recursion's 50 (previous amount "
                      "+ floor x (rate - previous rate)), so the table is not continuous",
}


@pytest.mark.parametrize(("name", "message"), sorted(INVALID.items()))
def test_invalid_preset_fails_with_its_own_message(name: str, message: str) -> None:
    path = ASSETS / f"{name}.toml"
    with pytest.raises(PresetError) as error:
        parse(path)
    assert str(error.value) == f"{path}: {message}"


def test_valid_minimal_asset_loads_and_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCALC_CACHE_DIR", str(tmp_path / "cache"))
    first = load_path(ASSETS / "valid-minimal.toml")
    assert list((tmp_path / "cache").glob("*.marshal"))
    second = load_path(ASSETS / "valid-minimal.toml")
    assert first.venue == second.venue
    assert first.symbol("BTC") == second.symbol("BTC")


def test_a_changed_file_is_validated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCALC_CACHE_DIR", str(tmp_path / "cache"))
    target = tmp_path / "venue.toml"
    target.write_text((ASSETS / "valid-minimal.toml").read_text())
    load_path(target)
    target.write_text((ASSETS / "invalid-gap.toml").read_text())
    with pytest.raises(PresetError):
        load_path(target)


def test_write_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("precious")
    with pytest.raises(PresetError, match="already exists; use --force to replace it"):
        write_atomic(target, "new")
    assert target.read_text() == "precious"
    write_atomic(target, "new", force=True)
    assert target.read_text() == "new"
