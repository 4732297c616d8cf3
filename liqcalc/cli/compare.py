"""``liqcalc compare``: the same trade on every built-in preset (or those named), side by side."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from liqcalc.cli.errors import boundary
from liqcalc.cli.options import JsonOpt, SideOpt, SymbolOpt
from liqcalc.render import OutputFormat


def compare(
    *,
    symbol: SymbolOpt = None,
    side: SideOpt = None,
    entry: Annotated[str | None, typer.Option(metavar="PRICE", help="Average entry price.")] = None,
    size: Annotated[str | None, typer.Option(metavar="QTY", help="Position size in the base asset.")] = None,
    notional: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Position size as quote value at entry.")] = None,
    leverage: Annotated[str | None, typer.Option(metavar="X", help="Leverage.")] = None,
    margin: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Isolated margin (instead of --leverage).")] = None,
    mark: Annotated[str | None, typer.Option(metavar="PRICE", help="Mark price now (default: entry).")] = None,
    presets: Annotated[str | None, typer.Option("--presets", metavar="A,B,...", help="Presets to compare (default: every built-in one).")] = None,
    no_stale_warning: Annotated[bool, typer.Option("--no-stale-warning", help="Do not warn about presets older than 90 days.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """The same trade on every venue: max leverage, margins, liquidation and bankruptcy prices,
    who keeps a surplus, who pays a shortfall, how ADL picks and prices.

    Example: liqcalc compare --symbol BTC --side long --entry 60000 --size 1 --leverage 10
    """
    run_compare(
        {"symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
         "leverage": leverage, "margin": margin, "mark": mark},
        presets, no_stale_warning, OutputFormat.json if json_output else OutputFormat.table,
    )


@boundary
def run_compare(options: dict[str, Any], names: str | None, no_stale_warning: bool, output: OutputFormat) -> None:
    from liqcalc.cli.request import UsageInputError, build, option_name
    from liqcalc.core.errors import LiqcalcError
    from liqcalc.core.position import Calculator
    from liqcalc.presets.loader import available, load, stale_warning
    from liqcalc.render.compare import VenueRow, render_compare

    chosen = [n.strip() for n in names.split(",") if n.strip()] if names else [
        name for name, _, origin in available() if origin == "built-in"]
    given = {k: v for k, v in options.items() if v is not None}
    # the trade is checked once, with the first preset standing in for the name
    request = build({**given, "preset": chosen[0] if chosen else "-"}, option_name, fund_party=lambda _: None,
                    error=UsageInputError)
    rows: list[VenueRow] = []
    warnings: list[str] = []
    for name in chosen:
        try:
            preset = load(name)
        except LiqcalcError as error:
            rows.append(VenueRow(name, None, None, None, str(error)))
            continue
        if not no_stale_warning and (stale := stale_warning(preset)):
            warnings.append(stale)
        try:
            symbol = preset.symbol(request.symbol)
            result = Calculator(preset.venue, symbol).evaluate(request.specs[0])
            rows.append(VenueRow(name, preset, symbol, result, None))
        except LiqcalcError as error:
            rows.append(VenueRow(name, preset, None, None, str(error)))
    if output is OutputFormat.table:
        for warning in warnings:
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
    render_compare(request, rows, warnings, output)
