"""Pictures of ``adl-risk``: the sweep (your loss against the mark and your ADL size against
the move, with the liquidated notional and what the fund paid) and, with a distribution, the
probability mass over the moves; in the terminal with plotext (``--plot``), to an SVG or PNG
file with matplotlib (``--plot-file``). Both are the optional extra ``liqcalc[plot]``, imported
only here and only when asked for.

A :class:`Chart` is built once from the report (:func:`adl_chart`) and drawn by either library.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from liqcalc.core.errors import LiqcalcError, UsageError

if TYPE_CHECKING:
    from liqcalc.app.adl import AdlReport

EXTRA = 'pip install "liqcalc[plot]"'
FILE_SUFFIXES = (".svg", ".png")
MASS_BINS = 40


@dataclass(frozen=True)
class Series:
    """One line (or the bars of a histogram) of a panel."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass(frozen=True)
class Panel:
    """One plot of the chart, its series sharing the y axis."""

    title: str
    ylabel: str
    series: tuple[Series, ...]
    bars: bool = False


@dataclass(frozen=True)
class Chart:
    """What is drawn: a title and panels one below the other, over the same move axis."""

    title: str
    xlabel: str
    panels: tuple[Panel, ...] = field(default_factory=tuple)


def require(module: str, option: str) -> None:
    """Raise the one-line error naming the extra when ``module`` is not installed."""
    if importlib.util.find_spec(module) is None:
        raise LiqcalcError(f"{option} needs {module}, an optional extra: {EXTRA}")


def check_file(path: str) -> None:
    """A plot file is an .svg or a .png (its suffix chooses the format)."""
    if not path.lower().endswith(FILE_SUFFIXES):
        raise UsageError(f"--plot-file: {path}: give a .svg or a .png file name (the suffix chooses the format)",
                         "plot_file")


def adl_chart(report: AdlReport) -> Chart:
    """The chart of a sweep or of a distribution; raises :class:`UsageError` when the report
    has neither (one shock, a liquidation event)."""
    q, base = report.quote, report.symbol
    curve = report.curve
    if curve is not None:
        moves = curve["move"]
        loss, adl = curve["loss_vs_mark"], curve["adl_size"]
        notional, paid = curve["liquidated_notional"], curve["fund_paid"]
    elif report.sweep:
        rows = report.sweep
        moves = tuple(float(r["shock"]) for r in rows)
        loss = tuple(float(r["you_loss_vs_mark"]) for r in rows)
        adl = tuple(0.0 if r["you_liquidated"] else float(r["you_adl_size"]) for r in rows)
        notional = tuple(float(r["liquidated_notional"]) for r in rows)
        paid = tuple(float(r["fund_paid"]) for r in rows)
    else:
        raise UsageError("--plot and --plot-file draw a sweep: give --shock FROM:TO:STEP, or a distribution of moves "
                         "(--vol with --horizon, or --returns)")
    panels: list[Panel] = []
    if report.you is not None:
        panels.append(Panel(f"Your loss against the mark ({q})", q, (Series("loss vs mark", moves, loss),)))
        panels.append(Panel(f"Your ADL size ({report.you['side']} {float(report.you['size']):g})", "size",
                            (Series("ADL size", moves, adl),)))
    panels.append(Panel(f"Liquidated notional and fund paid ({q})", q,
                        (Series("liquidated", moves, notional), Series("fund paid", moves, paid))))
    if curve is not None:
        panels.append(mass_panel(curve["move"], curve["weight"]))
    what = "over the distribution's moves" if curve is not None else f"over {len(moves)} shocks"
    return Chart(f"adl-risk {base} on {report.venue_name}: {what}", "move of the mark (%)", tuple(panels))


def mass_panel(moves: tuple[float, ...], weights: tuple[float, ...]) -> Panel:
    """The probability mass over the moves, in :data:`MASS_BINS` bins."""
    import numpy as np

    mass, edges = np.histogram(np.asarray(moves), bins=MASS_BINS, weights=np.asarray(weights))
    centers = (edges[:-1] + edges[1:]) / 2
    return Panel("Probability of the move", "probability",
                 (Series("probability", tuple(float(c) for c in centers), tuple(float(m) for m in mass)),), bars=True)


def terminal(chart: Chart, width: int, height: int, color: bool) -> str:
    """The chart drawn with plotext, as text (colours only when ``color``)."""
    require("plotext", "--plot")
    plt: Any = importlib.import_module("plotext")
    plt.clear_figure()
    plt.limitsize(False, False)  # the size asked for, not the terminal's (stdout may be a pipe)
    plt.plotsize(width, height)
    plt.subplots(len(chart.panels), 1)
    for n, panel in enumerate(chart.panels, start=1):
        plt.subplot(n, 1)
        if not color:
            plt.theme("clear")
        plt.title(panel.title)
        for series in panel.series:
            if panel.bars:
                plt.bar(list(series.x), list(series.y), width=0.9)
                ticks = series.x[:: max(1, len(series.x) // 6)]
                plt.xticks(list(ticks), [f"{t:.1f}" for t in ticks])
            else:
                plt.plot(list(series.x), list(series.y), label=series.label if len(panel.series) > 1 else None)
        if n == len(chart.panels):
            plt.xlabel(chart.xlabel)
    text: str = plt.build()
    plt.clear_figure()
    if not color:
        text = plt.uncolorize(text)
    return f"{chart.title}\n{text}\n"


def save(chart: Chart, path: str) -> None:
    """The chart written with matplotlib, as SVG or PNG by ``path``'s suffix."""
    require("matplotlib", "--plot-file")
    check_file(path)
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")  # no window, no display needed
    pyplot: Any = importlib.import_module("matplotlib.pyplot")
    figure, axes = pyplot.subplots(len(chart.panels), 1, figsize=(9, 2.6 * len(chart.panels)), sharex=True,
                                   squeeze=False)
    try:
        for axis, panel in zip(axes[:, 0], chart.panels, strict=True):
            for series in panel.series:
                if panel.bars:
                    step = (series.x[1] - series.x[0]) if len(series.x) > 1 else 1.0
                    axis.bar(series.x, series.y, width=step * 0.9, label=series.label)
                else:
                    axis.plot(series.x, series.y, label=series.label)
            axis.set_title(panel.title, fontsize=10)
            axis.set_ylabel(panel.ylabel)
            axis.grid(alpha=0.3)
            if len(panel.series) > 1:
                axis.legend(fontsize=8)
        axes[-1, 0].set_xlabel(chart.xlabel)
        figure.suptitle(chart.title, fontsize=11)
        figure.tight_layout()
        try:
            figure.savefig(path, format=path.rsplit(".", 1)[-1].lower(), metadata={"Date": None} if
                           path.lower().endswith(".svg") else None)
        except OSError as problem:
            raise UsageError(f"--plot-file: cannot write {path} ({problem.strerror})", "plot_file") from None
    finally:
        pyplot.close(figure)
