"""Output of ``liqcalc compare``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from liqcalc.app.compare import CompareReport, VenueRow
from liqcalc.core.errors import escape
from liqcalc.core.model import Venue, Waterfall
from liqcalc.core.rules import ranking_rule
from liqcalc.presets.loader import Preset
from liqcalc.render.numbers import money, price, quantity
from liqcalc.render.position import SCHEMA_VERSION, as_printed, distance, main_waterfall, waterfall_json
from liqcalc.render.presets import markup
from liqcalc.render.rows import PLAIN, SHOWN, Rows, Style

PARTY_SHORT = {
    "trader": "trader", "insurance_fund": "insurance fund", "backstop_vault": "backstop vault",
    "liquidator": "liquidator", "adl_counterparties": "ADL", "socialized_loss": "socialized loss",
    "clearing_member": "clearing member", "guaranty_fund": "guaranty fund",
}


# The payers a shortfall can have, in the order the columns show them (issue 7, §4: the fund,
# ADL counterparties, the clearing member, the guaranty fund; the trader under recourse).
PAYERS: tuple[str, ...] = ("trader", "insurance_fund", "backstop_vault", "adl_counterparties", "socialized_loss",
                            "clearing_member", "guaranty_fund", "venue")
PAYER_HEADERS = {
    "trader": "trader", "insurance_fund": "insurance fund", "backstop_vault": "backstop vault",
    "adl_counterparties": "ADL", "socialized_loss": "socialized loss", "clearing_member": "clearing member",
    "guaranty_fund": "guaranty fund", "venue": "the venue",
}


def surplus_words(preset: Preset) -> str:
    venue = preset.venue
    text = PARTY_SHORT[venue.surplus.to]
    if venue.fees.liquidation and venue.fees.liquidation_fee_to != venue.surplus.to:
        text = f"fee {(venue.fees.liquidation * 100).normalize():f}% to {PARTY_SHORT[venue.fees.liquidation_fee_to]}, rest to {text}"
    if venue.surplus.backstop_below_mm and venue.surplus.backstop_to:
        n, d = venue.surplus.backstop_below_mm
        text += f"; below {n}/{d} MM: {PARTY_SHORT[venue.surplus.backstop_to]}"
    return text


def paid_by(venue: Venue, waterfall: Waterfall | None) -> dict[str, Decimal]:
    """What each payer of the venue's shortfall waterfall pays at this fill (0 when it pays
    nothing); the amounts add up to the shortfall."""
    paid: dict[str, Decimal] = dict.fromkeys(venue.shortfall.waterfall, Decimal(0))
    for flow in waterfall.flows if waterfall is not None else ():
        if flow.target == "deficit":  # the preset's unabsorbed_by may be a payer outside its waterfall
            paid[flow.source] = paid.get(flow.source, Decimal(0)) + flow.amount
    return paid


def surplus_flows(waterfall: Waterfall, charges_fee: bool) -> str:
    """Where a surplus goes, in words: the liquidation fee (capped at what is left) first."""
    parts = []
    for n, flow in enumerate(waterfall.flows):
        to = PARTY_SHORT.get(flow.target, flow.target)
        if waterfall.backstop:
            parts.append(f"all to the {to}, which takes the position (below its threshold of maintenance margin)")
        elif n == 0 and charges_fee:
            parts.append(f"the liquidation fee {money(flow.amount)} to the {to}")
        else:
            parts.append(f"{'the rest ' if parts else ''}{money(flow.amount)} to the {to}")
    return ", ".join(parts)


RESULT_KEYS = ("title", "as_of", "illustrative", "surplus_to", "liquidation_fee_rate", "liquidation_fee_to",
               "backstop_below_mm", "shortfall_waterfall", "adl", "symbol", "quote", "max_leverage", "leverage",
               "initial_margin", "maintenance_margin", "liquidation_price", "liquidation_distance", "bankruptcy_price",
               "bankruptcy_distance", "tier", "waterfall", "paid_by")


def row_json(row: VenueRow) -> dict[str, Any]:
    """One venue's result; every key is present (null where the venue cannot take the trade)."""
    base: dict[str, Any] = {"preset": row.name, "ok": row.error is None, "error": row.error}
    base.update(dict.fromkeys(RESULT_KEYS))
    base["warnings"] = list(row.notes)
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
    if r is not None and row.symbol is not None and row.preset is not None:
        waterfall = main_waterfall(r)
        base.update({
            "symbol": row.symbol.name, "quote": row.symbol.quote,
            "max_leverage": None if r.tier_at_entry is None else r.tier_at_entry.max_leverage,
            "leverage": r.leverage, "initial_margin": r.initial_margin, "maintenance_margin": r.maintenance_margin,
            "liquidation_price": r.liquidation_price, "liquidation_distance": distance(r.liquidation_price, r.spec.mark),
            "bankruptcy_price": r.bankruptcy_price, "bankruptcy_distance": distance(r.bankruptcy_price, r.spec.mark),
            "tier": None if r.tier_overridden else r.tier.number, "waterfall": waterfall_json(waterfall),
            "paid_by": paid_by(row.preset.venue, waterfall), "warnings": [*r.warnings, *row.notes],
        })
    return base


def _ok(row: VenueRow) -> bool:
    return row.error is None and row.result is not None and row.symbol is not None


def _name(row: VenueRow) -> str:
    return row.name + (" *" if row.preset is not None and row.preset.venue.illustrative else "")


def compare_json(report: CompareReport) -> dict[str, Any]:
    """The ``--json`` object of ``compare``."""
    return {"schema_version": SCHEMA_VERSION, "command": "compare", "inputs": report.inputs,
            "warnings": list(report.warnings), "results": [row_json(r) for r in report.rows]}


def render_compare(report: CompareReport) -> None:
    """The comparison's tables and sentences on stdout (the warnings are the writer's)."""
    from liqcalc.render.console import Column, console, fit

    request, rows = report.request, report.rows
    out = console()
    spec = request.specs[0]
    sizing = f"{quantity(spec.leverage)}x" if spec.leverage is not None else f"margin {money(spec.margin)}"
    # echoed input is escaped (one line, whatever it holds) and never read as rich markup
    title = markup(escape(f"{request.symbol} {spec.side} {quantity(spec.size)} @ {price(spec.entry)}, {sizing}, "
                          "venue by venue"))
    venues = venue_rows(report, SHOWN)
    columns = [Column(h, "left", wrap=True) if h == "venue" else Column(h, "left") if h == "symbol" else Column(h)
               for h in venues.header]
    cells = [list(row) for row in venues.rows]
    refused = [markup(escape(f"{row.name} cannot take this trade: {row.error}")) for row in rows if not _ok(row)]
    for table in fit(title, columns, cells, out.width):
        out.print(table)
    for line in refused:
        out.print("• " + line)
    out.print("Max leverage is the tier's at this entry notional; distances are from the mark; prices in each venue's quote.")
    if request.fill is not None:
        _print_fill(out, request, rows)
    rules = [Column("venue", "left", wrap=True), Column("surplus goes to", "left", wrap=True),
             Column("shortfall paid by", "left", wrap=True), Column("ADL queue ranked by", "left", wrap=True),
             Column("ADL price", "left", wrap=True)]
    rule_cells = [list(row) for row in rule_rows(report).rows]
    for table in fit("Where the money goes", rules, rule_cells, out.width):
        out.print(table)
    if any(r.preset is not None and r.preset.venue.illustrative for r in rows):
        out.print("* a model with illustrative rates, not a venue.")


def _print_fill(out: Any, request: Any, rows: Sequence[VenueRow]) -> None:
    """Who pays what at ``--fill`` on each venue: one column per payer, in each venue's quote;
    the surplus column only when some venue has one."""
    from liqcalc.render.console import Column, fit

    payers_rows = payer_rows(rows, SHOWN)
    columns = [Column(h, "left", wrap=True) if h == "venue" else Column(h) for h in payers_rows.header]
    cells = [list(row) for row in payers_rows.rows]
    words: list[str] = []
    for row in _taken(rows):
        assert row.symbol is not None and row.result is not None
        waterfall = main_waterfall(row.result)
        assert waterfall is not None
        quote = row.symbol.quote
        if waterfall.surplus > 0:
            words.append(f"{row.name}: {money(waterfall.surplus, quote)} is left at this fill: "
                         f"{surplus_flows(as_printed(waterfall), row.result.liquidation_fee_rate > 0)}.")
        words.extend(f"{row.name}: {note}." for note in row.notes)
    fund = request.inputs.get("insurance_fund")
    title = f"At a fill of {price(request.fill)}: who pays the shortfall"
    for table in fit(title, columns, cells, out.width):
        out.print(table)
    for line in words:
        out.print("• " + line)
    cap = (f"; each fund pays at most {money(fund)}, and bears more only where its preset leaves ADL's deficit "
           "with it (\\[adl] unabsorbed_by)" if fund is not None else "; each fund pays all it is asked")
    out.print(f"Amounts in each venue's quote{cap}; payers pay in the order of the venue's waterfall, and add up to "
              "the shortfall. ADL at: the price ADL closes the winners at (the bankruptcy price, or the fill standing "
              "for the mark).")


# -- rows: one builder per table, for the rich tables, markdown and CSV --------------------------


def venue_rows(report: CompareReport, style: Style) -> Rows:
    """One row per venue: its symbol, max leverage, margins and prices (CSV's table); a venue
    that cannot take the trade has its name and nothing else."""
    cells: list[tuple[str, ...]] = []
    # CSV carries why a venue cannot take the trade in its own column (the table says it below)
    why = (lambda row: (row.error or "",)) if style.plain else (lambda row: ())
    for row in report.rows:
        name = row.name if style.plain else _name(row)
        if not _ok(row):
            cells.append((name, *[style.missing] * 7, *why(row)))
            continue
        assert row.result is not None and row.symbol is not None
        r = row.result
        liq = distance(r.liquidation_price, r.spec.mark)
        max_lev = style.missing if r.tier_at_entry is None else (
            style.leverage(r.tier_at_entry.max_leverage) if style.plain else f"{quantity(r.tier_at_entry.max_leverage)}x")
        cells.append((name, row.symbol.name, max_lev, style.money(r.initial_margin), style.money(r.maintenance_margin),
                      style.price(r.liquidation_price), style.pct(liq["percent"]), style.price(r.bankruptcy_price),
                      *why(row)))
    return Rows("Venues", ("venue", "symbol", "max lev.", "initial margin", "maint. margin", "liquidation", "to liq.",
                           "bankruptcy", *(("error",) if style.plain else ())), tuple(cells))


def rule_rows(report: CompareReport) -> Rows:
    """Each venue's rules in words: where a surplus goes, who pays a shortfall, how ADL ranks."""
    cells = []
    for row in report.rows:
        if row.preset is None:
            continue
        venue = row.preset.venue
        adl = venue.adl.ranking != "none"
        cells.append((
            _name(row), surplus_words(row.preset), " → ".join(PARTY_SHORT[p] for p in venue.shortfall.waterfall),
            ranking_rule(venue.adl.ranking).short if adl else "no ADL", venue.adl.price if adl else "-",
        ))
    return Rows("Where the money goes", ("venue", "surplus goes to", "shortfall paid by", "ADL queue ranked by",
                                         "ADL price"), tuple(cells))


def _taken(rows: Sequence[VenueRow]) -> list[VenueRow]:
    return [r for r in rows if _ok(r) and r.preset is not None]


def payer_rows(rows: Sequence[VenueRow], style: Style) -> Rows:
    """Who pays what at ``--fill`` on each venue, one column per payer; the surplus column only
    when some venue has one (amounts as printed: adding up to the shortfall)."""
    taken = _taken(rows)
    fills = {r.name: main_waterfall(r.result) for r in taken if r.result is not None}
    paying = {p for r in taken if r.preset is not None for p in paid_by(r.preset.venue, fills.get(r.name))}
    payers = [p for p in PAYERS if p in paying]
    with_surplus = any(w is not None and w.surplus > 0 for w in fills.values())
    header = ("venue", *(("surplus",) if with_surplus else ()), "shortfall", *(PAYER_HEADERS[p] for p in payers), "ADL at")
    cells: list[tuple[str, ...]] = []
    for row in taken:
        assert row.preset is not None
        waterfall = fills[row.name]
        assert waterfall is not None
        paid = paid_by(row.preset.venue, as_printed(waterfall))
        cells.append((
            row.name if style.plain else _name(row), *([style.money(waterfall.surplus)] if with_surplus else []),
            style.money(waterfall.shortfall), *(style.money(paid[p]) if p in paid else style.missing for p in payers),
            style.price(waterfall.adl_price) if waterfall.adl_price is not None else style.missing,
        ))
    return Rows("Who pays the shortfall", header, tuple(cells))


def tables(report: CompareReport, style: Style = SHOWN) -> list[Rows]:
    """Every table ``compare`` prints: the venues, who pays at ``--fill`` (with it), the rules."""
    fill = [payer_rows(report.rows, style)] if report.request.fill is not None else []
    if fill:
        fill[0] = Rows(f"At a fill of {price(report.request.fill)}: who pays the shortfall", fill[0].header, fill[0].rows)
    return [venue_rows(report, style), *fill, rule_rows(report)]


def csv_table(report: CompareReport) -> Rows:
    """CSV's table: the venue rows."""
    return venue_rows(report, PLAIN)


def title(report: CompareReport) -> str:
    """The title line of the tables."""
    spec = report.request.specs[0]
    sizing = f"{quantity(spec.leverage)}x" if spec.leverage is not None else f"margin {money(spec.margin)}"
    return escape(f"{report.request.symbol} {spec.side} {quantity(spec.size)} @ {price(spec.entry)}, {sizing}, venue by venue")
