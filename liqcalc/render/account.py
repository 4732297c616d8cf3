"""Output of ``liqcalc position --account``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from liqcalc.app.reports import AccountReport
from liqcalc.core.model import Venue
from liqcalc.core.position import cross_formula_is_the_venues
from liqcalc.render.numbers import money, percent, price
from liqcalc.render.position import (
    KEEP,
    SCHEMA_VERSION,
    Col,
    distance,
    fitted_table,
    left_out,
    signed_money,
    size_text,
    tier_json,
)


def account_totals(report: AccountReport) -> dict[str, Decimal | None]:
    """The account at the marks, as the JSON's top-level keys: margin balance (the wallet
    after funding) + unrealized PnL of every position = equity; margin ratio = the positions'
    maintenance margin / equity."""
    return {
        "margin_balance": report.margin_balance,
        "unrealized_pnl": report.unrealized_pnl,
        "equity": report.equity,
        "maintenance_margin": report.maintenance_margin,
        "margin_ratio": report.margin_ratio,
    }


def account_json(report: AccountReport) -> dict[str, Any]:
    """The ``--json`` object of ``position --account``."""
    info, wallet, results = report.preset, report.wallet, report.results
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "position",
        "preset": info.as_json(),
        "inputs": {"wallet": wallet, "mode": "cross"},
        "warnings": report.all_warnings,
        **account_totals(report),
        "positions": [
            {
                "symbol": r.symbol, "side": r.spec.side, "size": r.spec.size, "entry": r.spec.entry, "mark": r.spec.mark,
                "tier": tier_json(r.tier, r.tier_overridden), "maintenance_margin": r.maintenance_margin,
                "unrealized_pnl": r.unrealized_pnl,
                "liquidation_price": r.liquidation_price, "bankruptcy_price": r.bankruptcy_price,
                "liquidation_distance": distance(r.liquidation_price, r.spec.mark),
            }
            for r in results
        ],
    }


def render_account(report: AccountReport) -> None:
    """The account's table and sentences on stdout (the warnings are the writer's)."""
    from liqcalc.render.console import console as make_console

    info, venue, wallet, results = report.preset, report.venue, report.wallet, report.results
    console = make_console()
    width = console.width
    dist = [distance(r.liquidation_price, r.spec.mark) for r in results]
    columns = [
        Col("symbol", [r.symbol for r in results], KEEP, justify="left"),
        Col("side", [r.spec.side for r in results], KEEP, justify="left"),
        Col("size", [size_text(r.spec.size) for r in results], 90),
        Col("entry", [price(r.spec.entry) for r in results], 50),
        Col("mark", [price(r.spec.mark) for r in results], 60),
        Col("MMR", [percent(r.tier_at_mark.mmr) for r in results], 30),
        Col("maint. margin", [money(r.maintenance_margin) for r in results], 70),
        Col("unrealized PnL", [signed_money(r.unrealized_pnl) for r in results], 65),
        Col("liquidation", [price(r.liquidation_price) for r in results], KEEP),
        Col("to liq.", ["-" if d["percent"] is None else f"{d['percent']:+.2f}%" for d in dist], 80),
        Col("bankruptcy", [price(r.bankruptcy_price) for r in results], 40),
    ]
    table, dropped = fitted_table(columns, width, title=f"Cross account on {venue.title} (wallet {money(wallet)}, as of "
                                  f"{info.as_of})", title_justify="left")
    console.print(table)
    if (note := left_out(dropped, width)) is not None:
        console.print(note)
    totals = account_totals(report)
    ratio = totals["margin_ratio"]
    console.print(
        f"Margin balance {money(totals['margin_balance'])} + unrealized PnL {money(totals['unrealized_pnl'])} = "
        f"equity {money(totals['equity'])}; margin ratio = maintenance margin {money(totals['maintenance_margin'])} / "
        f"equity = {percent(ratio)} (liquidation at 100%)."
    )
    console.print(cross_words(venue))


def cross_words(venue: Venue) -> str:
    """Which cross-margin rule the prices come from, and whose it is."""
    text = ("Each liquidation price holds the other positions at their marks: their maintenance margin is taken from "
            "the wallet and their unrealized PnL added to it")
    if cross_formula_is_the_venues(venue):
        return text + ", by Binance's cross-margin formula (TMM1, UPNL1)."
    return (text + f". This is Binance's cross-margin formula (TMM1, UPNL1), which liqcalc applies to every venue, here "
            f"with the {venue.name} preset's tiers and margin rules; liqcalc does not model a cross-margin formula of "
            "the venue's own.")
