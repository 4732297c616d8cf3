"""``liqcalc position`` output: the JSON object and the rich tables, from one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from liqcalc.core.model import SymbolSpec, Tier, Venue, Waterfall
from liqcalc.core.position import PositionResult
from liqcalc.render.numbers import money, percent, price, quantity

SCHEMA_VERSION = 1

PARTY_WORDS = {
    "trader": "the trader",
    "insurance_fund": "the insurance fund",
    "backstop_vault": "the backstop (liquidator) vault",
    "liquidator": "the liquidator",
    "adl_counterparties": "ADL counterparties",
    "socialized_loss": "a socialized loss",
    "clearing_member": "the clearing member",
    "guaranty_fund": "the guaranty fund",
    "margin": "margin",
    "deficit": "the deficit",
}


@dataclass(frozen=True)
class PresetInfo:
    """What the output says about the preset used."""

    name: str
    title: str
    as_of: str
    path: str | None
    """The file, for user and ad-hoc presets (None for built-in ones: the name says it)."""
    origin: str
    illustrative: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "title": self.title, "as_of": self.as_of, "path": self.path,
            "origin": self.origin, "illustrative": self.illustrative,
        }


@dataclass(frozen=True)
class PositionReport:
    """One ``position`` call: the preset, the echoed inputs and one result per leverage."""

    preset: PresetInfo
    venue: Venue
    symbol: SymbolSpec
    inputs: dict[str, Any]
    results: list[PositionResult]
    warnings: list[str] = field(default_factory=list)


# -- JSON -----------------------------------------------------------------------------------


def tier_json(tier: Tier | None, overridden: bool = False) -> dict[str, Any] | None:
    if tier is None:
        return None
    return {
        "number": None if overridden else tier.number,
        "floor": tier.floor,
        "cap": tier.cap,
        "max_leverage": None if overridden or not tier.max_leverage.is_finite() else tier.max_leverage,
        "mmr": tier.mmr,
        "maint_amount": tier.maint_amount,
        "overridden": overridden,
    }


def waterfall_json(waterfall: Waterfall | None) -> dict[str, Any]:
    if waterfall is None:
        return {"label": None, "fill_price": None, "equity": None, "surplus": Decimal(0),
                "shortfall": Decimal(0), "flows": [], "backstop": False, "adl_price": None}
    return {
        "label": waterfall.label,
        "fill_price": waterfall.fill_price,
        "equity": waterfall.equity,
        "surplus": waterfall.surplus,
        "shortfall": waterfall.shortfall,
        "flows": [{"from": f.source, "to": f.target, "amount": f.amount} for f in waterfall.flows],
        "backstop": waterfall.backstop,
        "adl_price": waterfall.adl_price,
    }


def main_waterfall(result: PositionResult) -> Waterfall | None:
    """The waterfall the ``waterfall`` key shows: at ``--fill`` if given, else at the
    liquidation price, else at the bankruptcy price."""
    by_label = {w.label: w for w in result.waterfalls}
    return by_label.get("fill") or by_label.get("liquidation") or by_label.get("bankruptcy")


def distance(target: Decimal | None, mark: Decimal) -> dict[str, Any]:
    if target is None:
        return {"price": None, "percent": None}
    return {"price": target - mark, "percent": (target - mark) / mark * 100}


def result_json(result: PositionResult) -> dict[str, Any]:
    """The per-position keys of the JSON contract."""
    mark = result.spec.mark
    return {
        "symbol": result.symbol,
        "side": result.spec.side,
        "size": result.spec.size,
        "entry": result.spec.entry,
        "mark": mark,
        "notional": result.notional,
        "leverage": result.leverage,
        "initial_margin": result.initial_margin,
        "margin_balance": result.margin_balance,
        "maintenance_margin": result.maintenance_margin,
        "maintenance_margin_at_liquidation": result.maintenance_margin_at_liquidation,
        "margin_ratio": result.margin_ratio,
        "tier": tier_json(result.tier, result.tier_overridden),
        "tier_at_entry": tier_json(result.tier_at_entry),
        "liquidation_price": result.liquidation_price,
        "bankruptcy_price": result.bankruptcy_price,
        "liquidation_distance": distance(result.liquidation_price, mark),
        "bankruptcy_distance": distance(result.bankruptcy_price, mark),
        "liquidation_fee_rate": result.liquidation_fee_rate,
        "liquidation_fee": result.liquidation_fee,
        "open_fee": result.open_fee,
        "waterfall": waterfall_json(main_waterfall(result)),
        "waterfalls": [waterfall_json(w) for w in result.waterfalls],
        "warnings": list(result.warnings),
    }


def report_json(report: PositionReport) -> dict[str, Any]:
    """The whole ``--json`` object: one position's keys at the top level; several
    leverages give the same keys per row under ``results``."""
    envelope: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": "position",
        "preset": report.preset.as_json(),
        "inputs": report.inputs,
    }
    warnings = list(report.warnings)
    for result in report.results:
        warnings.extend(w for w in result.warnings if w not in warnings)
    envelope["warnings"] = warnings
    if len(report.results) == 1:
        row = result_json(report.results[0])
        row.pop("warnings")
        envelope.update(row)
    else:
        envelope["results"] = [result_json(r) for r in report.results]
    return envelope


# -- words ----------------------------------------------------------------------------------


def tier_words(tier: Tier, unit: str) -> str:
    span = f"above {money(tier.floor)} {unit}" if tier.cap is None else f"{money(tier.floor)} to {money(tier.cap)} {unit}"
    amount = f", amount {money(tier.maint_amount)}" if tier.maint_amount else ""
    return f"tier {tier.number} ({span}, MMR {percent(tier.mmr, 4)}{amount})"


def why_tier(result: PositionResult, venue: Venue, symbol: SymbolSpec) -> str:
    """One sentence on which tier the liquidation price was solved in, and why."""
    quote = symbol.quote
    if result.tier_overridden:
        return (f"The maintenance rate {percent(result.tier.mmr, 4)} and amount {money(result.tier.maint_amount)} "
                "come from --mmr/--maint-amount, not from the tier table.")
    entry_tier = result.tier_at_entry
    if symbol.tier_unit == "base":
        return (f"{venue.title} reads the tier at the position size, {quantity(result.spec.size)} {symbol.base}: "
                f"{tier_words(result.tier, symbol.base)}.")
    if venue.margin.tier_basis == "entry_notional":
        return (f"{venue.title} reads the tier at the entry notional {money(result.notional)} {quote}: "
                f"{tier_words(result.tier, quote)}.")
    if result.liquidation_price is None:
        return f"The entry notional {money(result.notional)} {quote} is in {tier_words(result.tier, quote)}."
    liq_notional = result.spec.size * result.liquidation_price
    text = (f"{venue.title} reads the tier at the notional at the liquidation price, "
            f"{money(liq_notional)} {quote}: {tier_words(result.tier, quote)}")
    if entry_tier is not None and entry_tier.number != result.tier.number:
        text += (f"; the entry notional {money(result.notional)} {quote} is in tier {entry_tier.number}, so the "
                 "tier changes on the way to liquidation and the price is solved in the tier that holds it")
    return text + "."


def waterfall_words(w: Waterfall, venue: Venue, quote: str, result: PositionResult) -> str:
    """Where the money goes at one fill, in a sentence or two."""
    at = {"liquidation": "at the liquidation price", "bankruptcy": "at the bankruptcy price",
          "fill": "at your --fill"}[w.label]
    head = f"Filled {at} {price(w.fill_price)}: "
    if w.surplus == 0 and w.shortfall == 0:
        return head + "the margin is used up exactly; nobody gains and nobody pays."
    if w.surplus > 0:
        parts = [f"{money(f.amount)} {quote} to {PARTY_WORDS[f.target]}" for f in w.flows]
        text = head + f"{money(w.surplus)} {quote} of margin is left; " + ", ".join(parts) + "."
        if w.backstop:
            text += (" Equity is below the backstop threshold of maintenance margin, so the backstop takes the "
                     "position and the margin is not returned.")
        elif venue.fees.liquidation > 0 or result.liquidation_fee_rate > 0:
            rate = f"{(result.liquidation_fee_rate * 100).normalize():f}%"
            text += f" The liquidation fee is {rate} of the liquidated notional, capped at what is left."
        return text
    parts = [f"{PARTY_WORDS[f.source]} pay{'s' if not f.source.endswith('s') else ''} {money(f.amount)} {quote}" for f in w.flows]
    text = head + f"{money(w.shortfall)} {quote} is missing beyond the bankruptcy price; " + ", then ".join(parts) + "."
    if w.adl_price is not None:
        where = "the bankruptcy price" if venue.adl.price == "bankruptcy" else "the mark price"
        text += f" ADL closes winners on the other side at {where}, {price(w.adl_price)}."
    if "trader" in {f.source for f in w.flows}:
        text += " With recourse the trader owes the rest: a margin call beyond the posted margin."
    return text


# -- rich -----------------------------------------------------------------------------------


def render_table(report: PositionReport) -> None:
    from rich.table import Table

    from liqcalc.render.console import console as make_console

    console = make_console()
    venue, symbol, quote = report.venue, report.symbol, report.symbol.quote
    first = report.results[0]
    spec = first.spec
    title = (f"{symbol.name} {spec.side} {quantity(spec.size)} @ {price(spec.entry)} on {venue.title} "
             f"({report.preset.name}, as of {report.preset.as_of}{', illustrative' if report.preset.illustrative else ''})")
    if len(report.results) > 1:
        table = Table(title=title, title_justify="left")
        for column in ("leverage", "initial margin", "maint. margin", "tier", "liquidation", "to liq.", "bankruptcy",
                       "to bkr.", "liq. fee"):
            table.add_column(column, justify="right")
        for r in report.results:
            liq = distance(r.liquidation_price, r.spec.mark)
            bkr = distance(r.bankruptcy_price, r.spec.mark)
            table.add_row(
                f"{quantity(r.leverage)}x" if r.leverage is not None else "-",
                money(r.initial_margin), money(r.maintenance_margin),
                "override" if r.tier_overridden else str(r.tier.number),
                price(r.liquidation_price), "-" if liq["percent"] is None else f"{liq['percent']:+.2f}%",
                price(r.bankruptcy_price), "-" if bkr["percent"] is None else f"{bkr['percent']:+.2f}%",
                money(r.liquidation_fee),
            )
        console.print(table)
        console.print(f"Prices in {quote}; distances from the mark {price(spec.mark)}. One row per --leverage.")
        return
    r = first
    console.print(title)
    table = Table(show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_column("")
    liq = distance(r.liquidation_price, spec.mark)
    bkr = distance(r.bankruptcy_price, spec.mark)
    table.add_row("notional", money(r.notional, quote), f"at entry; mark {price(spec.mark)}")
    table.add_row("leverage", "-" if r.leverage is None else f"{quantity(r.leverage.quantize(Decimal('0.01')))}x",
                  f"{spec.mode} margin")
    table.add_row("initial margin", money(r.initial_margin, quote), "")
    table.add_row("margin balance", money(r.margin_balance, quote),
                  "after added margin and funding" if spec.add_margin or spec.funding else "")
    table.add_row("tier", "override" if r.tier_overridden else str(r.tier.number),
                  f"MMR {percent(r.tier.mmr, 4)}, amount {money(r.tier.maint_amount)}")
    table.add_row("maintenance margin", money(r.maintenance_margin, quote), "at the mark")
    table.add_row("margin ratio", percent(r.margin_ratio), "liquidation at 100%")
    table.add_row("liquidation price", price(r.liquidation_price),
                  "" if liq["percent"] is None else f"{price(liq['price'])} ({liq['percent']:+.2f}%) from mark")
    table.add_row("bankruptcy price", price(r.bankruptcy_price),
                  "" if bkr["percent"] is None else f"{price(bkr['price'])} ({bkr['percent']:+.2f}%) from mark")
    table.add_row("liquidation fee", money(r.liquidation_fee, quote),
                  f"{(r.liquidation_fee_rate * 100).normalize():f}% of notional at liquidation")
    table.add_row("open fee", money(r.open_fee, quote), f"taker {percent(venue.fees.taker, 4)}")
    console.print(table)
    console.print(why_tier(r, venue, symbol))
    if r.liquidation_price is None:
        console.print("No liquidation price: the margin covers the whole notional, so equity never falls to the "
                      "maintenance margin at a positive price.")
    if r.waterfalls:
        flows = Table(title="Where the money goes", title_justify="left")
        for column in ("fill", "price", "equity", "surplus", "shortfall", "flows"):
            flows.add_column(column, justify="left" if column in ("fill", "flows") else "right")
        for w in r.waterfalls:
            moves = "; ".join(f"{f.source} → {f.target} {money(f.amount)}" for f in w.flows) or "-"
            flows.add_row(w.label, price(w.fill_price), money(w.equity), money(w.surplus), money(w.shortfall), moves)
        console.print(flows)
        for w in r.waterfalls:
            console.print("• " + waterfall_words(w, venue, quote, r))
