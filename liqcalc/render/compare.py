"""Output of ``liqcalc compare``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from liqcalc.core.model import SymbolSpec
from liqcalc.core.position import PositionResult
from liqcalc.presets.loader import Preset
from liqcalc.render import OutputFormat
from liqcalc.render.numbers import dumps, money, price, quantity
from liqcalc.render.position import SCHEMA_VERSION, distance

PARTY_SHORT = {
    "trader": "trader", "insurance_fund": "insurance fund", "backstop_vault": "backstop vault",
    "liquidator": "liquidator", "adl_counterparties": "ADL", "socialized_loss": "socialized loss",
    "clearing_member": "clearing member", "guaranty_fund": "guaranty fund",
}
RANKING_SHORT = {
    "pnl_x_leverage": "PnL% x eff. leverage", "binance_leverage_pnl": "PnL/wallet x margin ratio",
    "hyperliquid": "mark/entry x notional/equity", "bitget": "ROI x/÷ account MMR",
    "random_start": "random start", "none": "none",
}


@dataclass(frozen=True)
class VenueRow:
    """One venue's answer, or why it cannot take the trade."""

    name: str
    preset: Preset | None
    symbol: SymbolSpec | None
    result: PositionResult | None
    error: str | None


def surplus_words(preset: Preset) -> str:
    venue = preset.venue
    text = PARTY_SHORT[venue.surplus.to]
    if venue.fees.liquidation and venue.fees.liquidation_fee_to != venue.surplus.to:
        text = f"fee {(venue.fees.liquidation * 100).normalize():f}% to {PARTY_SHORT[venue.fees.liquidation_fee_to]}, rest to {text}"
    if venue.surplus.backstop_below_mm and venue.surplus.backstop_to:
        n, d = venue.surplus.backstop_below_mm
        text += f"; below {n}/{d} MM: {PARTY_SHORT[venue.surplus.backstop_to]}"
    return text


RESULT_KEYS = ("title", "as_of", "illustrative", "surplus_to", "liquidation_fee_rate", "liquidation_fee_to",
               "backstop_below_mm", "shortfall_waterfall", "adl", "symbol", "quote", "max_leverage", "leverage",
               "initial_margin", "maintenance_margin", "liquidation_price", "liquidation_distance", "bankruptcy_price",
               "bankruptcy_distance", "tier")


def row_json(row: VenueRow) -> dict[str, Any]:
    """One venue's result; every key is present (null where the venue cannot take the trade)."""
    base: dict[str, Any] = {"preset": row.name, "ok": row.error is None, "error": row.error}
    base.update(dict.fromkeys(RESULT_KEYS))
    base["warnings"] = []
    if row.preset is not None:
        venue = row.preset.venue
        base.update({
            "title": venue.title, "as_of": venue.as_of.isoformat(), "illustrative": venue.illustrative,
            "surplus_to": venue.surplus.to, "liquidation_fee_rate": venue.fees.liquidation,
            "liquidation_fee_to": venue.fees.liquidation_fee_to,
            "backstop_below_mm": None if venue.surplus.backstop_below_mm is None else "/".join(map(str, venue.surplus.backstop_below_mm)),
            "shortfall_waterfall": list(venue.shortfall.waterfall),
            "adl": {"ranking": venue.adl.ranking, "price": venue.adl.price},
        })
    r = row.result
    if r is not None and row.symbol is not None:
        base.update({
            "symbol": row.symbol.name, "quote": row.symbol.quote,
            "max_leverage": None if r.tier_at_entry is None else r.tier_at_entry.max_leverage,
            "leverage": r.leverage, "initial_margin": r.initial_margin, "maintenance_margin": r.maintenance_margin,
            "liquidation_price": r.liquidation_price, "liquidation_distance": distance(r.liquidation_price, r.spec.mark),
            "bankruptcy_price": r.bankruptcy_price, "bankruptcy_distance": distance(r.bankruptcy_price, r.spec.mark),
            "tier": r.tier.number, "warnings": list(r.warnings),
        })
    return base


def render_compare(request: Any, rows: list[VenueRow], warnings: list[str], output: OutputFormat) -> None:
    if output is OutputFormat.json:
        inputs = {k: v for k, v in request.inputs.items() if k not in ("preset", "fill", "insurance_fund", "can_pay")}
        sys.stdout.write(dumps({"schema_version": SCHEMA_VERSION, "command": "compare", "inputs": inputs,
                                "warnings": warnings, "results": [row_json(r) for r in rows]}) + "\n")
        return
    from rich.table import Table

    from liqcalc.render.console import console

    spec = request.specs[0]
    sizing = f"{quantity(spec.leverage)}x" if spec.leverage is not None else f"margin {money(spec.margin)}"
    numbers = Table(title=f"{request.symbol} {spec.side} {quantity(spec.size)} @ {price(spec.entry)}, {sizing}, venue by venue",
                    title_justify="left")
    for column in ("venue", "symbol", "max lev.", "initial margin", "maint. margin", "liquidation", "to liq.", "bankruptcy"):
        numbers.add_column(column, justify="left" if column in ("venue", "symbol") else "right")
    rules = Table(title="Where the money goes", title_justify="left")
    for column in ("venue", "surplus goes to", "shortfall paid by", "ADL queue / price"):
        rules.add_column(column)
    refused: list[str] = []
    for row in rows:
        name = row.name + (" *" if row.preset is not None and row.preset.venue.illustrative else "")
        if row.preset is not None:
            venue = row.preset.venue
            rules.add_row(
                name, surplus_words(row.preset), " → ".join(PARTY_SHORT[p] for p in venue.shortfall.waterfall),
                f"{RANKING_SHORT[venue.adl.ranking]} / {venue.adl.price}" if venue.adl.ranking != "none" else "no ADL",
            )
        if row.error is not None or row.result is None or row.symbol is None:
            numbers.add_row(name, "-", "-", "-", "-", "-", "-", "-")
            refused.append(f"{row.name} cannot take this trade: {row.error}")
            continue
        r = row.result
        liq = distance(r.liquidation_price, r.spec.mark)
        numbers.add_row(
            name, row.symbol.name,
            "-" if r.tier_at_entry is None else f"{quantity(r.tier_at_entry.max_leverage)}x",
            money(r.initial_margin), money(r.maintenance_margin), price(r.liquidation_price),
            "-" if liq["percent"] is None else f"{liq['percent']:+.2f}%", price(r.bankruptcy_price),
        )
    out = console()
    out.print(numbers)
    for line in refused:
        out.print("• " + line)
    out.print("Max leverage is the tier's at this entry notional; distances are from the mark; prices in each venue's quote.")
    out.print(rules)
    if any(r.preset is not None and r.preset.venue.illustrative for r in rows):
        out.print("* a model with illustrative rates, not a venue.")
