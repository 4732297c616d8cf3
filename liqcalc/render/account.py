"""Output of ``liqcalc position --account``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from liqcalc.app.account import AccountReport
from liqcalc.core.model import Venue
from liqcalc.core.position import cross_formula_is_the_venues
from liqcalc.render.numbers import money, percent
from liqcalc.render.position import (
    KEEP,
    SCHEMA_VERSION,
    Col,
    distance,
    fitted_table,
    left_out,
    tier_json,
)
from liqcalc.render.rows import PLAIN, SHOWN, Rows, Style


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
        "margin_asset": report.margin_asset,
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

    venue = report.venue
    console = make_console()
    width = console.width
    rows = account_rows(report, SHOWN)
    keeps = (KEEP, KEEP, 90, 50, 60, 30, 70, 65, KEEP, 80, 40)
    columns = [Col(h, rows.column(h), k, justify="left" if h in ("symbol", "side") else "right")
               for h, k in zip(rows.header, keeps, strict=True)]
    table, dropped = fitted_table(columns, width, title=title(report), title_justify="left")
    console.print(table)
    if (note := left_out(dropped, width)) is not None:
        console.print(note)
    totals = account_totals(report)
    ratio = totals["margin_ratio"]
    asset = report.margin_asset
    console.print(
        f"Margin balance {money(totals['margin_balance'], asset)} + unrealized PnL {money(totals['unrealized_pnl'], asset)} "
        f"= equity {money(totals['equity'], asset)}; margin ratio = maintenance margin "
        f"{money(totals['maintenance_margin'], asset)} / equity = {percent(ratio)} (liquidation at 100%)."
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


# -- rows: one builder for the rich table, markdown and CSV --------------------------------------


def account_rows(report: AccountReport, style: Style) -> Rows:
    """The account's positions, one row each (CSV's table for ``position --account``)."""
    rows = []
    for r in report.results:
        d = distance(r.liquidation_price, r.spec.mark)
        rows.append((r.symbol, r.spec.side, style.qty(r.spec.size), style.price(r.spec.entry), style.price(r.spec.mark),
                     style.money(r.tier_at_mark.mmr) if style.plain else percent(r.tier_at_mark.mmr),
                     style.money(r.maintenance_margin), style.signed(r.unrealized_pnl), style.price(r.liquidation_price),
                     style.pct(d["percent"]), style.price(r.bankruptcy_price)))
    return Rows(f"Positions (amounts in {report.margin_asset})", ("symbol", "side", "size", "entry", "mark", "MMR", "maint. margin", "unrealized PnL",
                              "liquidation", "to liq.", "bankruptcy"), tuple(rows))


def tables(report: AccountReport, style: Style = SHOWN) -> list[Rows]:
    """Every table the command prints (one)."""
    return [account_rows(report, style)]


def csv_table(report: AccountReport) -> Rows:
    """CSV's table: the positions."""
    return account_rows(report, PLAIN)


def title(report: AccountReport) -> str:
    """The title line of the table."""
    return (f"Cross account on {report.venue.title} (wallet {money(report.wallet, report.margin_asset)}, as of "
            f"{report.preset.as_of})")
