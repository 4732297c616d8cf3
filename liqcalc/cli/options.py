"""Options shared by the commands, defined once as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

import typer

PresetOpt = Annotated[
    str | None,
    typer.Option("--preset", "-p", metavar="NAME|PATH", help="A preset name (`liqcalc presets list`) or a .toml file."),
]
SymbolOpt = Annotated[
    str | None,
    typer.Option("--symbol", "-s", help="The venue's spelling (BTCUSDT, BTC-USDT-SWAP) or a base asset (BTC)."),
]
SideOpt = Annotated[str | None, typer.Option("--side", metavar="long|short", help="Position side.")]
PriceOpt = Annotated[str | None, typer.Option(metavar="PRICE")]
AmountOpt = Annotated[str | None, typer.Option(metavar="AMOUNT")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write one JSON object to stdout instead of tables.")]
