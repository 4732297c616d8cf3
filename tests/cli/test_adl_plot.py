"""``adl-risk --plot`` and ``--plot-file`` (issue 11): the chart of a sweep or of a distribution,
in the terminal (plotext) and as a valid SVG or PNG file (matplotlib); the extra named when
missing."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
YOU = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
       "--leverage", "20", "--mark", "60000", "--book", "sample:btcusdt", "--insurance-fund", "5000"]
VOL = ["--vol", "80", "--horizon", "1d", "--samples", "200"]


def test_plot_file_svg_is_valid_svg(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "adl.svg"
    result = runner.invoke(app, [*YOU, *VOL, "--plot-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = path.read_text(encoding="utf-8")
    assert "Probability of the move" in text or "Probability" in text


def test_plot_file_png_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "sweep.png"
    result = runner.invoke(app, [*YOU, "--shock", "1:12:1", "--plot-file", str(path)])
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_plot_draws_the_panels_below_the_tables() -> None:
    pytest.importorskip("plotext")
    result = runner.invoke(app, [*YOU, *VOL, "--plot"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    chart = out[out.index("adl-risk BTCUSDT on binance: over the distribution's moves"):]
    for title in ("Your loss against the mark (USDT)", "Your ADL size (long 1)",
                  "Liquidated notional and fund paid (USDT)", "Probability of the move", "move of the mark (%)"):
        assert title in chart
    assert "\x1b[" not in out  # not a terminal: no colour codes
    assert out.index("Expected exposure") < out.index("adl-risk BTCUSDT on binance")


@pytest.mark.parametrize(("args", "message"), [
    (["--shock", "5", "--plot-file", "x.svg"], "--plot and --plot-file draw a sweep"),
    (["--shock", "1:5:1", "--plot-file", "x.pdf"], "--plot-file: x.pdf: give a .svg or a .png file name"),
    (["--shock", "1:5:1", "--plot", "--json"], "--plot draws below the tables; with --format json give --plot-file"),
])
def test_plot_misuse_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*YOU, *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize(("option", "module"), [("--plot", "plotext"), ("--plot-file", "matplotlib")])
def test_a_missing_extra_is_named(option: str, module: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == module else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    extra = [option] if option == "--plot" else [option, str(tmp_path / "x.svg")]
    result = runner.invoke(app, [*YOU, "--shock", "1:5:1", *extra])
    assert result.exit_code == 1
    assert result.stderr == f'liqcalc: error: {option} needs {module}, an optional extra: pip install "liqcalc[plot]"\n'


@pytest.mark.parametrize("kind", ["file", "symlink", "folder"])
def test_plot_file_refuses_an_existing_path_and_leaves_it_alone(kind: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"the user's own file")
    path = tmp_path / "sweep.png"
    if kind == "file":
        path.write_bytes(b"the user's own file")
    elif kind == "symlink":
        path.symlink_to(mine)
    else:
        path.mkdir()
    result = runner.invoke(app, [*YOU, "--shock", "1:5:1", "--plot-file", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"liqcalc: error: --plot-file: {path} exists; give a new name (an existing file is never overwritten)\n"
    assert mine.read_bytes() == b"the user's own file"
    assert kind == "folder" or path.read_bytes() == b"the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.png", "sweep.png"]


class _Figure:
    """A stand-in for a matplotlib figure: writes some bytes, then does ``then``."""

    def __init__(self, then: Any) -> None:
        self.then = then

    def savefig(self, stream: Any, **_: Any) -> None:
        stream.write(b"<svg>half a fig")
        self.then()


def test_write_figure_replaces_nothing_that_appeared_meanwhile(tmp_path: Path) -> None:
    from liqcalc.core.errors import UsageError
    from liqcalc.render.plot import write_figure

    path = tmp_path / "chart.svg"
    with pytest.raises(UsageError, match="exists; give a new name"):
        write_figure(_Figure(lambda: path.write_bytes(b"written meanwhile")), str(path))
    assert path.read_bytes() == b"written meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.svg"]  # no temporary file left


def test_write_figure_that_fails_leaves_no_partial_file(tmp_path: Path) -> None:
    from liqcalc.core.errors import UsageError
    from liqcalc.render.plot import write_figure

    def full() -> None:
        raise OSError(28, "No space left on device")

    path = tmp_path / "chart.svg"
    with pytest.raises(UsageError, match=r"cannot write .*chart.svg \(no space left on device\)"):
        write_figure(_Figure(full), str(path))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError, match=r"cannot write .*chart.svg \(no such file\)"):
        write_figure(_Figure(lambda: None), str(tmp_path / "missing" / "chart.svg"))


def test_write_figure_without_hard_links_copies_into_a_new_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    from liqcalc.render.plot import write_figure

    def no_link(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    path = tmp_path / "chart.svg"
    write_figure(_Figure(lambda: None), str(path))
    assert path.read_bytes() == b"<svg>half a fig"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.svg"]
