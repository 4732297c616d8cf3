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


def check_options(plot: bool, plot_file: str | None, table: bool, chosen: str) -> None:
    """Check ``--plot``/``--plot-file`` before any work: ``--plot`` draws below the tables (so
    only with the table format, ``chosen`` naming the other), and each needs its library."""
    if plot and not table:
        raise UsageError(f"--plot draws below the tables; with --format {chosen} give --plot-file instead")
    if plot:
        require("plotext", "--plot")
    if plot_file is not None:
        check_file(plot_file)
        refuse_existing(plot_file)
        require("matplotlib", "--plot-file")


def refuse_existing(path: str) -> None:
    """Nothing a user wrote is overwritten: an existing path (a file, a symbolic link, even a
    broken one, a folder) is refused in one line naming the way out."""
    import os

    if os.path.lexists(path):
        raise UsageError(f"--plot-file: {path} exists; give a new name (an existing file is never overwritten)",
                         "plot_file")


def screen() -> tuple[int, bool]:
    """The terminal chart's width (the terminal's, at most 160) and whether to colour it (a
    terminal without ``NO_COLOR``)."""
    import os
    import shutil
    import sys

    return min(shutil.get_terminal_size((100, 24)).columns, 160), sys.stdout.isatty() and "NO_COLOR" not in os.environ


def write_figure(figure: Any, path: str) -> None:
    """Write ``figure`` to ``path`` (.svg or .png, by its suffix; an SVG without a date, so a
    chart is the same file each run); a path that cannot be written is one line.

    The figure is written to a new file beside ``path`` first and then linked into place, which
    fails rather than replace whatever appeared at ``path`` meanwhile: a failure leaves no
    partial file and nothing of the user's is overwritten (a symbolic link is not followed)."""
    import os
    import secrets

    from liqcalc.presets.files import os_problem

    refuse_existing(path)
    kind = path.rsplit(".", 1)[-1].lower()
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name[:100]}.{secrets.token_hex(4)}.tmp")
    try:
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except OSError as problem:
            raise UsageError(f"--plot-file: cannot write {path} ({os_problem(problem)})", "plot_file") from None
        with os.fdopen(fd, "wb") as stream:
            figure.savefig(stream, format=kind, metadata={"Date": None} if kind == "svg" else None)
        _put_in_place(temporary, path)
    except OSError as problem:
        raise UsageError(f"--plot-file: cannot write {path} ({os_problem(problem)})", "plot_file") from None
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def _put_in_place(temporary: str, path: str) -> None:
    """``temporary`` as ``path``, which must not exist: a hard link (atomic, never replaces);
    where the file system has none, a copy into a file created exclusively (removed again if
    the copy fails)."""
    import errno
    import os
    import shutil

    try:
        os.link(temporary, path, follow_symlinks=False)
        return
    except FileExistsError:
        refuse_existing(path)
        raise
    except OSError as problem:
        if problem.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except FileExistsError:
        refuse_existing(path)
        raise
    try:
        with os.fdopen(fd, "wb") as target, open(temporary, "rb") as source:
            shutil.copyfileobj(source, target)
    except BaseException:
        os.unlink(path)
        raise


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


def _reset(plt: Any) -> None:
    """plotext's whole figure cleared (its ``clear_figure`` clears the active subplot only)."""
    plt.main()
    plt.clear_figure()


def terminal(chart: Chart, width: int, height: int, color: bool) -> str:
    """The chart drawn with plotext, as text (colours only when ``color``)."""
    require("plotext", "--plot")
    plt: Any = importlib.import_module("plotext")
    _reset(plt)
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
    _reset(plt)
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
        write_figure(figure, path)
    finally:
        pyplot.close(figure)


# -- position --plot: the price ladder -------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """One price of the ladder, with what happens there."""

    label: str
    price: float
    note: str


@dataclass(frozen=True)
class Ladder:
    """A position's prices, top to bottom in the chart: entry, mark, liquidation, bankruptcy
    and the fill, each with the waterfall's amounts beside."""

    title: str
    quote: str
    rungs: tuple[Rung, ...]


def _party(name: str) -> str:
    from liqcalc.render.position import PARTY_WORDS

    return PARTY_WORDS.get(name, name.replace("_", " "))


def ladder_chart(report: Any) -> Ladder:
    """The ladder of a ``position`` report with one result (one leverage). Prices are in the
    symbol's quote; the waterfall's amounts in its margin asset (an inverse contract's coin, to
    the satoshi)."""
    from liqcalc.core.numbers import coin_amounts
    from liqcalc.render.numbers import money, price

    if len(report.results) != 1:
        raise UsageError("--plot and --plot-file draw one position: give one --leverage", "leverage")
    result = report.results[0]
    spec = result.spec
    quote, asset = report.symbol.quote, report.symbol.margin_asset
    places: dict[float, list[str]] = {}
    notes: dict[float, str] = {}

    def add(label: str, value: Any, note: str = "") -> None:
        if value is None:
            return
        key = float(value)
        places.setdefault(key, []).append(label)
        if note:
            notes[key] = "; ".join(filter(None, (notes.get(key, ""), note)))

    add("entry", spec.entry)
    add("mark", spec.mark)
    with coin_amounts(report.symbol.inverse):
        for waterfall in result.waterfalls:
            if waterfall.surplus > 0:
                parts = [f"{_party(f.target)} {money(f.amount)}" for f in waterfall.flows if f.source == "margin"]
                note = f"surplus {money(waterfall.surplus)} {asset}: " + ", ".join(parts)
            elif waterfall.shortfall > 0:
                parts = [f"{_party(f.source)} {money(f.amount)}" for f in waterfall.flows if f.target == "deficit"]
                note = f"shortfall {money(waterfall.shortfall)} {asset}: " + ", ".join(parts)
            else:
                note = "nothing left, nothing missing"
            add(waterfall.label, waterfall.fill_price, note)
    rungs = tuple(Rung(" = ".join(labels) + f" {price(_decimal(key))}", key, notes.get(key, ""))
                  for key, labels in sorted(places.items(), key=lambda item: -item[0]))
    from liqcalc.core.numbers import size_text

    unit = " contracts" if report.symbol.inverse else ""
    # the venue is named by the tables above; the title fits 80 columns, whole
    title = f"{result.symbol} {spec.side} {size_text(spec.size)}{unit} @ {price(spec.entry)}: the price ladder"
    return Ladder(title, quote, rungs)


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(repr(value))


def _tags(ladder: Ladder, rows: int, room: int) -> list[tuple[float, str]]:
    """The words drawn on the terminal's ladder: each rung's name and price (the amounts go
    below the chart), rungs closer than a text row apart joined on one line (drawn apart they
    would print over each other), a line longer than ``room`` (the plot's inside) left with the
    names alone, so that no number is ever cut."""
    prices = [r.price for r in ladder.rungs]
    low, high = min(prices), max(prices)
    pad = (high - low) * 0.08 or abs(high) * 0.01 or 1.0
    row = (high - low + 2 * pad) / max(rows - 1, 1)
    groups: list[list[Rung]] = []
    for rung in ladder.rungs:  # top to bottom
        if groups and groups[-1][-1].price - rung.price < 1.5 * row:
            groups[-1].append(rung)
        else:
            groups.append([rung])
    tags = []
    for group in groups:
        words = "; ".join(r.label for r in group)
        if len(words) > room:
            words = "; ".join(r.label.rsplit(" ", 1)[0] for r in group)
        tags.append((group[0].price, words[:room]))
    return tags


def _amounts(ladder: Ladder, width: int) -> str:
    """The waterfall's amounts as lines of text below the chart, one rung each, wrapped at the
    width between words (never inside a number)."""
    import textwrap

    lines = []
    for rung in ladder.rungs:
        if rung.note:
            lines.extend(textwrap.wrap(f"{rung.label}  {rung.note}", width=max(width - 1, 40), subsequent_indent="    ",
                                       break_long_words=False, break_on_hyphens=False))
    return "".join(f"{line}\n" for line in lines)


def ladder_terminal(ladder: Ladder, width: int, height: int, color: bool) -> str:
    """The ladder drawn with plotext: one horizontal line a price, its name and price on it; the
    waterfall's amounts in lines of text below."""
    require("plotext", "--plot")
    plt: Any = importlib.import_module("plotext")
    _reset(plt)
    plt.limitsize(False, False)
    plt.plotsize(width, height)
    if not color:
        plt.theme("clear")
    prices = [r.price for r in ladder.rungs]
    low, high = min(prices), max(prices)
    pad = (high - low) * 0.08 or abs(high) * 0.01 or 1.0
    plt.xlim(0, 1)
    plt.ylim(low - pad, high + pad)
    plt.xticks([], [])
    for rung in ladder.rungs:
        plt.hline(rung.price)
    # the inside of the plot: the width less the y axis' numbers (up to 10 characters), the two
    # frame lines and the line's start
    for at, words in _tags(ladder, height - 4, width - 14):
        plt.text(words, 0.01, at, alignment="left")
    plt.title(ladder.title)
    plt.ylabel(ladder.quote)
    text: str = plt.build()
    _reset(plt)
    if not color:
        text = plt.uncolorize(text)
    return text + "\n" + _amounts(ladder, width)


def ladder_save(ladder: Ladder, path: str) -> None:
    """The ladder written with matplotlib, as SVG or PNG by ``path``'s suffix."""
    require("matplotlib", "--plot-file")
    check_file(path)
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    pyplot: Any = importlib.import_module("matplotlib.pyplot")
    figure, axis = pyplot.subplots(figsize=(11, 1.2 + 0.6 * len(ladder.rungs)))
    try:
        prices = [r.price for r in ladder.rungs]
        low, high = min(prices), max(prices)
        pad = (high - low) * 0.12 or abs(high) * 0.01 or 1.0
        # the words in a column on the right, evenly spaced in the ladder's order (close prices
        # would print them over each other), each tied to its price by a thin line
        count = len(ladder.rungs)
        for n, rung in enumerate(ladder.rungs):
            at = high + pad * 0.5 - (high - low + pad) * n / max(count - 1, 1) if count > 1 else rung.price
            axis.plot([0.0, 0.12], [rung.price, rung.price], linewidth=1.2)
            axis.annotate(f"{rung.label}  {rung.note}".rstrip(), xy=(0.12, rung.price), xytext=(0.16, at),
                          va="center", ha="left", fontsize=8,
                          arrowprops={"arrowstyle": "-", "linewidth": 0.6, "relpos": (0.0, 0.5)})
        axis.set_xlim(0, 1)
        axis.set_ylim(low - pad, high + pad)
        axis.set_xticks([])
        axis.set_ylabel(ladder.quote)
        axis.set_title(ladder.title, fontsize=10)
        figure.tight_layout()
        write_figure(figure, path)
    finally:
        pyplot.close(figure)
