"""``position --plot`` and ``--plot-file`` (issue 11): the price ladder (entry, mark, liquidation,
bankruptcy and --fill) with the waterfall's amounts beside."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
LONG = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "10",
        "--leverage", "10", "--mark", "61000", "--fill", "53000", "--insurance-fund", "5000"]


def test_plot_draws_the_ladder_with_the_waterfall_amounts() -> None:
    pytest.importorskip("plotext")
    result = runner.invoke(app, [*LONG, "--plot"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    ladder = result.stdout[result.stdout.index("BTCUSDT long 10 @ 60,000.00 on binance: the price ladder"):]
    text = " ".join(ladder.split())
    for words in ("mark 61,000.00", "entry 60,000.00", "liquidation 54,241.21", "bankruptcy 54,000.00",
                  "fill 53,000.00 shortfall 10,000.00 USDT: the insurance fund 5,000.00, ADL counterparties"):
        assert words in text
    assert ladder.index("mark 61,000.00") < ladder.index("entry 60,000.00") < ladder.index("fill 53,000.00")


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_plot_file_is_a_valid_svg_or_png(suffix: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / f"ladder.{suffix}"
    result = runner.invoke(app, [*LONG, "--plot-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    if suffix == "svg":
        assert ElementTree.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
        assert "the price ladder" in path.read_text(encoding="utf-8") or path.stat().st_size > 1000
    else:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_draws_one_position() -> None:
    result = runner.invoke(app, [*LONG[:12], "5,10", "--plot"])
    assert result.exit_code == 2
    assert "--plot and --plot-file draw one position: give one --leverage" in result.stderr
