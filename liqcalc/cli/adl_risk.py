"""``liqcalc adl-risk``: where you stand in the venue's ADL queue, and what an event takes from you.

The command is a client of :func:`liqcalc.app.adl.run` (the Python API ``liqcalc.adl_risk`` with
the options' names in its errors): options -> report -> :func:`emit`. The book is read by
:mod:`liqcalc.app.books`; numpy is imported only where a book is simulated.
"""

from __future__ import annotations

from typing import Annotated

import typer

from liqcalc.app.request import UsageInputError, option_name
from liqcalc.cli.emit import emit
from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
    FormatOpt,
    JsonOpt,
    LeverageOpt,
    MarginOpt,
    ModeOpt,
    NoStaleWarningOpt,
    NotionalOpt,
    PresetOpt,
    SideOpt,
    SizeOpt,
    SymbolOpt,
)
from liqcalc.core.rules import CHOOSABLE_RANKINGS
from liqcalc.render import OutputFormat

EXAMPLE = ("liqcalc adl-risk --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20 "
           "--mark 66000 --book sample:btcusdt --shock 2:10:2 --insurance-fund 20000")
DEFAULT_SLIPPAGE_BPS = "50"  # liqcalc.app.adl.DEFAULT_SLIPPAGE_BPS, written here so --help needs no import

WalletOpt = Annotated[
    str | None, typer.Option("--wallet", metavar="AMOUNT", help="Your cross wallet balance (with --mode cross).")
]
"""adl-risk's own --wallet: it takes one position and has no --account."""


def adl_risk(
    *,
    preset: PresetOpt = None,
    symbol: SymbolOpt = None,
    side: SideOpt = None,
    entry: EntryOpt = None,
    size: SizeOpt = None,
    notional: NotionalOpt = None,
    leverage: LeverageOpt = None,
    margin: MarginOpt = None,
    mode: ModeOpt = None,
    wallet: WalletOpt = None,
    mark: Annotated[str | None, typer.Option(metavar="PRICE", help="The mark price now, for you and for book rows without one (default: your entry).")] = None,
    book: Annotated[str | None, typer.Option(metavar="FILE|-|sample:NAME", help="The other positions: CSV, Parquet, Arrow IPC (.arrow, .feather, .ipc) or JSON lines with id, side, size, entry, margin or leverage (wallet for cross, mark optional); - reads standard input; sample:btcusdt is a small BTCUSDT book shipped with liqcalc. On an inverse symbol every size is contracts and every amount (margin, wallet, --insurance-fund) is in its coin.")] = None,
    liquidated_size: Annotated[str | None, typer.Option(metavar="QTY", help="An uncovered liquidation on the other side: its size...")] = None,
    bankruptcy_price: Annotated[str | None, typer.Option(metavar="PRICE", help="...and its bankruptcy price.")] = None,
    liquidated_side: Annotated[str | None, typer.Option(metavar="long|short", help="The liquidated side (default: the side opposite yours).")] = None,
    shock: Annotated[str | None, typer.Option(metavar="PCT|FROM:TO:STEP", help="Move every mark by PCT percent (-10: 10% down), or sweep FROM:TO:STEP.")] = None,
    slippage_bps: Annotated[str, typer.Option(metavar="BPS", help="How much worse than the shocked mark a liquidation fills, in basis points. 50 (0.5%): a liquidation is a market order that crosses the spread and walks a book thinned by the move; 0 fills at the mark.")] = DEFAULT_SLIPPAGE_BPS,
    insurance_fund: Annotated[str | None, typer.Option("--insurance-fund", metavar="AMOUNT|FROM:TO:STEP", help="What the venue's fund can pay of a shortfall (default: all of it, so nobody is deleveraged by a --shock or a distribution); FROM:TO:STEP finds the fund at which the move shown no longer deleverages you (fund_needed), the rest of the report at FROM.")] = None,
    vol: Annotated[str | None, typer.Option(metavar="PCT", help="Annualized volatility in percent: the move over --horizon is log-normal, ln(1+r) ~ N(-s^2/2, s^2), s = vol x sqrt(horizon/365d), evaluated at --samples equally likely points; the expected exposure over it (needs --book and your position).")] = None,
    horizon: Annotated[str | None, typer.Option(metavar="DURATION", help="The horizon of --vol's move: 8h, 1d, 7d, 2w; at most 365d, as the move is applied to the book as it is now, and over more than a year the book is another one.")] = None,
    tails: Annotated[str | None, typer.Option(metavar="normal|student-t:NU", help="Fat tails for --vol: a Student-t with NU degrees of freedom (above 2), scaled to the same s.")] = None,
    returns: Annotated[str | None, typer.Option(metavar="FILE|-", help="An empirical sample of moves over the horizon instead of --vol: percent, one a line or a CSV column named return, equally weighted; - reads standard input.")] = None,
    samples: Annotated[int | None, typer.Option(metavar="N", help="Points --vol's distribution is evaluated at (default 1000).")] = None,
    ranking: Annotated[str | None, typer.Option(metavar="NAME", help=f"Override the preset's queue ranking: {', '.join(CHOOSABLE_RANKINGS)}.")] = None,
    policy: Annotated[str, typer.Option(metavar="queue|pro-rata", help="Whose allocation fills adl_size: the venue's queue, or pro-rata by profit (both are shown).")] = "queue",
    seed: Annotated[int, typer.Option(metavar="N", help="random_start (dYdX): seed of the walk's random start, so a run repeats.")] = 0,
    hedge_size: Annotated[str | None, typer.Option(metavar="QTY", help="Size held elsewhere against this position (the hedge ADL would leave alone).")] = None,
    lights: Annotated[int | None, typer.Option(metavar="N", help="The ADL indicator the venue shows you, to place you in a band of the queue.")] = None,
    top: Annotated[int | None, typer.Option(metavar="N", help="Queue rows shown: 10 in the table and every row in JSON unless given; with --json, the first N rows and yours.")] = None,
    plot: Annotated[bool, typer.Option("--plot", help="Draw the sweep (or the distribution's) in the terminal, below the tables: your loss against the mark and ADL size against the move, the liquidated notional and the fund paid, and the probability of the moves (needs the extra: pip install \"liqcalc\\[plot]\").")] = False,
    plot_file: Annotated[str | None, typer.Option(metavar="FILE.svg|FILE.png", help="Write the same chart to a new SVG or PNG file (matplotlib, the same extra); an existing file is refused, never overwritten.")] = None,
    no_stale_warning: NoStaleWarningOpt = False,
    json_output: JsonOpt = False,
    output_format: FormatOpt = None,
) -> None:
    """Your exposure to auto-deleveraging: your place in the venue's queue, what a liquidation
    or a price shock takes from you, at what price against the mark, and what is left of a hedge.

    Events: --liquidated-size with --bankruptcy-price (a liquidation the fund does not cover),
    or --shock PCT, or a sweep --shock FROM:TO:STEP over the whole --book. --insurance-fund
    AMOUNT caps what the venue's fund pays (without it the fund pays every shortfall).

    --format csv writes one table: the shock sweep with a sweep, else the queue (every row, or
    with --top the first N and yours, as in the JSON); --format markdown writes every table
    (you, the queue, queue against pro-rata, the sweeps) under a heading.

    Expected exposure: --vol PCT --horizon 1d (or --returns FILE) runs the sweep at every move of
    the distribution: the chance of being deleveraged (p_adl) or liquidated, the expected ADL size
    and loss against the mark, its 95th and 99th percentile (JSON: expected).

    Example: liqcalc adl-risk --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20 --mark 66000 --book sample:btcusdt --shock 2:10:2 --insurance-fund 20000
    """
    run_adl_risk(
        {"preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
         "leverage": leverage, "margin": margin, "mode": mode, "wallet": wallet, "mark": mark},
        book=book, liquidated_size=liquidated_size, bankruptcy_price=bankruptcy_price, liquidated_side=liquidated_side,
        shock=shock, slippage_bps=slippage_bps, insurance_fund=insurance_fund, ranking=ranking, policy=policy,
        seed=seed, hedge_size=hedge_size, lights=lights, top=top, stale_warning=not no_stale_warning,
        output=output_format, json_output=json_output, vol=vol, horizon=horizon, tails=tails, returns=returns,
        samples=samples, plot=plot, plot_file=plot_file,
    )


@boundary
def run_adl_risk(options: dict[str, str | None], *, book: str | None, liquidated_size: str | None,
                 bankruptcy_price: str | None, liquidated_side: str | None, shock: str | None, slippage_bps: str,
                 insurance_fund: str | None, ranking: str | None, policy: str, seed: int, hedge_size: str | None,
                 lights: int | None, top: int | None, stale_warning: bool, output: OutputFormat | None,
                 json_output: bool, vol: str | None = None, horizon: str | None = None, tails: str | None = None,
                 returns: str | None = None, samples: int | None = None, plot: bool = False,
                 plot_file: str | None = None) -> None:
    """The options as the API takes them, named as options in errors; then one :func:`emit`
    (and the chart, with ``--plot`` or ``--plot-file``)."""
    from liqcalc.app.adl import run
    from liqcalc.cli.options import output_format as choose

    chosen = choose(output, json_output)
    if plot or plot_file is not None:
        from liqcalc.render import plot as pictures

        pictures.check_options(plot, plot_file, chosen is OutputFormat.table, chosen.value)
    report = run(options, book=book, liquidated_size=liquidated_size, bankruptcy_price=bankruptcy_price,
                 liquidated_side=liquidated_side, shock=shock, slippage_bps=slippage_bps, insurance_fund=insurance_fund,
                 ranking=ranking, policy=policy, seed=seed, hedge_size=hedge_size, lights=lights, top=top,
                 stale_warning=stale_warning, name=option_name, error=UsageInputError, vol=vol, horizon=horizon,
                 tails=tails, returns=returns, samples=samples)
    if not (plot or plot_file is not None):
        emit(report, chosen)
        return
    import sys

    chart = pictures.adl_chart(report)
    if plot_file is not None:
        pictures.save(chart, plot_file)
    emit(report, chosen)
    if plot:
        width, color = pictures.screen()
        sys.stdout.write(pictures.terminal(chart, width, 11 * len(chart.panels), color))

