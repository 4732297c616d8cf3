"""Options shared by the commands, defined once as ``Annotated`` aliases.

Numbers are taken as text and parsed by :mod:`liqcalc.app.request`, so a bad value is named
the way the user wrote it, in one line, never by a parser's traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from liqcalc.render import OutputFormat

PresetOpt = Annotated[
    str | None,
    typer.Option("--preset", "-p", metavar="NAME|PATH", help="A preset name (`liqcalc presets list`) or a .toml file."),
]
SymbolOpt = Annotated[
    str | None,
    typer.Option("--symbol", "-s", metavar="SYMBOL", help="The venue's spelling (BTCUSDT, BTC-USDT-SWAP) or a base asset (BTC)."),
]
SideOpt = Annotated[str | None, typer.Option("--side", metavar="long|short", help="Position side.")]
EntryOpt = Annotated[str | None, typer.Option("--entry", metavar="PRICE", help="Average entry price.")]
SizeOpt = Annotated[str | None, typer.Option("--size", metavar="QTY", help="Position size in the base asset; contracts on an inverse (coin-margined) contract (compare: the base asset on every venue).")]
NotionalOpt = Annotated[
    str | None, typer.Option("--notional", metavar="AMOUNT", help="Position size as its quote value at entry, USD on an inverse contract (instead of --size).")
]
LeverageOpt = Annotated[str | None, typer.Option("--leverage", metavar="X", help="Leverage (isolated: sets the margin).")]
MarginOpt = Annotated[
    str | None, typer.Option("--margin", metavar="AMOUNT", help="Isolated margin in the margin asset: the quote, or an inverse contract's coin (compare: the quote on every venue; instead of --leverage).")
]
MarkOpt = Annotated[str | None, typer.Option("--mark", metavar="PRICE", help="Mark price now (default: entry).")]
ModeOpt = Annotated[str | None, typer.Option("--mode", metavar="isolated|cross", help="Margin mode (default: isolated).")]
WalletOpt = Annotated[
    str | None, typer.Option("--wallet", metavar="AMOUNT", help="Cross wallet balance in the margin asset (with --mode cross or --account).")
]
InsuranceFundOpt = Annotated[
    str | None,
    typer.Option("--insurance-fund", metavar="AMOUNT", help="What the venue's fund can pay of a shortfall (default: all of it)."),
]
NoStaleWarningOpt = Annotated[
    bool, typer.Option("--no-stale-warning", help="Do not warn about a preset older than 90 days.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write one JSON object to stdout instead of tables (= --format json).")]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", metavar="table|json|csv|markdown", case_sensitive=False, show_default=False,
                 help="Output: tables (default), one JSON object, CSV of the main table (numbers plain, as in the JSON), "
                      "or markdown pipe tables of every table."),
]


def output_format(chosen: OutputFormat | None, json_output: bool) -> OutputFormat:
    """The format, chosen once from ``--format`` and its alias ``--json``: both may be given
    when they agree; ``--json`` with another format is a usage error (exit 2)."""
    if json_output and chosen not in (None, OutputFormat.json):
        from liqcalc.core.errors import UsageError

        raise UsageError(f"--json is --format json; it cannot be combined with --format {chosen.value}")
    return OutputFormat.json if json_output else chosen or OutputFormat.table
FillOpt = Annotated[
    str | None, typer.Option("--fill", metavar="PRICE", help="The average price the liquidation order fills at.")
]
MmrOpt = Annotated[
    str | None, typer.Option("--mmr", metavar="RATE", help="Maintenance rate overriding the tier table (0.005 = 0.5%).")
]
MaintAmountOpt = Annotated[
    str | None, typer.Option("--maint-amount", metavar="AMOUNT", help="Maintenance amount going with --mmr.")
]
