"""``liqcalc compare``: the same trade on every built-in preset (or those named), side by side."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
    JsonOpt,
    LeverageOpt,
    MarginOpt,
    MarkOpt,
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
    presets: Annotated[str | None, typer.Option("--presets", metavar="A,B,...", help="Presets to compare (default: every built-in one).")] = None,
    no_stale_warning: NoStaleWarningOpt = False,
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
    from liqcalc.core.errors import LiqcalcError, PresetError, UsageError
    from liqcalc.core.position import Calculator
    from liqcalc.presets.loader import available, builtin_names, load, resolve, stale_warning
    from liqcalc.render.compare import VenueRow, render_compare

    if names is None:
        # every built-in venue, in the user's version where the user has imported a fresher one
        builtin = set(builtin_names())
        chosen = [name for name, _, _ in available() if name in builtin]
    else:
        chosen = [n.strip() for n in names.split(",") if n.strip()]
        if not chosen:
            raise UsageError("--presets: no preset named; give names separated by commas, e.g. binance,bybit")
        for name in chosen:  # an unknown name is a mistake, not a venue that cannot take the trade
            try:
                resolve(name)
            except PresetError as error:
                raise PresetError(str(error).replace("--preset:", "--presets:", 1)) from None
    if options.get("leverage") is not None and "," in str(options["leverage"]):
        raise UsageError("--leverage: compare takes one leverage; for several, use `liqcalc position --leverage 5,10,20`")
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
