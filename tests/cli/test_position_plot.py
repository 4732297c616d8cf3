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
    ladder = result.stdout[result.stdout.index("BTCUSDT long 10 @ 60,000.00: the price ladder"):]
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


# -- the trial's findings: files kept, amounts in the margin asset, nothing cut at 80 columns --

COINM = ["position", "--preset", "binance-coinm", "--symbol", "BTCUSD_PERP", "--side", "long", "--entry", "50000",
         "--size", "1000", "--leverage", "10"]
LADDERS = {
    "binance": ["--preset", "binance", "--symbol", "BTCUSDT", "--entry", "60000", "--size", "10", "--mark", "61000",
                "--fill", "53000", "--insurance-fund", "200"],
    "hyperliquid": ["--preset", "hyperliquid", "--symbol", "BTC", "--entry", "60000", "--size", "1", "--fill", "53000",
                    "--insurance-fund", "100"],
    "bybit": ["--preset", "bybit", "--symbol", "BTCUSDT", "--entry", "60000", "--size", "1"],
    "binance-coinm": COINM[1:3] + COINM[3:5] + COINM[7:11],
}


def _ladder(out: str) -> tuple[list[str], str]:
    """The chart's lines (title to bottom frame) and the text below it, whitespace joined."""
    lines = out[out.index("the price ladder") - 80:].splitlines()
    start = next(n for n, line in enumerate(lines) if "the price ladder" in line)
    end = next(n for n, line in enumerate(lines) if "└" in line)
    return lines[start:end + 1], " ".join(" ".join(lines[end + 2:]).split())


@pytest.mark.parametrize("kind", ["file", "symlink", "folder"])
@pytest.mark.parametrize("command", [LONG, COINM])
def test_plot_file_refuses_an_existing_path_and_leaves_it_alone(kind: str, command: list[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    mine = tmp_path / "mine.svg"
    mine.write_text("the user's own file", encoding="utf-8")
    path = tmp_path / "ladder.svg"
    if kind == "file":
        path.write_text("the user's own file", encoding="utf-8")
    elif kind == "symlink":
        path.symlink_to(mine)
    else:
        path.mkdir()
    result = runner.invoke(app, [*command, "--plot-file", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"liqcalc: error: --plot-file: {path} exists; give a new name (an existing file is never overwritten)\n"
    assert result.stdout == ""
    assert mine.read_text(encoding="utf-8") == "the user's own file"
    if kind != "folder":
        assert path.read_text(encoding="utf-8") == "the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ladder.svg", "mine.svg"]


def test_plot_on_an_inverse_contract_gives_amounts_in_the_coin() -> None:
    pytest.importorskip("plotext")
    result = runner.invoke(app, [*COINM, "--plot"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    chart, below = _ladder(result.stdout)
    assert "surplus 0.00876494 BTC: the insurance fund 0.00876494" in below
    assert "USD" not in below  # prices only are in USD: the chart's axis
    assert "liquidation 45,636.36" in "\n".join(chart)


def test_plot_file_on_an_inverse_contract_gives_amounts_in_the_coin(tmp_path: Path) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    path = tmp_path / "ladder.svg"
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # the words as text, not as outlines
        result = runner.invoke(app, [*COINM, "--plot-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert "surplus 0.00876494 BTC: the insurance fund 0.00876494" in text
    assert "0.0008765 USD" not in text and " USD:" not in text


@pytest.mark.parametrize("preset", sorted(LADDERS))
@pytest.mark.parametrize("columns", [80, 120])
def test_plot_cuts_no_number_at_80_or_120_columns(preset: str, columns: int) -> None:
    pytest.importorskip("plotext")
    base = ["position", *LADDERS[preset], "--side", "long", "--leverage", "10", "--plot"]
    result = runner.invoke(app, base, env={"COLUMNS": str(columns)})
    wide = runner.invoke(app, base, env={"COLUMNS": "160"})
    assert result.exit_code == 0 and wide.exit_code == 0, result.output
    chart, below = _ladder(result.stdout)
    assert max(len(line) for line in result.stdout[result.stdout.index("the price ladder"):].splitlines()) <= columns
    # every amount is printed whole below the chart, the same at any width
    assert below and below == _ladder(wide.stdout)[1]
    assert "bankruptcy" in below and ("surplus" in below or "shortfall" in below)
    # the chart's words are names and whole prices: each ends before the line does
    import re

    for line in chart[1:-1]:
        for number in re.findall(r"\d[\d,]*(?:\.\d+)?(?=[^\d\s;,.])", line.split("┤", 1)[-1].split("├", 1)[-1]):
            assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", number), line


def test_binance_at_80_columns_keeps_the_adl_amount() -> None:
    pytest.importorskip("plotext")
    base = ["position", *LADDERS["binance"], "--side", "long", "--leverage", "10", "--plot"]
    result = runner.invoke(app, base, env={"COLUMNS": "80"})
    _, below = _ladder(result.stdout)
    assert "fill 53,000.00 shortfall 10,000.00 USDT: the insurance fund 200.00, ADL counterparties 9,800.00" in below
