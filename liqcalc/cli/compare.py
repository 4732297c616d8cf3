"""``liqcalc compare``: the same trade on every built-in preset (or those named), side by side."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
    FillOpt,
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

if TYPE_CHECKING:
    from liqcalc.core.model import Party


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
) -> None:
    """The same trade on every venue: max leverage, margins, liquidation and bankruptcy prices,
    who keeps a surplus, who pays a shortfall, how ADL picks and prices.

    With --fill PRICE, what each party pays at that fill on each venue: the insurance fund (at
    most --insurance-fund AMOUNT), ADL counterparties, the trader under recourse, the clearing
    member, the guaranty fund. --mmr and --maint-amount replace every venue's tier table.

    Example: liqcalc compare --symbol BTC --side long --entry 60000 --size 1 --leverage 10

    Example: liqcalc compare --symbol BTC --side long --entry 60000 --size 10 --leverage 10 --fill 52000 --insurance-fund 5000
    """
    run_compare(
        {"symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
         "leverage": leverage, "margin": margin, "mark": mark, "fill": fill, "insurance_fund": insurance_fund,
         "mmr": mmr, "maint_amount": maint_amount},
        presets, no_stale_warning, OutputFormat.json if json_output else OutputFormat.table,
    )


@boundary
def run_compare(options: dict[str, Any], names: str | None, no_stale_warning: bool, output: OutputFormat) -> None:
    from liqcalc.cli.request import UsageInputError, build, number, option_name
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
    # --insurance-fund caps each venue's own fund (an insurance fund, Hyperliquid's backstop vault)
    insurance_fund = number(given, "insurance_fund", option_name, sign="non_negative", error=UsageInputError)
    given.pop("insurance_fund", None)
    if insurance_fund is not None and "fill" not in given:
        raise UsageError("--insurance-fund caps what the fund pays at a fill beyond the bankruptcy price; "
                         "give --fill PRICE too")
    # the trade is checked once, with the first preset standing in for the name
    request = build({**given, "preset": chosen[0] if chosen else "-"}, option_name, fund_party=lambda _: None,
                    error=UsageInputError)
    request.inputs["insurance_fund"] = insurance_fund
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
        caps: dict[Party, Decimal] = {}
        notes: list[str] = []
        if insurance_fund is not None:
            fund = preset.venue.fund_party
            if fund is None:
                notes.append("no fund in this venue's waterfall: --insurance-fund does not apply")
            elif fund == preset.venue.shortfall.waterfall[-1]:
                notes.append(f"the {fund.replace('_', ' ')} is this venue's last payer and pays whatever is left: "
                             "--insurance-fund does not apply")
            else:
                caps[fund] = insurance_fund
        try:
            symbol = preset.symbol(request.symbol)
            result = Calculator(preset.venue, symbol).evaluate(request.specs[0], fill=request.fill, caps=caps)
            rows.append(VenueRow(name, preset, symbol, result, None, notes))
        except LiqcalcError as error:
            rows.append(VenueRow(name, preset, None, None, str(error)))
    if output is OutputFormat.table:
        for warning in warnings:
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
        venues: dict[str, list[str]] = {}  # a remark on several venues is said once, naming them
        for row in rows:
            for remark in row.result.warnings if row.result is not None else ():
                venues.setdefault(remark, []).append(row.name)
        for remark, where in venues.items():
            sys.stderr.write(f"liqcalc: warning: {remark} ({', '.join(where)})\n")
    render_compare(request, rows, warnings, output)
    if rows and all(row.result is None for row in rows):  # the table or JSON above says why, per venue
        raise LiqcalcError(f"none of the {len(rows)} venues compared can take this trade (the first: {rows[0].error})")
