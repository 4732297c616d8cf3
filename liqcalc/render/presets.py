"""Output of ``liqcalc presets list`` and ``liqcalc presets show``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liqcalc.core.errors import escape
from liqcalc.core.model import SymbolSpec, Tier, Venue
from liqcalc.core.rules import (
    close_fee_rule,
    maintenance_basis_rule,
    maintenance_rate_rule,
    ranking_rule,
    tier_basis_rule,
)
from liqcalc.presets.loader import Preset, age_days, refresh_command
from liqcalc.render.numbers import percent, quantity
from liqcalc.render.position import PARTY_WORDS, SCHEMA_VERSION, tier_json
from liqcalc.render.rows import PLAIN, SHOWN, Rows, Style


def markup(text: str) -> str:
    """Text from a preset file or a path, shown as written: rich's ``[...]`` markup escaped."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


def rules_words(venue: Venue) -> list[str]:
    """The venue's rules, one sentence each."""
    margin = venue.margin
    tier = tier_basis_rule(margin.tier_basis).words
    rate = maintenance_rate_rule(margin.maintenance_rate)
    lines = [
        f"Maintenance margin: {rate.words}, valued at the "
        f"{maintenance_basis_rule(margin.maintenance_basis).words} price, with "
        f"{close_fee_rule(margin.close_fee).words}; {rate.read} is read at {tier}.",
        f"Fees: maker {percent(venue.fees.maker, 4)}, taker {percent(venue.fees.taker, 4)}, liquidation "
        f"{percent(venue.fees.liquidation, 4)} of the liquidated notional, to {PARTY_WORDS[venue.fees.liquidation_fee_to]}.",
    ]
    surplus = f"Surplus (a fill better than bankruptcy): to {PARTY_WORDS[venue.surplus.to]}"
    if venue.surplus.backstop_below_mm and venue.surplus.backstop_to:
        n, d = venue.surplus.backstop_below_mm
        surplus += f"; below {n}/{d} of maintenance margin the backstop takes it, to {PARTY_WORDS[venue.surplus.backstop_to]}"
    lines.append(surplus + ".")
    lines.append("Shortfall (a fill beyond bankruptcy): paid by " + ", then ".join(PARTY_WORDS[p] for p in venue.shortfall.waterfall) + ".")
    if venue.adl.ranking != "none":
        scale = (f"indicator {venue.adl.indicator_min}-{venue.adl.indicator_max}" if venue.adl.indicator_max > venue.adl.indicator_min
                 else "no indicator")
        lines.append(f"ADL: ranked by {ranking_rule(venue.adl.ranking).summary}; closed at the {venue.adl.price} price; {scale}.")
    else:
        lines.append("ADL: none.")
    return lines


@dataclass(frozen=True)
class PresetList:
    """What ``presets list`` writes: one item per preset file (a broken one with its error)."""

    items: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...] = ()

    @classmethod
    def build(cls, rows: list[dict[str, Any]]) -> PresetList:
        items = []
        for row in rows:
            preset: Preset | None = row.get("preset")
            if preset is None:
                items.append({"name": row["name"], "origin": row["origin"], "path": row["path"], "error": row["error"]})
                continue
            venue = preset.venue
            count, complete = len(preset.symbol_names), preset.complete_count()
            items.append({
                "name": row["name"], "title": venue.title, "as_of": venue.as_of.isoformat(), "age_days": age_days(venue),
                "symbols": count, "origin": row["origin"], "path": row["path"],
                "illustrative": venue.illustrative, "error": None,
                "complete_symbols": complete,
                "coverage": "complete" if complete == count else "first_tiers" if complete == 0 else "partial",
                "refresh": refresh_command(venue.name),
            })
        return cls(tuple(items))

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        return {"schema_version": SCHEMA_VERSION, "command": "presets list", "warnings": [], "presets": list(self.items)}


def list_rows(report: PresetList, style: Style) -> Rows:
    """The presets, one row each (CSV's table; the rich table escapes the cells as markup)."""
    rows = []
    for item in report.items:
        if item["error"]:
            rows.append((item["name"], f"invalid: {escape(item['error'])}", "", "", "", "", item["origin"]))
            continue
        title = item["title"] + (" (illustrative)" if item["illustrative"] and "illustrative" not in item["title"].lower() else "")
        rows.append((item["name"], title, item["as_of"], str(item["age_days"]) + ("" if style.plain else " d"),
                     str(item["symbols"]), coverage_words(item),
                     item["origin"] if item["origin"] == "built-in" else escape(f"{item['origin']}: {item['path']}")))
    return Rows("Presets", ("name", "venue", "as of", "age", "symbols", "tiers", "origin"), tuple(rows))


def coverage_words(item: dict[str, Any]) -> str:
    """Whether the symbols' tables are whole: "all", "first only", or how many are whole."""
    if item["coverage"] == "complete":
        return "all"
    if item["coverage"] == "first_tiers":
        return "first only"
    return f"all in {item['complete_symbols']} of {item['symbols']}"


def list_table(report: PresetList) -> None:
    """The presets as a rich table."""

    from liqcalc.render.console import console
    from liqcalc.render.position import KEEP, Col, fitted_table, left_out

    rows = list_rows(report, SHOWN)
    cells = [[markup(cell) for cell in row] for row in rows.rows]
    for item, row in zip(report.items, cells, strict=True):
        if item["error"]:
            row[1] = f"[red]{row[1]}[/red]"
    # the name (what --preset takes) is never cut; the venue (and a broken preset's error) and a
    # user path wrap; at 80 columns the origin gives way first, with a note
    keeps = {"name": KEEP, "venue": KEEP, "as of": KEEP, "age": 60, "symbols": 70, "tiers": 50, "origin": 30}
    wraps = {"venue": 14, "origin": 10}
    columns = [Col(h, [row[n] for row in cells], keeps.get(h, 40), justify="right" if h in ("age", "symbols") else "left",
                   wrap=wraps.get(h, 0)) for n, h in enumerate(rows.header)]
    out = console()
    table, dropped = fitted_table(columns, out.width, title="Presets", title_justify="left")
    out.print(table)
    if (note := left_out(dropped, out.width)) is not None:
        out.print(note)


@dataclass(frozen=True)
class PresetShow:
    """What ``presets show`` writes: a preset's rules, and a symbol's tiers when one is named."""

    preset: Preset
    symbol: SymbolSpec | None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        preset, symbol, venue = self.preset, self.symbol, self.preset.venue
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "command": "presets show", "warnings": [],
            "name": venue.name, "title": venue.title, "as_of": venue.as_of.isoformat(), "age_days": age_days(venue),
            "illustrative": venue.illustrative, "origin": preset.origin, "path": str(preset.path),
            "sources": list(venue.sources), "notes": list(venue.notes),
            "rules": {
                "margin": {"tier_basis": venue.margin.tier_basis, "maintenance_basis": venue.margin.maintenance_basis,
                           "close_fee": venue.margin.close_fee, "source": venue.margin.source},
                "fees": {"maker": venue.fees.maker, "taker": venue.fees.taker, "liquidation": venue.fees.liquidation,
                         "liquidation_fee_to": venue.fees.liquidation_fee_to, "source": venue.fees.source},
                "surplus": {"to": venue.surplus.to, "backstop_below_mm": None if venue.surplus.backstop_below_mm is None
                            else "/".join(map(str, venue.surplus.backstop_below_mm)), "backstop_to": venue.surplus.backstop_to,
                            "source": venue.surplus.source},
                "shortfall": {"waterfall": list(venue.shortfall.waterfall), "source": venue.shortfall.source},
                "adl": {"ranking": venue.adl.ranking, "price": venue.adl.price, "indicator_min": venue.adl.indicator_min,
                        "indicator_max": venue.adl.indicator_max, "source": venue.adl.source},
            },
            "symbols": preset.symbol_names,
            "symbol": None if symbol is None else {
                "name": symbol.name, "base": symbol.base, "quote": symbol.quote, "kind": symbol.kind,
                "complete": symbol.complete, "tier_unit": symbol.tier_unit,
                "tiers": [per_size_json(t) for t in symbol.tiers],
            },
        }
        return data


def per_size_json(tier: Tier) -> dict[str, Any] | None:
    """A row of ``presets show``'s table: :func:`tier_json`, and under a size-scaled rate the two
    per-size factors (the row's ``max_leverage`` and ``mmr`` are then its rates at size 0)."""
    data = tier_json(tier)
    if data is not None and (tier.imr_per_size or tier.mmr_per_size):
        data |= {"imr_per_size": tier.imr_per_size, "mmr_per_size": tier.mmr_per_size}
    return data


def show_table(report: PresetShow) -> None:
    """The rules in words, the tier table and the sources, on the console."""
    preset, symbol, venue = report.preset, report.symbol, report.preset.venue
    from liqcalc.render.console import console

    out = console()
    out.print(f"[bold]{markup(venue.title)}[/bold] ({venue.name}, as of {venue.as_of}, {age_days(venue)} days old"
              f"{', illustrative' if venue.illustrative else ''}; {preset.origin}: {markup(escape(str(preset.path)))})")
    for line in rules_words(venue):
        out.print("• " + markup(line))
    for note in venue.notes:
        out.print("Note: " + markup(note))
    if symbol is None:
        names = preset.symbol_names
        shown = ", ".join(names[:40]) + (f", ... ({len(names)} in all)" if len(names) > 40 else "")
        out.print(f"Symbols: {markup(shown)}. Add --symbol to see a tier table.")
        return
    from liqcalc.render.console import Column, fit

    title = f"{symbol.name} tiers ({symbol.unit}{'' if symbol.complete else ', only the first tiers are known'})"
    tiers = tier_rows(report, SHOWN)
    rows = tiers.rows
    # at any width every figure whole: the table splits into parts that repeat the tier number
    for table in fit(markup(title), [Column(c) for c in tiers.header],
                     rows, out.width):
        out.print(table)
    # one source a row (a label in parentheses, "mirror of ..." or "third party: ...", holds commas),
    # folded under its bullet when wider than the terminal
    from rich.table import Table

    sources = Table.grid(padding=(0, 1))
    sources.add_column()
    sources.add_column(overflow="fold")
    for source in venue.sources:
        sources.add_row("-", markup(source))
    out.print("Sources:")
    out.print(sources)


def tier_rows(report: PresetShow, style: Style) -> Rows:
    """The symbol's tier table (none without a symbol)."""
    symbol = report.symbol
    tiers = () if symbol is None else symbol.tiers
    cap = "no cap" if not style.plain else ""
    rows: tuple[tuple[str, ...], ...] = tuple((str(tier.number), style.money(tier.floor), cap if tier.cap is None else style.money(tier.cap),
                  style.leverage(tier.max_leverage) if style.plain else f"{quantity(tier.max_leverage)}x",
                  style.money(tier.mmr) if style.plain else percent(tier.mmr, 4), style.money(tier.maint_amount))
                 for tier in tiers)
    name = "Tiers" if symbol is None else f"{symbol.name} tiers ({symbol.unit})"
    if symbol is not None and maintenance_rate_rule(report.preset.venue.margin.maintenance_rate).scales:
        # one row at size 0, and what each unit of size (in the coin) adds to each rate
        unit = symbol.base
        rows = tuple((*row, style.money(t.imr_per_size) if style.plain else f"+{percent(t.imr_per_size, 4)} / {unit}",
                      style.money(t.mmr_per_size) if style.plain else f"+{percent(t.mmr_per_size, 4)} / {unit}")
                     for row, t in zip(rows, tiers, strict=True))
        return Rows(name, ("tier", "floor", "cap", "max leverage", "MMR", "maint. amount", "IMR per size",
                           "MMR per size"), rows)
    return Rows(name, ("tier", "floor", "cap", "max leverage", "MMR", "maint. amount"), rows)


def symbol_rows(report: PresetShow) -> Rows:
    """The preset's symbols, one a row (what ``presets show`` lists without ``--symbol``)."""
    return Rows("Symbols", ("symbol",), tuple((name,) for name in report.preset.symbol_names))


def rule_rows(report: PresetShow) -> Rows:
    """The venue's rules in words, one a row."""
    return Rows("Rules", ("rule",), tuple((line,) for line in rules_words(report.preset.venue)))


def show_tables(report: PresetShow, style: Style = SHOWN) -> list[Rows]:
    """Every table of ``presets show``: the rules, then the tiers (or the symbols)."""
    return [rule_rows(report), tier_rows(report, style) if report.symbol is not None else symbol_rows(report)]


def show_csv(report: PresetShow) -> Rows:
    """CSV's table of ``presets show``: the tiers with ``--symbol``, else the symbols."""
    return tier_rows(report, PLAIN) if report.symbol is not None else symbol_rows(report)


def show_title(report: PresetShow) -> str:
    venue = report.preset.venue
    return f"{venue.title} ({venue.name}, as of {venue.as_of}{', illustrative' if venue.illustrative else ''})"


def list_tables(report: PresetList, style: Style = SHOWN) -> list[Rows]:
    """Every table of ``presets list`` (one)."""
    return [list_rows(report, style)]


def list_csv(report: PresetList) -> Rows:
    return list_rows(report, PLAIN)


def list_title(report: PresetList) -> str:
    return "Presets"
