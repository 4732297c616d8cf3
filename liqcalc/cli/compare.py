"""``liqcalc compare``: the same trade on every built-in preset (or those named), side by side."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
    FillOpt,
    FormatOpt,
    InsuranceFundOpt,
    JsonOpt,
    LeverageOpt,
    MaintAmountOpt,
    MarginOpt,
    MarkOpt,
    MmrOpt,
    NoStaleWarningOpt,
    NotionalOpt,
    SideOpt,
    SizeOpt,
    SymbolOpt,
)
from liqcalc.render import OutputFormat


def compare(
    *,
    symbol: SymbolOpt = None,
    side: SideOpt = None,
    entry: EntryOpt = None,
    size: SizeOpt = None,
    notional: NotionalOpt = None,
    leverage: LeverageOpt = None,
    margin: MarginOpt = None,
    mark: MarkOpt = None,
    fill: FillOpt = None,
    insurance_fund: InsuranceFundOpt = None,
    mmr: MmrOpt = None,
    maint_amount: MaintAmountOpt = None,
    presets: Annotated[str | None, typer.Option("--presets", metavar="A,B,...", help="Presets to compare (default: every built-in one).")] = None,
    no_stale_warning: NoStaleWarningOpt = False,
    json_output: JsonOpt = False,
    output_format: FormatOpt = None,
) -> None:
    """The same trade on every venue: max leverage, margins, liquidation and bankruptcy prices,
    who keeps a surplus, who pays a shortfall, how ADL picks and prices.

    With --fill PRICE, what each party pays at that fill on each venue: the insurance fund (at
    most --insurance-fund AMOUNT), ADL counterparties, the trader under recourse, the clearing
    member, the guaranty fund. --mmr and --maint-amount replace every venue's tier table.

    The trade is the same position on every venue: --size in the base asset (or --notional,
    --margin, --maint-amount and --insurance-fund in the quote); an inverse (coin-margined) venue
    takes it as contracts, size x entry / face value, not rounded, and its amounts, in its coin,
    are also shown in USD at the mark.

    --format csv writes one table: the venue rows; --format markdown writes every table (the
    venues, who pays at --fill, the rules) under a heading.

    Example: liqcalc compare --symbol BTC --side long --entry 60000 --size 1 --leverage 10

    Example: liqcalc compare --symbol BTC --side long --entry 60000 --size 10 --leverage 10 --fill 52000 --insurance-fund 5000
    """
    run_compare(
        {"symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
         "leverage": leverage, "margin": margin, "mark": mark, "fill": fill, "insurance_fund": insurance_fund,
         "mmr": mmr, "maint_amount": maint_amount},
        presets, no_stale_warning, output_format, json_output,
    )


@boundary
def run_compare(options: dict[str, Any], names: str | None, no_stale_warning: bool, output: OutputFormat | None,
                json_output: bool) -> None:
    from liqcalc.app.compare import evaluate_compare
    from liqcalc.app.request import UsageInputError, option_name
    from liqcalc.cli.emit import emit
    from liqcalc.cli.options import output_format as choose
    from liqcalc.core.errors import LiqcalcError

    chosen = choose(output, json_output)
    report = evaluate_compare(options, None if names is None else names.split(","), option_name,
                              stale_warning=not no_stale_warning, error=UsageInputError)
    emit(report, chosen)
    if report.refused:  # the table or JSON above says why, per venue
        rows = report.rows
        raise LiqcalcError(f"none of the {len(rows)} venues compared can take this trade (the first: {rows[0].error})")
