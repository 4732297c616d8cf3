"""Output of ``liqcalc position --account``."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from liqcalc.core.model import Venue
from liqcalc.core.position import PositionResult
from liqcalc.render import OutputFormat
from liqcalc.render.numbers import dumps, money, percent, price, quantity
from liqcalc.render.position import SCHEMA_VERSION, PresetInfo, distance, tier_json


def account_json(info: PresetInfo, wallet: Decimal, results: list[PositionResult], stale: list[str]) -> dict[str, object]:
    warnings: list[str] = list(stale)
    for r in results:
        warnings.extend(f"{r.symbol}: {w}" for w in r.warnings)
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "position",
        "preset": info.as_json(),
        "inputs": {"wallet": wallet, "mode": "cross"},
        "warnings": warnings,
        "positions": [
            {
                "symbol": r.symbol, "side": r.spec.side, "size": r.spec.size, "entry": r.spec.entry, "mark": r.spec.mark,
                "tier": tier_json(r.tier, r.tier_overridden), "maintenance_margin": r.maintenance_margin,
                "liquidation_price": r.liquidation_price, "bankruptcy_price": r.bankruptcy_price,
                "liquidation_distance": distance(r.liquidation_price, r.spec.mark),
            }
            for r in results
        ],
    }


def render_account(info: PresetInfo, venue: Venue, wallet: Decimal, results: list[PositionResult],
                   output: OutputFormat, out: TextIO, stale: list[str]) -> None:
    if output is OutputFormat.json:
        out.write(dumps(account_json(info, wallet, results, stale)) + "\n")
        return
    import sys

    from rich.table import Table

    from liqcalc.render.console import console as make_console

    for warning in stale:
        sys.stderr.write(f"liqcalc: warning: {warning}\n")
    for r in results:
        for w in r.warnings:
            sys.stderr.write(f"liqcalc: warning: {r.symbol}: {w}\n")
    table = Table(title=f"Cross account on {venue.title} (wallet {money(wallet)}, as of {info.as_of})", title_justify="left")
    for column in ("symbol", "side", "size", "entry", "mark", "MMR", "maint. margin", "liquidation", "to liq.", "bankruptcy"):
        table.add_column(column, justify="left" if column in ("symbol", "side") else "right")
    for r in results:
        liq = distance(r.liquidation_price, r.spec.mark)
        table.add_row(r.symbol, r.spec.side, quantity(r.spec.size), price(r.spec.entry), price(r.spec.mark),
                      percent(r.tier.mmr), money(r.maintenance_margin), price(r.liquidation_price),
                      "-" if liq["percent"] is None else f"{liq['percent']:+.2f}%", price(r.bankruptcy_price))
    console = make_console()
    console.print(table)
    console.print(
        "Each liquidation price holds the other positions at their marks: their maintenance margin is taken from "
        "the wallet and their unrealized PnL added to it, as in Binance's cross-margin formula (TMM1, UPNL1)."
    )
