"""Output of ``liqcalc presets list`` and ``liqcalc presets show``."""

from __future__ import annotations

import sys
from typing import Any

from liqcalc.core.errors import escape
from liqcalc.core.model import SymbolSpec, Venue
from liqcalc.core.rules import close_fee_rule, maintenance_basis_rule, ranking_rule, tier_basis_rule
from liqcalc.presets.loader import Preset, age_days
from liqcalc.render import OutputFormat
from liqcalc.render.numbers import dumps, money, percent, quantity
from liqcalc.render.position import PARTY_WORDS, SCHEMA_VERSION, tier_json


def markup(text: str) -> str:
    """Text from a preset file or a path, shown as written: rich's ``[...]`` markup escaped."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


def rules_words(venue: Venue) -> list[str]:
    """The venue's rules, one sentence each."""
    margin = venue.margin
    tier = tier_basis_rule(margin.tier_basis).words
    lines = [
        f"Maintenance margin: notional x tier rate - maintenance amount, valued at the "
        f"{maintenance_basis_rule(margin.maintenance_basis).words} price, with "
        f"{close_fee_rule(margin.close_fee).words}; the tier is read at {tier}.",
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


def render_list(rows: list[dict[str, Any]], output: OutputFormat) -> None:
    items = []
    for row in rows:
        preset: Preset | None = row.get("preset")
        if preset is None:
            items.append({"name": row["name"], "origin": row["origin"], "path": row["path"], "error": row["error"]})
            continue
        venue = preset.venue
        items.append({
            "name": row["name"], "title": venue.title, "as_of": venue.as_of.isoformat(), "age_days": age_days(venue),
            "symbols": len(preset.symbol_names), "origin": row["origin"], "path": row["path"],
            "illustrative": venue.illustrative, "error": None,
        })
    if output is OutputFormat.json:
        sys.stdout.write(dumps({"schema_version": SCHEMA_VERSION, "command": "presets list", "warnings": [],
                                "presets": items}) + "\n")
        return
    from rich.table import Table

    from liqcalc.render.console import console

    table = Table(title="Presets", title_justify="left")
    for column in ("name", "venue", "as of", "age", "symbols", "origin"):
        # a broken user preset's error and a user path are folded, never cut
        table.add_column(column, justify="right" if column in ("age", "symbols") else "left",
                         overflow="fold" if column in ("venue", "origin") else "ellipsis")
    for item in items:
        if item["error"]:
            table.add_row(markup(item["name"]), f"[red]invalid: {markup(escape(item['error']))}[/red]", "", "", "",
                          item["origin"])
            continue
        title = item["title"] + (" (illustrative)" if item["illustrative"] and "illustrative" not in item["title"].lower() else "")
        table.add_row(markup(item["name"]), markup(title), item["as_of"], f"{item['age_days']} d", str(item["symbols"]),
                      item["origin"] if item["origin"] == "built-in" else markup(escape(f"{item['origin']}: {item['path']}")))
    console().print(table)


def render_show(preset: Preset, symbol: SymbolSpec | None, output: OutputFormat) -> None:
    venue = preset.venue
    if output is OutputFormat.json:
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
                "tiers": [tier_json(t) for t in symbol.tiers],
            },
        }
        sys.stdout.write(dumps(data) + "\n")
        return

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
    rows = [(str(tier.number), money(tier.floor), "no cap" if tier.cap is None else money(tier.cap),
             f"{quantity(tier.max_leverage)}x", percent(tier.mmr, 4), money(tier.maint_amount)) for tier in symbol.tiers]
    # at any width every figure whole: the table splits into parts that repeat the tier number
    for table in fit(markup(title), [Column(c) for c in ("tier", "floor", "cap", "max leverage", "MMR", "maint. amount")],
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
