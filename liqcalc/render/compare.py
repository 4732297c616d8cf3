"""Output of ``liqcalc compare``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from liqcalc.app.compare import CompareReport, VenueRow
from liqcalc.core.errors import escape
from liqcalc.core.model import Venue, Waterfall
from liqcalc.core.numbers import coin_amounts, size_text
from liqcalc.core.rules import ranking_rule
from liqcalc.presets.loader import Preset
from liqcalc.render.numbers import JSON_DECIMALS, money, price, quantity
from liqcalc.render.position import SCHEMA_VERSION, as_printed, contract_json, distance, main_waterfall, waterfall_json
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


def json_adding_up(paid: dict[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    """``paid`` (parts of ``total``, each >= 0) to the JSON's 10 decimals, adding up to ``total``
    as the JSON writes it: a coin's shares (0.08333333333... + 0.45512820512...) would otherwise
    miss the shortfall by 1e-10. The units rounding takes away go to the parts that lost the
    most; amounts with fewer decimals are unchanged."""
    from liqcalc.render.numbers import cents_adding_up

    shown = cents_adding_up(list(paid.values()), total, Decimal(1).scaleb(-JSON_DECIMALS))
    return dict(zip(paid, shown, strict=True))


def surplus_flows(waterfall: Waterfall, charges_fee: bool, asset: str = "") -> str:
    """Where a surplus goes, in words: the liquidation fee (capped at what is left) first."""
    parts = []
    for n, flow in enumerate(waterfall.flows):
        to = PARTY_SHORT.get(flow.target, flow.target)
        if waterfall.backstop:
            parts.append(f"all to the {to}, which takes the position (below its threshold of maintenance margin)")
        elif n == 0 and charges_fee:
            parts.append(f"the liquidation fee {money(flow.amount, asset)} to the {to}")
        else:
            parts.append(f"{'the rest ' if parts else ''}{money(flow.amount, asset)} to the {to}")
    return ", ".join(parts)


RESULT_KEYS = ("title", "as_of", "illustrative", "surplus_to", "liquidation_fee_rate", "liquidation_fee_to",
               "backstop_below_mm", "shortfall_waterfall", "adl", "symbol", "quote", "max_leverage", "leverage",
               "initial_margin", "maintenance_margin", "liquidation_price", "liquidation_distance", "bankruptcy_price",
               "bankruptcy_distance", "tier", "waterfall", "paid_by", "contract_type", "face_value", "margin_asset",
               "size", "size_unit", "quote_notional", "usd_at_mark")


def usd_json(row: VenueRow, waterfall: Waterfall | None, paid: dict[str, Decimal]) -> dict[str, Any]:
    """The row's amounts in USD at the mark (``usd_at_mark``): a coin amount times the mark, a
    quote amount as it is (each quote counted as a dollar), so that venues of different margin
    assets compare."""
    r = row.result
    assert r is not None
    return {
        "mark": r.spec.mark, "initial_margin": at_mark(row, r.initial_margin),
        "maintenance_margin": at_mark(row, r.maintenance_margin),
        "surplus": None if waterfall is None else at_mark(row, waterfall.surplus),
        "shortfall": None if waterfall is None else at_mark(row, waterfall.shortfall),
        "paid_by": {party: at_mark(row, amount) for party, amount in paid.items()},
    }


def row_json(row: VenueRow) -> dict[str, Any]:
    """One venue's result; every key is present (null where the venue cannot take the trade)."""
    base: dict[str, Any] = {"preset": row.name, "ok": row.error is None, "error": row.error}
    base.update(dict.fromkeys(RESULT_KEYS))
    base["warnings"] = [*row.sizing, *row.notes]
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
        paid = paid_by(row.preset.venue, waterfall)
        if waterfall is not None and waterfall.shortfall > 0:
            paid = json_adding_up(paid, waterfall.shortfall)
        base.update({
            **contract_json(row.symbol), "size": r.spec.size, "size_unit": row.symbol.size_unit,
            "quote_notional": row.symbol.quote_notional(r.spec.size, r.spec.entry),
            "usd_at_mark": usd_json(row, waterfall, paid),
            "symbol": row.symbol.name, "quote": row.symbol.quote,
            "max_leverage": None if r.tier_at_entry is None else r.tier_at_entry.max_leverage,
            "leverage": r.leverage, "initial_margin": r.initial_margin, "maintenance_margin": r.maintenance_margin,
            "liquidation_price": r.liquidation_price, "liquidation_distance": distance(r.liquidation_price, r.spec.mark),
            "bankruptcy_price": r.bankruptcy_price, "bankruptcy_distance": distance(r.bankruptcy_price, r.spec.mark),
            "tier": None if r.tier_overridden else r.tier.number, "waterfall": waterfall_json(waterfall),
            "paid_by": paid, "warnings": [*r.warnings, *row.sizing, *row.notes],
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
    for row in rows:
        for note in row.sizing:
            out.print("• " + markup(escape(f"{row.name}: {note}.")))
    out.print("Max leverage is the tier's at this entry notional; distances are from the mark; prices in each venue's "
              "quote; amounts in each venue's margin asset.")
    if _coins(rows):
        out.print(f"An inverse venue takes the same position in contracts: size x entry / face value (--notional / "
                  f"face value), not rounded; --margin and --maint-amount, given in the quote, are turned into its coin "
                  f"at the entry. In USD: a coin amount at the mark {price(spec.mark)}, each quote (USD, USDT, USDC) "
                  "counted as a dollar.")
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
    columns = [Column(h, "left", wrap=True) if h == "venue" else Column(h, "left") if h == "asset" else Column(h)
               for h in payers_rows.header]
    cells = [list(row) for row in payers_rows.rows]
    words: list[str] = []
    for row in _taken(rows):
        assert row.symbol is not None and row.result is not None
        waterfall = main_waterfall(row.result)
        assert waterfall is not None
        asset = row.symbol.margin_asset
        if waterfall.surplus > 0:
            with coin_amounts(row.symbol.inverse):
                words.append(f"{row.name}: {money(waterfall.surplus, asset)} is left at this fill: "
                             f"{surplus_flows(as_printed(waterfall), row.result.liquidation_fee_rate > 0, asset)}.")
        words.extend(f"{row.name}: {note}." for note in row.notes)
    fund = request.inputs.get("insurance_fund")
    title = f"At a fill of {price(request.fill)}: who pays the shortfall"
    for table in fit(title, columns, cells, out.width):
        out.print(table)
    for line in words:
        out.print("• " + line)
    coins = " (an inverse venue's: its coin at the entry)" if _coins(rows) else ""
    cap = (f"; each fund pays at most {money(fund)}{coins}, and bears more only where its preset leaves ADL's deficit "
           "with it (\\[adl] unabsorbed_by)" if fund is not None else "; each fund pays all it is asked")
    out.print(f"Amounts in each venue's margin asset{cap}; payers pay in the order of the venue's waterfall, and add up to "
              "the shortfall. ADL at: the price ADL closes the winners at (the bankruptcy price, or the fill standing "
              "for the mark).")


# -- rows: one builder per table, for the rich tables, markdown and CSV --------------------------


def _coins(rows: Sequence[VenueRow]) -> bool:
    """Whether some venue that took the trade keeps its amounts in a coin (an inverse contract)."""
    return any(r.symbol is not None and r.symbol.inverse for r in _taken(rows))


def at_mark(row: VenueRow, amount: Decimal | None) -> Decimal | None:
    """``amount`` (in the row's margin asset) in the quote at the trade's mark: a coin amount
    times the mark, a quote amount as it is (each quote, USD, USDT or USDC, counted as a dollar)."""
    if amount is None or row.symbol is None or row.result is None or not row.symbol.inverse:
        return amount
    return amount * row.result.spec.mark


def _amount(style: Style, value: Decimal | None, asset: str) -> str:
    """An amount as a cell: with its asset in the tables, plain in CSV (its own column says it)."""
    return style.money(value) if style.plain or value is None else f"{style.money(value)} {asset}"


def venue_rows(report: CompareReport, style: Style) -> Rows:
    """One row per venue: its symbol, size, max leverage, margins and prices (CSV's table); a
    venue that cannot take the trade has its name and nothing else.

    Amounts are in each venue's margin asset (labelled in the table; CSV's ``margin asset``
    column says it) and, where some venue's are in a coin, beside them in USD at the mark
    (``IM in USD``, ``MM in USD``), with the size each venue takes (base quantity or contracts).
    CSV always has those columns."""
    cells: list[tuple[str, ...]] = []
    # CSV carries why a venue cannot take the trade in its own column (the table says it below)
    why = (lambda row: (row.error or "",)) if style.plain else (lambda row: ())
    wide = style.plain or _coins(report.rows)
    header = ("venue", "symbol", *(("size",) if wide else ()), *(("size unit", "margin asset") if style.plain else ()),
              "max lev.", "initial margin", *(("IM in USD",) if wide else ()), "maint. margin",
              *(("MM in USD",) if wide else ()), "liquidation", "to liq.", "bankruptcy", *(("error",) if style.plain else ()))
    for row in report.rows:
        name = row.name if style.plain else _name(row)
        if not _ok(row):
            cells.append((name, *[style.missing] * (len(header) - 1 - len(why(row))), *why(row)))
            continue
        assert row.result is not None and row.symbol is not None
        r, symbol = row.result, row.symbol
        asset = symbol.margin_asset
        with coin_amounts(symbol.inverse):  # a coin's amounts to the satoshi, a quote's to the cent
            margins = (_amount(style, r.initial_margin, asset), _amount(style, r.maintenance_margin, asset))
        usd = (style.money(at_mark(row, r.initial_margin)), style.money(at_mark(row, r.maintenance_margin)))
        size = style.qty(r.spec.size) if style.plain else f"{size_text(r.spec.size)} {symbol.size_unit}"
        liq = distance(r.liquidation_price, r.spec.mark)
        max_lev = style.missing if r.tier_at_entry is None else (
            style.leverage(r.tier_at_entry.max_leverage) if style.plain else f"{quantity(r.tier_at_entry.max_leverage)}x")
        cells.append((name, symbol.name, *((size,) if wide else ()),
                      *((symbol.size_unit, asset) if style.plain else ()), max_lev,
                      margins[0], *(usd[:1] if wide else ()), margins[1], *(usd[1:] if wide else ()),
                      style.price(r.liquidation_price), style.pct(liq["percent"]), style.price(r.bankruptcy_price),
                      *why(row)))
    return Rows("Venues", header, tuple(cells))


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
    when some venue has one (amounts as printed: adding up to the shortfall). Amounts are in the
    venue's margin asset (the ``asset`` column); where some venue's are in a coin, the surplus
    and the shortfall in USD at the mark stand beside them (``surplus in USD``, ``shortfall in USD``)."""
    taken = _taken(rows)
    fills = {r.name: main_waterfall(r.result) for r in taken if r.result is not None}
    paying = {p for r in taken if r.preset is not None for p in paid_by(r.preset.venue, fills.get(r.name))}
    payers = [p for p in PAYERS if p in paying]
    with_surplus = any(w is not None and w.surplus > 0 for w in fills.values())
    coins = _coins(rows)
    header = ("venue", "asset", *(("surplus",) if with_surplus else ()), *(("surplus in USD",) if with_surplus and coins else ()),
              "shortfall", *(("shortfall in USD",) if coins else ()), *(PAYER_HEADERS[p] for p in payers), "ADL at")
    cells: list[tuple[str, ...]] = []
    for row in taken:
        assert row.preset is not None and row.symbol is not None
        waterfall = fills[row.name]
        assert waterfall is not None
        with coin_amounts(row.symbol.inverse):  # a coin's amounts add up to the satoshi, a quote's to the cent
            paid = paid_by(row.preset.venue, as_printed(waterfall))
            surplus = style.money(waterfall.surplus)
            shortfall = style.money(waterfall.shortfall)
            shares = tuple(style.money(paid[p]) if p in paid else style.missing for p in payers)
        usd = (style.money(at_mark(row, waterfall.surplus)), style.money(at_mark(row, waterfall.shortfall)))
        cells.append((
            row.name if style.plain else _name(row), row.symbol.margin_asset,
            *((surplus,) if with_surplus else ()), *(usd[:1] if with_surplus and coins else ()),
            shortfall, *(usd[1:] if coins else ()), *shares,
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
