"""``liqcalc position`` output: the JSON object and the rich tables, from one report."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import Any

from liqcalc.app.reports import PositionReport
from liqcalc.app.reports import PresetInfo as PresetInfo  # re-exported: render.adl uses it
from liqcalc.core.model import SymbolSpec, Tier, Venue, Waterfall
from liqcalc.core.numbers import given, in_coin
from liqcalc.core.position import PositionResult, PositionSpec
from liqcalc.core.rules import added_margin_rule, adl_price_rule, close_fee_rule, maintenance_rate_rule, tier_basis_rule
from liqcalc.render.numbers import JsonText, cents_adding_up, dumps, money, percent, price, price_gap, quantity
from liqcalc.render.rows import PLAIN, SHOWN, Rows, Style

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
    "venue": "the venue",
    "margin": "margin",
    "deficit": "the deficit",
}


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


@functools.lru_cache(maxsize=1024)
def tier_text(tier: Tier | None, overridden: bool = False) -> JsonText:
    """:func:`tier_json` as JSON text, once per tier (a batch writes the same tiers on every line)."""
    return JsonText(dumps(tier_json(tier, overridden)))


def waterfall_json(waterfall: Waterfall | None) -> dict[str, Any]:
    if waterfall is None:
        return {"label": None, "fill_price": None, "equity": None, "surplus": Decimal(0),
                "shortfall": Decimal(0), "flows": [], "backstop": False, "adl_price": None,
                "adl_covered": Decimal(0), "unabsorbed": Decimal(0), "unabsorbed_by": None}
    return {
        "label": waterfall.label,
        "fill_price": waterfall.fill_price,
        "equity": waterfall.equity,
        "surplus": waterfall.surplus,
        "shortfall": waterfall.shortfall,
        "flows": [{"from": f.source, "to": f.target, "amount": f.amount} for f in waterfall.flows],
        "backstop": waterfall.backstop,
        "adl_price": waterfall.adl_price,
        "adl_covered": waterfall.adl_covered,
        "unabsorbed": waterfall.unabsorbed,
        "unabsorbed_by": waterfall.unabsorbed_by,
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


def result_json(result: PositionResult, texts: bool = False) -> dict[str, Any]:
    """The per-position keys of the JSON contract; with ``texts`` the tiers as their JSON text
    (:class:`~liqcalc.render.numbers.JsonText`, for :func:`~liqcalc.render.numbers.dumps` only)."""
    mark = result.spec.mark
    tier = tier_text if texts else tier_json
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
        "unrealized_pnl": result.unrealized_pnl,
        "equity": result.equity,
        "margin_ratio": result.margin_ratio,
        "tier": tier(result.tier, result.tier_overridden),
        "tier_at_entry": tier(result.tier_at_entry),
        "tier_at_mark": tier(result.tier_at_mark, result.tier_overridden),
        "liquidation_price": result.liquidation_price,
        "bankruptcy_price": result.bankruptcy_price,
        "liquidation_distance": distance(result.liquidation_price, mark),
        "bankruptcy_distance": distance(result.bankruptcy_price, mark),
        "liquidation_fee_rate": result.liquidation_fee_rate,
        "liquidation_fee": result.liquidation_fee,
        "liquidation_fee_paid": result.liquidation_fee_paid,
        "open_fee": result.open_fee,
        **(_waterfall_texts(result) if texts else {
            "waterfall": waterfall_json(main_waterfall(result)),
            "waterfalls": [waterfall_json(w) for w in result.waterfalls],
        }),
        "warnings": list(result.warnings),
    }


def _waterfall_texts(result: PositionResult) -> dict[str, Any]:
    """``waterfall`` and ``waterfalls`` as JSON text, the main waterfall (one of them) rendered once."""
    main = main_waterfall(result)
    falls = [JsonText(dumps(waterfall_json(w))) for w in result.waterfalls]
    shown = next((text for w, text in zip(result.waterfalls, falls, strict=True) if w is main), None)
    return {"waterfall": shown if shown is not None else waterfall_json(main), "waterfalls": falls}


def contract_json(symbol: SymbolSpec) -> dict[str, Any]:
    """The contract's keys: ``contract_type``, ``face_value`` (the quote one inverse contract
    is worth; None for a linear contract, whose size is in the base asset) and
    ``margin_asset`` (the asset of every money key)."""
    return {
        "contract_type": symbol.contract_type,
        "face_value": symbol.face_value if symbol.inverse else None,
        "margin_asset": symbol.margin_asset,
    }


def report_json(report: PositionReport, texts: bool = False) -> dict[str, Any]:
    """The whole ``--json`` object: one position's keys at the top level; several
    leverages give the same keys per row under ``results``. With ``texts`` (a batch line,
    written by :func:`~liqcalc.render.numbers.dumps` and dropped) what repeats from line to
    line is already JSON text: the same bytes, rendered once."""
    envelope: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": "position",
        "preset": preset_text(report.preset) if texts else report.preset.as_json(),
        "inputs": report.inputs,
    }
    envelope["warnings"] = report.all_warnings
    envelope.update(contract_json(report.symbol))
    if len(report.results) == 1:
        row = result_json(report.results[0], texts)
        row.pop("warnings")
        envelope.update(row)
    else:
        envelope["results"] = [result_json(r, texts) for r in report.results]
    return envelope


@functools.lru_cache(maxsize=64)
def preset_text(preset: PresetInfo) -> JsonText:
    """The ``preset`` object as JSON text, once per preset."""
    return JsonText(dumps(preset.as_json()))


# -- numbers in texts -----------------------------------------------------------------------


def size_text(value: Decimal) -> str:
    """A base quantity in a text: at most 8 decimals (8 significant digits when smaller),
    no trailing zeros, grouped (``16,666,666.66666667``, ``13.934708``, ``0.5``)."""
    if value == 0:
        return "0"
    exponent = -8 if value.adjusted() >= -8 else value.adjusted() - 7
    with localcontext(Context(prec=100)):
        rounded = value.quantize(Decimal(1).scaleb(exponent)).normalize()
    return f"{rounded:,f}"


def leverage_text(value: Decimal | None) -> str:
    """A leverage to at most 2 decimals (``20x``, ``86.67x``); below 0.01x to 2 significant
    digits (``0.00015x``), never a ``0x`` that reads as no position."""
    if value is None:
        return "-"
    with localcontext(Context(prec=100)):
        step = Decimal("0.01") if value == 0 or abs(value) >= Decimal("0.01") else Decimal(1).scaleb(value.adjusted() - 1)
        rounded = value.quantize(step).normalize()
    return f"{rounded:,f}x"


def signed_money(value: Decimal, quote: str = "") -> str:
    """An amount with its sign (``+1,200.00 USDT``, ``-300.00 USDT``)."""
    text = money(abs(value) if value == 0 else value, quote)
    return text if text.startswith("-") or text.startswith("0.00") else "+" + text


def rate_text(rate: Decimal) -> str:
    """A fee rate as a percentage, without trailing zeros (``1.25%``, ``0.055%``)."""
    with localcontext(Context(prec=100)):
        return f"{(rate * 100).normalize():f}%"


# -- tables that fit ----------------------------------------------------------------------------


@dataclass
class Col:
    """One column of a table that must fit the terminal without cutting a figure.

    Attributes:
        header: the column header (its words may be stacked on lines to save width).
        cells: the column's cells, as text.
        keep: columns are left out lowest ``keep`` first when the table does not fit;
            ``KEEP`` columns never are.
        justify: ``right`` for figures, ``left`` for words.
        wrap: for a text column that may wrap (never a figure column): its narrowest width.
    """

    header: str
    cells: list[str]
    keep: int
    justify: str = "right"
    wrap: int = 0


KEEP = 100


def fit_columns(columns: list[Col], width: int) -> tuple[list[Col], list[Col], bool]:
    """The columns that fit ``width`` (a rich box table: 3 characters per column, 1 more),
    whether their headers are stacked word by word, and the columns left out.

    Figure columns are never narrowed below their widest cell: the table first stacks its
    header words, then leaves columns out (lowest ``keep`` first) rather than cut a number.
    """
    def need(col: Col, stacked: bool) -> int:
        if col.wrap:
            return col.wrap
        words = col.header.split() if stacked else [col.header]
        return max([len(c) for c in col.cells] + [len(w) for w in words])

    def total(cols: list[Col], stacked: bool) -> int:
        return 1 + sum(need(c, stacked) + 3 for c in cols)

    if total(columns, False) <= width:
        return columns, [], False
    kept = list(columns)
    dropped: list[Col] = []
    while total(kept, True) > width:
        candidates = [c for c in kept if c.keep < KEEP]
        if not candidates:
            break
        victim = min(candidates, key=lambda c: c.keep)
        kept.remove(victim)
        dropped.append(victim)
    return kept, dropped, True


def fitted_table(columns: list[Col], width: int, **options: Any) -> tuple[Any, list[Col]]:
    """A rich Table of the columns that fit ``width``, and the columns left out."""
    from rich.table import Table

    kept, dropped, stacked = fit_columns(columns, width)
    table = Table(**options)
    for col in kept:
        header = "\n".join(col.header.split()) if stacked else col.header
        if col.wrap:
            table.add_column(header, justify=col.justify, overflow="fold", min_width=col.wrap)  # type: ignore[arg-type]
        else:
            table.add_column(header, justify=col.justify, no_wrap=True)  # type: ignore[arg-type]
    rows = len(columns[0].cells) if columns else 0
    for n in range(rows):
        table.add_row(*(col.cells[n] for col in kept))
    return table, dropped


def left_out(dropped: list[Col], width: int) -> str | None:
    """The sentence naming the columns a narrow terminal left out."""
    if not dropped:
        return None
    names = ", ".join(c.header for c in dropped)
    return f"Left out at {width} columns: {names} (a wider terminal or --json shows them)."


# -- words ----------------------------------------------------------------------------------


def tier_words(tier: Tier, unit: str) -> str:
    span = f"above {money(tier.floor)} {unit}" if tier.cap is None else f"{money(tier.floor)} to {money(tier.cap)} {unit}"
    amount = f", amount {money(tier.maint_amount)}" if tier.maint_amount else ""
    return f"tier {tier.number} ({span}, MMR {percent(tier.mmr, 4)}{amount})"


def why_tier(result: PositionResult, venue: Venue, symbol: SymbolSpec) -> str:
    """One sentence on which tier the liquidation price was solved in, and why."""
    quote, spec = symbol.unit, result.spec
    if result.tier_overridden:
        return (f"The maintenance rate {percent(result.tier.mmr, 4)} and amount {money(result.tier.maint_amount)} "
                "come from --mmr/--maint-amount, not from the tier table.")
    entry_tier = result.tier_at_entry
    rates = maintenance_rate_rule(venue.margin.maintenance_rate)
    if rates.scales:
        return size_scaled_words(result, venue, symbol)
    if symbol.tier_unit == "base":
        return (f"{venue.title} reads the tier at the position size, {size_text(result.spec.size)} {symbol.base}: "
                f"{tier_words(result.tier, symbol.base)}.")
    if not tier_basis_rule(venue.margin.tier_basis).at_liquidation:
        return (f"{venue.title} reads the tier at the entry notional {money(result.notional)} {quote}: "
                f"{tier_words(result.tier, quote)}.")
    if result.liquidation_price is None:
        mark_notional = symbol.notional(spec.size, spec.mark)
        return (f"{venue.title} reads the tier at the notional at the mark, {money(mark_notional)} {quote}: "
                f"{tier_words(result.tier, quote)}; it makes the maintenance margin shown.")
    liq_notional = symbol.notional(spec.size, result.liquidation_price)
    text = (f"{venue.title} reads the tier at the notional at the liquidation price, "
            f"{money(liq_notional)} {quote}: {tier_words(result.tier, quote)}")
    if entry_tier is not None and entry_tier.number != result.tier.number:
        text += (f"; the entry notional {money(result.notional)} {quote} is in tier {entry_tier.number}, so the "
                 "tier changes on the way to liquidation and the price is solved in the tier that holds it")
    if result.tier_at_mark.number != result.tier.number:
        text += (f". The maintenance margin at the mark, {money(symbol.notional(spec.size, spec.mark))} {quote} of "
                 f"notional, is in {tier_words(result.tier_at_mark, quote)}")
    return text + "."


def size_scaled_words(result: PositionResult, venue: Venue, symbol: SymbolSpec) -> str:
    """Why the rates are what they are under a rate that grows with the size (Deribit): the row's
    rates at size 0, plus the size (an inverse contract's value in the coin at the entry) times
    the per-size factors."""
    spec, row = result.spec, symbol.tiers[result.tier.number - 1]
    size = symbol.notional(spec.size, spec.entry) if symbol.inverse else spec.size
    where = "its value at the entry" if symbol.inverse else "the position size"
    at = f"{quantity(size)} {symbol.base}"
    initial = maintenance_rate_rule(venue.margin.maintenance_rate).initial_rate(row, size)
    return (f"{venue.title} grows its rates with {where}, {at}: maintenance {percent(row.mmr, 4)} + {at} x "
            f"{percent(row.mmr_per_size, 4)} = {percent(result.tier.mmr, 4)}, initial {percent(1 / row.max_leverage, 4)} + "
            f"{at} x {percent(row.imr_per_size, 4)} = {percent(initial, 4)} (maximum leverage "
            f"{quantity(result.tier.max_leverage)}x).")


def mm_words(tier: Tier, venue: Venue, result: PositionResult) -> str:
    """What makes the maintenance margin of ``tier``: its rate (plus the taker rate on OKX and
    Bitget), its amount, and Bybit's estimated fee to close."""
    taker = close_fee_rule(venue.margin.close_fee).rate_words(percent(venue.fees.taker, 4))
    close = f", + fee to close {money(result.close_fee)}" if result.close_fee else ""
    return f"MMR {percent(tier.mmr, 4)}{taker}, amount {money(tier.maint_amount)}{close}"


def fee_note(result: PositionResult) -> str:
    """What the liquidation fee row's note says: the rate, and the cap when it bites."""
    rate = rate_text(result.liquidation_fee_rate)
    nominal, paid = result.liquidation_fee, result.liquidation_fee_paid
    if nominal is None or paid is None:
        return f"{rate} of notional at liquidation"
    liquidation = next((w for w in result.waterfalls if w.label == "liquidation"), None)
    if liquidation is not None and liquidation.backstop:
        return f"none: the backstop takes the position ({rate} would be {money(nominal)})"
    if money(paid) != money(nominal):
        return f"{rate} of notional = {money(nominal)}, capped at what is left"
    return f"{rate} of notional at liquidation"


def as_printed(w: Waterfall) -> Waterfall:
    """``w`` with its flows' amounts as they are printed: to the cent, adding up to the surplus or
    the shortfall printed to the cent (amounts below 1 keep their digits: money() shows them)."""
    from dataclasses import replace

    total = w.surplus or w.shortfall
    if not w.flows or (total < 1 and not in_coin()):  # a coin's amounts add up to the satoshi
        return w
    shown = cents_adding_up([f.amount for f in w.flows], total)
    flows = tuple(replace(f, amount=a) for f, a in zip(w.flows, shown, strict=True))
    unabsorbed = next((f.amount for f in flows if f.what == "unabsorbed"), w.unabsorbed)
    return replace(w, flows=flows, unabsorbed=unabsorbed)


def waterfall_words(w: Waterfall, venue: Venue, quote: str, result: PositionResult, lead: str | None = None) -> str:
    """Where the money goes at one fill, in a sentence or two; ``lead`` replaces the opening
    words that name the fill (the leverage table's rows: ``3x: ``)."""
    w = as_printed(w)
    at = {"liquidation": "at the liquidation price", "bankruptcy": "at the bankruptcy price",
          "fill": "at your --fill"}[w.label]
    head = f"Filled {at} {price(w.fill_price)}: " if lead is None else lead
    if w.surplus == 0 and w.shortfall == 0:
        return head + "the margin is used up exactly; nobody gains and nobody pays."
    if w.surplus > 0:
        parts = [f"{money(f.amount)} {quote} to {PARTY_WORDS[f.target]}"
                 + (" (the liquidation fee)" if f.what == "liquidation fee" else "") for f in w.flows]
        text = head + f"{money(w.surplus)} {quote} of margin is left; " + ", ".join(parts) + "."
        if w.backstop:
            text += (" Equity is below the backstop threshold of maintenance margin, so the backstop takes the "
                     "position and the margin is not returned.")
        elif venue.fees.liquidation > 0 or result.liquidation_fee_rate > 0:
            text += (f" The liquidation fee is {rate_text(result.liquidation_fee_rate)} of the liquidated notional, "
                     "capped at what is left.")
        return text
    parts = [f"{PARTY_WORDS[f.source]} pay{'s' if not f.source.endswith('s') else ''} {money(f.amount)} {quote}"
             for f in w.flows if f.what != "unabsorbed"]
    text = head + f"{money(w.shortfall)} {quote} is missing beyond the bankruptcy price; " + ", then ".join(parts)
    if w.unabsorbed > 0:
        # the mark rule (AdlRule.deficit_bearer), in the words of adl-risk's attribution
        assert w.adl_price is not None and w.unabsorbed_by is not None
        text += ((", then " if parts else "") + f"ADL closes winners on the other side at the mark price, "
                 f"{price(w.adl_price)}: closed at the mark, the winners give up nothing against it, so the remaining "
                 f"{money(w.unabsorbed)} {quote} stays with {PARTY_WORDS.get(w.unabsorbed_by, w.unabsorbed_by)} "
                 "(the preset's \\[adl] unabsorbed_by)")
        if any(f.source == w.unabsorbed_by and f.what != "unabsorbed" for f in w.flows):
            # the same party --insurance-fund capped: it bears this beyond what it held
            text += f", beyond what it held: it ends {money(w.unabsorbed)} {quote} below zero"
        text += "."
    else:
        text += "."
        if w.adl_price is not None:
            where = adl_price_rule(venue.adl.price).words
            text += f" ADL closes winners on the other side at {where}, {price(w.adl_price)}."
            if adl_price_rule(venue.adl.price).at_mark:
                text += " The preset does not name who bears the deficit of what ADL closes at the mark (\\[adl] unabsorbed_by)."
    owed = sum((f.amount for f in w.flows if f.source == "trader"), Decimal(0))
    if owed == w.shortfall and owed > 0:
        text += " With recourse the trader owes all of it: a margin call beyond the posted margin."
    elif owed > 0:
        text += (f" With recourse the trader owes {money(owed)} {quote} of it, a margin call beyond the posted margin "
                 "(what --can-pay says the trader can pay); the parties after the trader pay the rest, as above.")
    return text


#: Parties in a table cell: their words without the article (the JSON keeps the names).
PARTY_NAMES = {party: words.removeprefix("the ").removeprefix("a ") for party, words in PARTY_WORDS.items()}
PARTY_NAMES["backstop_vault"] = "backstop vault"


def flow_text(f: Any) -> str:
    """One flow in the waterfall table, parties in words (``margin → insurance fund 228.92 (fee)``)."""
    tag = " (fee)" if f.what == "liquidation fee" else " (ADL at the mark)" if f.what == "unabsorbed" else ""
    source, target = (PARTY_NAMES.get(p, p) for p in (f.source, f.target))
    return f"{source} → {target} {money(f.amount)}{tag}"


def flows_cell(flows: Any) -> str:
    """A waterfall's flows in a table cell: one flow per line, ``;`` between them (``-`` when
    there is none)."""
    return ";\n".join(flow_text(f) for f in flows) or "-"  # flows as_printed: adding up to the cell beside


def longest_word(cells: list[str]) -> int:
    """The longest word (or figure) of ``cells``: a text column never narrower, so it folds
    between words and never inside one (seen: "clearing_memb" / "er")."""
    return max((len(word) for cell in cells for word in cell.split()), default=1)


# -- rich -----------------------------------------------------------------------------------


def render_table(report: PositionReport) -> None:
    from rich.table import Table

    from liqcalc.render.console import console as make_console

    console = make_console()
    width = console.width
    venue, symbol, quote = report.venue, report.symbol, report.symbol.margin_asset
    first = report.results[0]
    spec = first.spec
    heading = title(report)
    if len(report.results) > 1:
        levs = leverage_rows(report, SHOWN)
        lev_keeps = (KEEP, 80, 50, 45, KEEP, 70, 60, 40, 30)
        columns = [Col(h, levs.column(h), k) for h, k in zip(levs.header, lev_keeps, strict=True)]
        table, dropped = fitted_table(columns, width, title=heading, title_justify="left")
        console.print(table)
        units = f"Prices and amounts in {quote}" if quote == symbol.quote else f"Prices in {symbol.quote}, amounts in {quote}"
        console.print(f"{units}; distances from the mark {price(spec.mark)}. One row per --leverage; the "
                      "liquidation fee is what is taken at the liquidation price, capped at what is left.")
        if (note := left_out(dropped, width)) is not None:
            console.print(note)
        fill_table(report, console, width)
        return
    r = first
    console.print(heading)
    rows = position_rows(report, SHOWN).rows
    table = Table(show_header=False)
    label_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("", overflow="fold", min_width=max(8, min(30, width - label_width - value_width - 10)))
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(why_tier(r, venue, symbol))
    if r.liquidation_price is None:
        console.print("No liquidation price: the margin covers the whole notional, so equity never falls to the "
                      "maintenance margin at a positive price.")
    if r.waterfalls:
        wrows = waterfall_rows(report, SHOWN)
        keeps = (KEEP, KEEP, 10, 20, 30)  # fill, price, equity, surplus, shortfall: equity is shown in the flows
        columns = [Col(h, wrows.column(h), k, justify="left" if h == "fill" else "right")
                   for h, k in zip(wrows.header[:-1], keeps, strict=True)]
        cells = wrows.column("flows")
        columns.append(Col("flows", cells, KEEP, justify="left", wrap=max(10, longest_word(cells))))
        flows, dropped = fitted_table(columns, width, title=wrows.name, title_justify="left")
        console.print(flows)
        if (note := left_out(dropped, width)) is not None:
            console.print(note)
        for w in r.waterfalls:
            console.print("• " + waterfall_words(w, venue, quote, r))


def fill_table(report: PositionReport, console: Any, width: int) -> None:
    """With several leverages and ``--fill``: who pays (or gets) what at the fill, one row per
    leverage (each row its own what-if, with the whole fund), then a sentence per leverage."""
    rows = [(r, w) for r in report.results for w in r.waterfalls if w.label == "fill"]
    if not rows:
        return
    fill = rows[0][1].fill_price
    frows = fill_rows(report, SHOWN)
    cells = frows.column("flows")
    keeps = (KEEP, 5, 20, 20)
    columns = [Col(h, frows.column(h), k) for h, k in zip(frows.header[:-1], keeps, strict=True)]
    # the flows add up to the surplus or the shortfall: equity (the same, signed) goes first
    columns.append(Col("flows", cells, KEEP, justify="left", wrap=max(10, longest_word(cells))))
    table, dropped = fitted_table(columns, width, title=f"Where the money goes at your --fill {price(fill)}",
                                  title_justify="left")
    console.print(table)
    if (note := left_out(dropped, width)) is not None:
        console.print(note)
    quote = report.symbol.margin_asset
    capped = " (a capped payer pays up to its cap in every row)" if report.inputs.get("can_pay") else ""
    console.print(f"Amounts in {quote}; each row's flows add up to its surplus or shortfall, and each row is its own "
                  f"what-if{capped}.")
    for r, w in rows:
        console.print("• " + waterfall_words(w, report.venue, quote, r, lead=f"{leverage_text(r.leverage)}: "))


# -- rows: one builder per table, for the rich table, markdown and CSV ---------------------------


def _amount(style: Style, quote: str) -> Any:
    """An amount with its quote in the table (``1,200.00 USDT``), plain in CSV."""
    def amount(value: Decimal | None) -> str:
        text = style.money(value)
        return text if style.plain or value is None else f"{text} {quote}"
    return amount


def position_rows(report: PositionReport, style: Style) -> Rows:
    """One position's rows: what it is, its margins, its liquidation and bankruptcy prices (the
    table's first table; CSV's only one for one position)."""
    r = report.results[0]
    spec, venue, quote = r.spec, report.venue, report.symbol.margin_asset
    amount = _amount(style, quote)
    liq = distance(r.liquidation_price, spec.mark)
    bkr = distance(r.bankruptcy_price, spec.mark)
    others_pnl = r.others_pnl
    mark_tier = r.tier_at_mark
    mm_note = "at the mark"
    if not r.tier_overridden and mark_tier.number != r.tier.number:
        mm_note = f"at the mark, tier {mark_tier.number}: {mm_words(mark_tier, venue, r)}"
    signed = (lambda v: signed_money(v, quote)) if not style.plain else style.signed
    ratio = percent(r.margin_ratio) if not style.plain else style.money(r.margin_ratio)
    rows = (
        ("notional", amount(r.notional), f"at entry; mark {price(spec.mark)}"),
        ("leverage", style.leverage(r.leverage), f"{spec.mode} margin"),
        ("initial margin", amount(r.initial_margin), ""),
        ("margin balance", amount(r.margin_balance),
         added_words(spec, venue) if spec.add_margin or spec.funding else ""),
        ("unrealized PnL", signed(r.unrealized_pnl), f"at the mark {price(spec.mark)}"),
        ("equity", amount(r.equity),
         "margin balance + unrealized PnL" + (f" + other positions' PnL {signed_money(others_pnl)}" if others_pnl else "")),
        ("tier", "override" if r.tier_overridden else str(r.tier.number),
         mm_words(r.tier, venue, r)
         + ("" if r.liquidation_price is None or r.tier_overridden else "; at the liquidation price")),
        ("maintenance margin", amount(r.maintenance_margin), mm_note),
        ("margin ratio", ratio,
         "maintenance margin" + (" (all positions)" if others_pnl else "") + " / equity; liquidation at 100%"),
        ("liquidation price", style.price(r.liquidation_price),
         "" if liq["percent"] is None else f"{price_gap(liq['price'], r.spec.mark)} ({liq['percent']:+.2f}%) from mark"),
        ("bankruptcy price", style.price(r.bankruptcy_price),
         "" if bkr["percent"] is None else f"{price_gap(bkr['price'], r.spec.mark)} ({bkr['percent']:+.2f}%) from mark"),
        ("liquidation fee", amount(r.liquidation_fee_paid), fee_note(r)),
        ("open fee", amount(r.open_fee), f"taker {percent(venue.fees.taker, 4)}"),
    )
    return Rows(f"Position ({units(report.symbol)})", ("field", "value", "note"), rows)


def added_words(spec: PositionSpec, venue: Venue) -> str:
    """The margin balance's note: what added margin and funding did (added margin counts
    ÷ (1 + taker) where the venue says so, Bybit's inverse UTA)."""
    if spec.add_margin and added_margin_rule(venue.margin.added_margin).net_of_taker:
        return (f"after added margin ({given(spec.add_margin)} ÷ (1 + taker {percent(venue.fees.taker, 4)}), the venue's "
                "rule) and funding")
    return "after added margin and funding"


def waterfall_rows(report: PositionReport, style: Style) -> Rows:
    """Where the money goes at each fill of one position (flows as printed: adding up)."""
    ws = report.results[0].waterfalls
    rows = tuple((w.label, style.price(w.fill_price), style.money(w.equity), style.money(w.surplus),
                  style.money(w.shortfall), flows_cell(as_printed(w).flows)) for w in ws)
    return Rows(f"Where the money goes ({report.symbol.margin_asset})", ("fill", "price", "equity", "surplus", "shortfall",
                                                                           "flows"), rows)


def leverage_rows(report: PositionReport, style: Style) -> Rows:
    """The leverage table: one row per ``--leverage`` (CSV's table with several leverages)."""
    rs = report.results
    rows = []
    for r in rs:
        liq, bkr = distance(r.liquidation_price, r.spec.mark), distance(r.bankruptcy_price, r.spec.mark)
        rows.append((style.leverage(r.leverage), style.money(r.initial_margin), style.money(r.maintenance_margin),
                     "override" if r.tier_overridden else str(r.tier.number), style.price(r.liquidation_price),
                     style.pct(liq["percent"]), style.price(r.bankruptcy_price), style.pct(bkr["percent"]),
                     style.money(r.liquidation_fee_paid)))
    return Rows(f"Leverages ({units(report.symbol)})", ("leverage", "initial margin", "maint. margin", "tier", "liquidation", "to liq.",
                              "bankruptcy", "to bkr.", "liq. fee"), tuple(rows))


def fill_rows(report: PositionReport, style: Style) -> Rows:
    """Who pays (or gets) what at ``--fill``, one row per leverage."""
    pairs = [(r, w) for r in report.results for w in r.waterfalls if w.label == "fill"]
    rows = tuple((style.leverage(r.leverage), style.money(w.equity), style.money(w.surplus), style.money(w.shortfall),
                  flows_cell(as_printed(w).flows)) for r, w in pairs)
    fill = f" {price(pairs[0][1].fill_price)}" if pairs else ""
    return Rows(f"Where the money goes at your --fill{fill} ({report.symbol.margin_asset})", ("leverage", "equity", "surplus", "shortfall", "flows"), rows)


def tables(report: PositionReport, style: Style = SHOWN) -> list[Rows]:
    """Every table the command prints, in order (markdown writes them all)."""
    if len(report.results) > 1:
        fill = fill_rows(report, style)
        return [leverage_rows(report, style), *([fill] if fill.rows else [])]
    return [position_rows(report, style), *([waterfall_rows(report, style)] if report.results[0].waterfalls else [])]


def csv_table(report: PositionReport) -> Rows:
    """CSV's one table: the position's rows, or the leverage table with several leverages, with
    a last column ``asset``: the asset of the amounts (the margin asset; prices are in the
    quote), since CSV's cells are plain numbers."""
    rows = leverage_rows(report, PLAIN) if len(report.results) > 1 else position_rows(report, PLAIN)
    asset = report.symbol.margin_asset
    return Rows(rows.name, (*rows.header, "asset"), tuple((*row, asset) for row in rows.rows))


def units(symbol: SymbolSpec) -> str:
    """What a table's prices and amounts are in (a table name's words)."""
    if symbol.margin_asset == symbol.quote:
        return f"prices and amounts in {symbol.quote}"
    return f"prices in {symbol.quote}, amounts in {symbol.margin_asset}"


def title(report: PositionReport) -> str:
    """The title line of the tables."""
    spec, symbol = report.results[0].spec, report.symbol
    size = size_text(spec.size) + (" contracts" if symbol.inverse else "")
    return (f"{symbol.name} {spec.side} {size} @ {price(spec.entry)} on {report.venue.title} "
            f"({report.preset.name}, as of {report.preset.as_of}{', illustrative' if report.preset.illustrative else ''})")
