"""``presets show --symbol`` at 80 columns cuts no figure (seen: "12,000,000.…",
"421,482,000.…" in the binance, bitget and hyperliquid tier tables; issue 7 §3)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app


@pytest.mark.parametrize(("preset", "symbol"), [("binance", "BTCUSDT"), ("bitget", "BTCUSDT"), ("hyperliquid", "BTC")])
@pytest.mark.parametrize("columns", ["80", "60"])
def test_tier_table_keeps_every_figure_whole(preset: str, symbol: str, columns: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    result = CliRunner().invoke(app, ["presets", "show", preset, "--symbol", symbol])
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert all(len(line) <= int(columns) for line in result.stdout.splitlines())
    if preset == "binance":
        assert "421,482,000.00" in result.stdout and "1,800,000,000.00" in result.stdout
