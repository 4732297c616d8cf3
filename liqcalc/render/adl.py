"""``liqcalc adl-risk`` output: the report of :mod:`liqcalc.app.adl` as rich tables with the
sentences that explain them, and the rows of those tables for CSV and markdown (its JSON is the
report's ``to_dict()``, written by the command's one writer). Nothing here computes
a figure: PnL, loss against the mark, the hedge left and effective leverage are the report's."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liqcalc.app.adl import ADL_NOTE
from liqcalc.core.numbers import ZERO
from liqcalc.core.rules import adl_price_rule, ranking_rule
from liqcalc.render.console import Column
from liqcalc.render.numbers import cents_adding_up, money, percent, price, quantity
from liqcalc.render.position import PARTY_WORDS
from liqcalc.render.rows import PLAIN, SHOWN, Rows, Style, plain_number

if TYPE_CHECKING:
    from liqcalc.app.adl import AdlReport, QueueRow, You

POLICY_WORDS = {"queue": "queue", "pro_rata": "pro-rata"}
TABLE_ROWS = 10  # queue rows in the table without --top



def qty(value: Decimal) -> str:
    """A base quantity for people: :func:`quantity`'s at most 8 decimals without trailing
    zeros (the presets carry no lot step of the symbol), grouped by thousands
    (``27,664.921449``, ``9,999,999,999,999,999,999,999,987.232``)."""
    text = quantity(value)
    if not value.is_finite() or text.startswith(("<", ">")):
        return text
    return f"{Decimal(text):,f}"


# -- words ----------------------------------------------------------------------------------


def _num(value: Decimal | None, places: int = 4) -> str:
    if value is None:
        return "-"
    text = f"{value:,.{places}f}"
    return text.removeprefix("-") if text.strip("-0.,") == "" else text  # a score of -0.00001 is 0.0000, not -0.0000


def _signed_money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return ("+" if value > 0 else "") + money(value)


def why_order(report: AdlReport) -> list[str]:
    """Sentences on why the queue is in this order."""
    side = report.queue_side
    lines: list[str] = []
    if not ranking_rule(report.ranking).ranks:
        lines.append(
            f"{report.venue_title} does not rank: dYdX v4 deleveraging starts from a pseudo-random position "
            f"(pseudoRand.Intn) and walks on. liqcalc makes the start repeatable with --seed {report.inputs.seed}: "
            f"this run starts at the {side}s' row {(report.start or 0) + 1} in book order, and there is no indicator.")
        return lines
    source = "--ranking" if report.inputs.ranking_from == "--ranking" else f"{report.venue_name}'s preset"
    lines.append(f"The {side}s are ranked by {ranking_rule(report.ranking).explained} ({report.ranking}, from {source}).")
    if len(report.queue):
        top = report.queue.row(0)
        lines.append(f"{top['id']} is first with a score of {_num(top['score'])}{_factors(report, top)}.")
    if report.you is not None and report.you_index is not None and report.you_index > 0:
        you = report.you
        ahead = report.queue.row(report.you_index - 1)
        lines.append(f"You follow {ahead['id']} (score {_num(ahead['score'])}) with {_num(you['score'])}"
                     f"{_factors(report, you)}; equal scores would put you first, the pessimistic reading.")
    return lines


def contract_words(report: AdlReport) -> str | None:
    """For an inverse contract, what its sizes and amounts count (None for a linear one)."""
    symbol = report.contract
    if symbol is None or not symbol.inverse:
        return None
    return (f"{symbol.name} is inverse: sizes are contracts of {symbol.face_value.normalize():,f} {symbol.quote}, "
            f"amounts are in {symbol.margin_asset}.")


def _factors(report: AdlReport, row: QueueRow | You) -> str:
    factors = report.factors(row)
    if factors is None:
        return ""
    pnl, effective = factors
    return f" (PnL {percent(pnl)} {'×' if pnl > 0 else '÷'} effective leverage {effective:.2f})"


BEARER_WORDS = {
    "venue": "the venue itself",
    "insurance_fund": "the insurance fund",
    "backstop_vault": "the backstop (liquidator) vault",
    "socialized_loss": "the day's winners (socialized loss)",
}


def bearer_words(bearer: str | None) -> str:
    """Who ``unabsorbed_by`` names, in words."""
    return BEARER_WORDS.get(bearer or "", "a party the preset does not name ([adl] unabsorbed_by)")


def event_words(report: AdlReport) -> list[str]:
    e = report.event
    q = report.quote
    lines: list[str] = []
    if e is None:
        return lines
    if e.kind == "liquidation":
        lines.append(
            f"The liquidated {e.liquidated_side} of {qty(e.liquidated_size or ZERO)} with bankruptcy price "
            f"{price(e.bankruptcy_price)} leaves {money(e.shortfall)} {q} missing at the mark {price(report.inputs.mark)}.")
    else:
        if e.liquidated_count == 0:
            lines.append(f"A {_pct(e.shock)} move (mark {price(e.mark_after)}) crosses no liquidation price in the book.")
            return lines
        lines.append(
            f"A {_pct(e.shock)} move (mark {price(e.mark_after)}) liquidates {e.liquidated_count:,} {e.liquidated_side}"
            f"{'s' if e.liquidated_count > 1 else ''} (size {qty(e.liquidated_size or ZERO)}, {money(e.liquidated_notional)} {q} "
            f"filled with {report.inputs.slippage_bps.normalize():f} bps of slippage).")
    return lines + shortfall_words(report)


def shortfall_words(report: AdlReport) -> list[str]:
    """Who pays every unit of the shortfall, with the same numbers as the JSON ``event``."""
    e = report.event
    if e is None:
        return []
    q, side, rule = report.quote, report.queue_side, report.adl_price_rule
    payer = PARTY_WORDS.get(report.fund_party or "insurance_fund", "the fund")  # what --insurance-fund caps
    if e.shortfall == 0 and e.deleveraged_size == 0:
        if e.kind == "shock":
            return ["No liquidation fills beyond its bankruptcy price: there is no shortfall, and nobody is deleveraged."]
        return []
    lines: list[str] = []
    if e.fund_start is None:
        fund = (f"{payer} pays {money(e.fund_paid)} (uncapped: give --insurance-fund to cap it)"
                if e.kind == "shock" else f"{payer} pays {money(e.fund_paid)} (no --insurance-fund given)")
    else:
        took = f" and the {money(e.fund_surplus_in)} it took in from this move's surpluses" if e.fund_surplus_in > 0 else ""
        fund = (f"{payer} pays {money(e.fund_paid)} of the {money(e.fund_start)} it held{took} "
                f"({money(e.fund_left)} left)")
    if e.handed_size > 0:
        where = ("the bankruptcy price of the liquidated orders" if adl_price_rule(rule).at_bankruptcy else "the mark")
        closes = (f"ADL closes {qty(e.deleveraged_size)} of the {qty(e.handed_size)} left to it "
                  f"({money(e.deleveraged_notional)} {q}" + (f" at {price(e.adl_price)}, {where})" if e.adl_price is not None
                                                             else ")"))
        if e.handed_size > e.deleveraged_size:
            closes += (f"; the {side}s hold no more, so {qty(e.handed_size - e.deleveraged_size)} of the liquidated size "
                       "is not absorbed")
        lines.append(f"{fund[0].upper()}{fund[1:]}; {closes}.")
    else:
        lines.append(f"{fund[0].upper()}{fund[1:]}; nothing is left to ADL.")
        if e.shortfall == e.fund_paid:
            lines.append(f"{payer[0].upper()}{payer[1:]} covers every shortfall: nobody is deleveraged.")
            return lines
    if adl_price_rule(rule).at_bankruptcy:
        covered = f"the deleveraged {side}s {money(e.adl_covered)} (closed at the bankruptcy price, not the mark)"
    else:
        covered = f"the deleveraged {side}s {money(e.adl_covered)} (closed at the mark, they give up nothing against it)"
    beyond = ", beyond what it held" if e.fund_overdrawn > 0 else ""
    paid, given_up, rest = printed_parts(e.shortfall, e.fund_paid, e.adl_covered, e.unabsorbed)
    covered = covered.replace(money(e.adl_covered), money(given_up), 1)
    lines.append(f"Shortfall {money(e.shortfall)} {q} = {payer} {money(paid)} + {covered} + "
                 f"{bearer_words(e.unabsorbed_by)} {money(rest)} (unabsorbed{beyond}).")
    return lines + overdrawn_words(report)


def printed_parts(shortfall: Decimal, *parts: Decimal) -> list[Decimal]:
    """The parts of a shortfall as printed: to the cent and adding up to the printed shortfall
    (when it is 1 or more; smaller amounts keep their digits)."""
    return cents_adding_up(list(parts), shortfall) if shortfall >= 1 else list(parts)


def _bears_why(report: AdlReport, mark_deficit: bool, cannot_absorb: bool, side: str | None = None) -> str:
    """Why the preset's ``[adl] unabsorbed_by`` bears what it bears (the venue's rule); ``side``
    is the deleveraged side (None: the other side, as in a sweep over both directions)."""
    deleveraged = f"the deleveraged {side}s give up" if side else "the deleveraged side gives up"
    holders = f"the {side}s" if side else "the other side"
    reasons = []
    if mark_deficit:
        reasons.append(f"the deficit of what ADL closes at the mark ({deleveraged} nothing against it)")
    if cannot_absorb:
        reasons.append(f"{'any' if side is None else 'the'} liquidated size {holders} cannot absorb")
    return (f"by {report.venue_name}'s rule ([adl] price = {report.adl_price_rule}, unabsorbed_by = "
            f"{report.fund_party}) it bears " + " and ".join(reasons))


def _not_modelled(report: AdlReport, payer: str, capped: bool = True) -> str:
    notes = " ".join(note.removeprefix(ADL_NOTE).strip() for note in report.adl_notes)
    how = "liqcalc lets it go below zero" if capped else "its balance is not known here: --insurance-fund gives it"
    text = f"Not modelled: what {report.venue_name} does once {payer} runs out ({how})"
    return text + (f"; the preset's note: {notes}" if notes else ".")


def overdrawn_words(report: AdlReport) -> list[str]:
    """When the capped fund is also the party the preset leaves the unabsorbed deficit with, say
    that it goes beyond what it held, by which rule, and what is not modelled."""
    e = report.event
    if e is None or e.unabsorbed <= 0 or report.fund_party is None or e.unabsorbed_by != report.fund_party:
        return []
    q = report.quote
    payer = PARTY_WORDS.get(report.fund_party, "the fund")
    why = _bears_why(report, adl_price_rule(report.adl_price_rule).at_mark and e.deleveraged_size > 0,
                     e.handed_size > e.deleveraged_size, report.queue_side)
    if e.fund_start is None:  # an event without --insurance-fund: the fund pays nothing up front
        return [f"{payer[0].upper()}{payer[1:]} pays nothing of the shortfall up front (no --insurance-fund given), yet "
                f"{why}: {money(e.unabsorbed)} {q}. {_not_modelled(report, payer, capped=False)}"]
    if e.fund_overdrawn <= 0:  # what it has left covers it
        return []
    held = e.fund_start + e.fund_surplus_in
    took = " and this move's surpluses" if e.fund_surplus_in > 0 else ""
    return [f"So {payer} also bears the {money(e.unabsorbed)} {q} unabsorbed, more than the {money(e.fund_left)} {q} it "
            f"has left of the {money(held)} {q} it held (--insurance-fund{took}): it ends at -{money(e.fund_overdrawn)} {q}; "
            f"{why}. {_not_modelled(report, payer)}"]


def sweep_overdrawn_words(report: AdlReport) -> list[str]:
    """The sweep's steps where the capped fund bears the unabsorbed beyond what it held."""
    over = [row for row in report.sweep if row["fund_overdrawn"] > 0]
    if not over or report.fund_party is None:
        return []
    payer = PARTY_WORDS.get(report.fund_party, "the fund")
    worst = max(over, key=lambda row: row["fund_overdrawn"])
    why = _bears_why(report, adl_price_rule(report.adl_price_rule).at_mark, True)
    return [f"In {len(over)} of {len(report.sweep)} steps the unabsorbed column is borne by {payer} beyond what it held "
            f"(--insurance-fund {money(report.sweep[0]['fund_start'])} {report.quote}): up to "
            f"{money(worst['fund_overdrawn'])} {report.quote} below zero, at {_pct(worst['shock'])}; {why}. "
            f"{_not_modelled(report, payer)}"]


def policy_words(report: AdlReport) -> list[str]:
    queue, pro = report.policies["queue"], report.policies["pro_rata"]
    q = report.quote
    if queue["closed_size"] == 0 and pro["closed_size"] == 0:
        return []
    lines = [
        f"Queue (the venue's rule): whole positions from the top, {queue['positions_closed']:,} closed, size "
        f"{qty(queue['closed_size'])}{' contracts' if report.in_coin else ''}; their unrealized profit at the mark, {money(queue['profit_taken'])} {q}, "
        f"against the {money(queue['deficit'])} {q} the fund leaves unpaid: overshoot {money(queue['overshoot'])} {q}.",
        f"Pro-rata (Chitra, arXiv 2512.01112): every profitable {report.queue_side} gives up the same share of its "
        f"profit, {money(pro['profit_taken'])} {q} in all (the unit pro-rated is profit in {q}; each position closes "
        f"that share of its size): overshoot {money(pro['overshoot'])} {q}.",
    ]
    return lines


def you_words(report: AdlReport) -> list[str]:
    you = report.you
    if you is None:
        return []
    q = report.quote
    lines: list[str] = []
    if you.get("liquidated"):
        lines.append("Your position is liquidated by this move itself: ADL does not reach it.")
    elif you["on_liquidated_side"]:
        lines.append(f"Your {you['side']} is on the liquidated side: ADL never closes it; the queue shown is the "
                     f"{report.queue_side}s'.")
    elif you["rank"] is not None:
        band = "" if you["indicator"] is None else f", indicator {you['indicator']} on {report.venue_name}'s " \
            f"{report.indicator_range[0]}-{report.indicator_range[1]} scale" if report.indicator_range else ""
        pct = "" if you["percentile"] is None else f", percentile {you['percentile']:.1f}%"
        lines.append(f"You are #{you['rank']:,} of {you['queue_count']:,} {report.queue_side}s{pct}{band}: "
                     f"{money(you['notional_ahead'])} {q} of notional is ahead of you.")
    elif not report.has_book:
        lines.append("Without a --book, the rank is unknown: the figures below take your whole position (or the "
                     "liquidated size) as closed at the ADL price, the worst case.")
    lights_band = you["lights_band"]
    if report.inputs.lights is not None and lights_band:
        low, high = lights_band["from_percentile"], lights_band["to_percentile"]
        lines.append(f"{report.venue_name} showing {report.inputs.lights} places you between the "
                     f"{low:.0f}th and {high:.0f}th percentile of the queue by score: "
                     f"{100 - high:.0f}% to {100 - low:.0f}% of its positions are ahead of you.")
    size = you.get("pnl_basis_size")
    loss = you["loss_vs_mark"]  # None exactly when the ADL price is unknown
    if size and you.get("adl_price") is not None and loss is not None:
        roe_percent = you["loss_vs_mark_roe_percent"]
        lines.append(
            f"Closed {qty(size)} at {price(you['adl_price'])} against the mark {price(you['mark'])}: you realize "
            f"{_signed_money(you['realized_pnl'])} {q} where the mark gives {_signed_money(you['pnl_at_mark'])} {q}, "
            f"{'a loss' if loss > 0 else 'a gain'} of {money(abs(loss))} {q} against the mark"
            + ("" if roe_percent is None else
               f" ({_roe_text(abs(roe_percent))} of your margin of {money(you['margin'])} {q})") + ".")
    elif size and you.get("adl_price") is None:
        lines.append("The ADL price is the bankruptcy price of the liquidated order: give --bankruptcy-price to see what "
                     "you would realize at it.")
    elif you["rank"] is not None and report.event is not None:
        lines.append("This event does not reach you.")
    hedge = you["hedge_size"]
    if hedge is not None:
        residual = you["residual_exposure"]
        direction = "long" if residual > 0 else "short"
        if residual == 0:
            state = "flat"
        else:
            notional = money(abs(you["residual_notional"]))
            state = f"{qty(abs(residual))} {direction} unhedged ({notional} {q} at the mark)"
        lines.append(f"Your hedge of {qty(hedge)} stays on: {qty(you['remaining_size'])} of your "
                     f"position is left, so you are {state}.")
    return lines


def sweep_words(report: AdlReport) -> list[str]:
    if not report.sweep or report.you is None:
        return []
    first, last = report.sweep[0]["shock"], report.sweep[-1]["shock"]
    hit = report.reaches_you
    if hit is None:
        return [f"No shock from {_pct(first)} to {_pct(last)} reaches you under the {POLICY_WORDS[report.inputs.policy]} "
                "policy; the queue above is at the largest one."]
    loss = hit["loss_vs_mark"]
    outcome = f"a {'loss' if loss > 0 else 'gain'} of {money(abs(loss))} {report.quote} against the mark"
    if (roe_percent := hit["loss_vs_mark_roe_percent"]) is not None:
        outcome += f" ({_roe_text(abs(roe_percent))} of your margin)"
    return [f"The smallest shock that reaches you is {_pct(hit['shock'])} (mark {price(hit['mark'])}): "
            f"{qty(hit['adl_size'])} closed at {price(hit['adl_price'])}, {outcome}. The queue above is at that shock."]


def horizon_words(days: Decimal | None) -> str | None:
    """A horizon as written on the command line: ``8h``, ``1d``, ``7d``, ``2.5d``."""
    if days is None:
        return None
    hours = days * 24
    if days < 1 and hours == hours.to_integral_value():
        return f"{hours.normalize():f}h"
    if days < 1 / Decimal(24):
        return f"{(days * 1440).normalize():f}m"
    return f"{days.normalize():f}d"


def _chance(p: Decimal) -> str:
    """A probability in percent with its article: "a 3.1%", "an 8.8%", and "a less than 0.1%"
    rather than 0.0% for a small one."""
    if 0 < p < Decimal("0.001"):
        return "a less than 0.1%"
    text = f"{p * 100:.1f}%"
    return f"{'an' if text.startswith(('8', '11.', '18.')) else 'a'} {text}"


def expected_words(report: AdlReport) -> list[str]:
    """The expected exposure in sentences: the first is the answer ("over 1d at 80% volatility:
    a 3.1% chance of being deleveraged; expected loss against the mark 412.00 USDT, 1 in 100
    days worse than 9,800.00"), then what it rests on."""
    e = report.expected
    if e is None:
        return []
    q = report.quote
    horizon = e.get("horizon") or horizon_words(e["horizon_days"])
    quantiles = e["loss_vs_mark_quantiles"]
    if e["model"] == "empirical":
        each = f", each over {horizon}" if horizon else ""
        over = f"Over the {e['samples']:,} moves of {e['returns']}{each}"
        unit = "of those moves"
    else:
        tails = "" if e["nu"] is None else f" with Student-t tails (NU {e['nu'].normalize():f})"
        over = f"Over {horizon} at {e['vol'].normalize():f}% volatility{tails}"
        unit = "days" if horizon == "1d" else f"such {horizon} periods"
    lines = [f"{over}: {_chance(e['p_adl'])} chance of being deleveraged; expected loss against the mark "
             f"{money(e['expected_loss_vs_mark'])} {q}, 1 in 100 {unit} worse than {money(quantiles['p99'])} "
             f"(1 in 20 worse than {money(quantiles['p95'])})."]
    you = report.you
    size = qty(you["size"]) if you is not None else "-"
    left = e["expected_residual_exposure"]
    hedge = report.inputs.hedge_size
    net = f", net of your hedge of {qty(hedge)}" if hedge is not None else ""
    lines.append(f"Expected ADL size {qty(e['expected_adl_size'])} of your {size}; {_chance(e['p_liquidated'])} chance "
                 f"that the move liquidates your position itself; expected exposure left {'+' if left > 0 else ''}"
                 f"{qty(left)}{net} (+ long, - short).")
    sigma = e["sigma"] * 100
    points = f"{e['samples']:,} equally likely points"
    if e["model"] == "empirical":
        model = (f"The sweep is run at each of the {e['samples']:,} moves, equally weighted (their ln(1 + r) has a "
                 f"standard deviation of {sigma:.2f}%)")
    elif e["nu"] is None:
        model = (f"Moves: ln(1 + r) ~ N(-s²/2, s²), s = {e['vol'].normalize():f}% × √({horizon} / 365d) = {sigma:.2f}%, "
                 f"at {points}")
    else:
        model = (f"Moves: ln(1 + r) = -s²/2 + s × t, t a Student-t with NU {e['nu'].normalize():f} scaled to variance 1, "
                 f"s = {e['vol'].normalize():f}% × √({horizon} / 365d) = {sigma:.2f}%, at {points}")
    shown = e["shown_at"]
    where = ("the smallest of them that reaches you" if report.reaches_you is not None
             else "the largest of them: none reaches you")
    lines.append(f"{model}; the queue above is at {_pct(shown)}, {where}.")
    if e["insurance_fund"] is None:
        lines.append("No --insurance-fund: the fund is assumed to pay everything, so no move deleverages anyone. Give "
                     "--insurance-fund AMOUNT (what the fund holds) or FROM:TO:STEP (the fund that would be needed).")
    return lines


def fund_needed_words(report: AdlReport) -> list[str]:
    """The fund at which the move shown stops deleveraging you."""
    info = report.fund_needed_for
    if info is None:
        return []
    q = report.quote
    span = f"{money(info['from'])} to {money(info['to'])} {q}"
    if info["shock"] is None:
        what, verb = "no move of the distribution", "deleverages"
        none = "rules out every move of the distribution deleveraging you"
    else:
        at = f"{_pct(info['shock'])} (mark {price(report.inputs.mark * (1 + info['shock'] / 100))})"
        what, verb, none = f"a {at} move", "no longer deleverages", f"stops a {at} move from deleveraging you"
    if report.fund_needed is None:
        return [f"Fund needed: no fund from {span} ({info['steps']:,} steps) {none}."]
    return [f"Fund needed: with {money(report.fund_needed)} {q} or more in the fund, {what} {verb} you (searched from "
            f"{span}, {info['steps']:,} steps; the rest of this report is at {money(info['from'])} {q})."]


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value.normalize():+f}%"


# -- rich -----------------------------------------------------------------------------------


Cells = list[str]


def fitted(width: int, title: str | None, columns: Sequence[Column], rows: Sequence[tuple[Cells, str | None]],
           drop: Sequence[str] = (), keep: int = 1) -> list[Any]:
    """What to print for a table that fits ``width`` without cutting or folding a figure: its
    title (a line of its own, wrapped as text), the table, and the columns it left out.

    The columns named in ``drop`` go first, in that order, while the table is wider than the
    screen even with its header words stacked; each one left out is named in a "Left out at N
    columns" line. What is still too wide is split into parts one below the other by
    :func:`liqcalc.render.console.fit`, each repeating the first ``keep`` columns (the row's
    name), so every figure stays on one line at any width that holds one figure."""
    from rich.markup import escape
    from rich.text import Text

    from liqcalc.render.console import fit

    def narrowest(i: int) -> int:  # a figure is never split; a header (or a column of words) wraps between words
        words = columns[i].header.split()
        for cells, _ in rows:
            words.extend(cells[i].split() if columns[i].wrap else [cells[i]])
        return max((cell_len(w) for w in words), default=1)

    from rich.cells import cell_len

    shown = list(range(len(columns)))
    need = {i: narrowest(i) + 3 for i in shown}  # rich draws a border before each column, pads each cell by 1 a side
    left_out: list[str] = []
    for name in drop:
        if 1 + sum(need[i] for i in shown) <= width:
            break
        victim = next((i for i in shown[keep:] if columns[i].header == name), None)
        if victim is not None:
            shown.remove(victim)
            left_out.append(name)
    # rich reads a cell as markup: a book's ids ("[x]") are escaped to be shown as written
    parts = fit(None, [columns[i] for i in shown], [[escape(cells[i]) for i in shown] for cells, _ in rows], width,
                keep=keep)
    for table in parts:
        for row, (_, style) in zip(table.rows, rows, strict=True):
            row.style = style
    out: list[Any] = [] if title is None else [Text(title)]
    out.extend(parts)
    if left_out:
        out.append(Text(f"Left out at {width} columns: {', '.join(left_out)} (a wider terminal or --json shows them)."))
    return out


def _roe_text(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}%"


def render_table(report: AdlReport) -> None:
    from rich.table import Table

    from liqcalc.render.console import console as make_console

    console = make_console()
    width = console.width

    def show(parts: list[Any]) -> None:
        for part in parts:
            console.print(part)
    q = report.quote
    info = report.preset
    you = report.you
    if you is not None:
        console.print(f"ADL exposure: {report.symbol} {you['side']} {qty(you['size'])} @ {price(you['entry'])} on "
                      f"{report.venue_title} ({info['name']}, as of {info['as_of']})", markup=False)
    units = contract_words(report)
    if units is not None:
        console.print(units, markup=False)
    if you is not None:
        facts: list[tuple[Cells, str | None]] = [(list(row), None) for row in you_rows(report, SHOWN).rows]
        for part in fitted(width, None, [Column("", "left", wrap=True), Column(""), Column("", "left", wrap=True)], facts):
            if isinstance(part, Table):  # a list of facts: no header row, their names in bold
                part.show_header = False
                part.columns[0].style = "bold"
            console.print(part)
    if report.has_book:
        event = report.event
        at = "" if event is None or event.kind != "shock" else f" at {_pct(event.shock)} (mark {price(event.mark_after)})"
        columns = [Column(h, "left") if h == "id" else Column(h) for h in QUEUE_HEADER]
        rows: list[tuple[Cells, str | None]] = []
        for n in table_queue(report):
            r = None if n is None else report.queue.row(n)
            rows.append((list(GAP if r is None else queue_cells(r, SHOWN)), "bold" if r is not None and r["id"] == "you" else None))
        other = "ADL pro-rata" if report.inputs.policy == "queue" else "ADL queue"
        show(fitted(width, f"ADL queue of the {report.queue_side}s{at}: {len(report.queue):,} ranked", columns, rows,
                    drop=("entry", "pctl", other, "profit taken", "score"), keep=2))
        for line in why_order(report):
            console.print(line, markup=False)
        if report.event is not None and (report.policies["queue"]["closed_size"] > 0 or report.policies["pro_rata"]["closed_size"] > 0):
            policies = policy_rows(report, SHOWN)
            columns = [Column(h, "left", wrap=True) if h == "policy" else Column(h) for h in policies.header]
            rows = [(list(row), None) for row in policies.rows]
            show(fitted(width, "Queue against pro-rata", columns, rows, drop=("positions closed",)))
    for line in event_words(report) + policy_words(report) + you_words(report):
        console.print(line, markup=False)
    if report.expected is not None:
        for part in fitted(width, "Expected exposure", [Column("", "left", wrap=True), Column(""),
                                                        Column("", "left", wrap=True)],
                           [(list(row), None) for row in expected_rows(report, SHOWN).rows]):
            if isinstance(part, Table):  # a list of facts: no header row, their names in bold
                part.show_header = False
                part.columns[0].style = "bold"
            console.print(part)
        for line in expected_words(report):
            console.print(line, markup=False)
    for line in fund_needed_words(report):
        console.print(line, markup=False)
    if report.sweep:
        sweep = sweep_rows(report, SHOWN)
        columns = [Column(h) for h in sweep.header]
        rows = [(list(row), None) for row in sweep.rows]
        bearer = bearer_words(report.sweep[0]["unabsorbed_by"])
        show(fitted(width, f"Shock sweep ({len(report.sweep)} steps): who pays the shortfall ({q}; unabsorbed: {bearer})",
                    columns, rows, drop=("mark", "liquidated", "ADL closed")))
        if you is not None:
            hedged = report.inputs.hedge_size is not None
            yours = your_sweep_rows(report, SHOWN)
            columns = [Column(h) for h in yours.header]
            rows = [(list(row), None) for row in yours.rows]
            show(fitted(width, f"Shock sweep: your position ({POLICY_WORDS[report.inputs.policy]} policy; loss against the "
                                f"mark in {q} and in % of your margin; what is left of it"
                                + (", and net of your hedge, + long, - short)" if hedged else ")"),
                        columns, rows, drop=("mark", "ROE")))
        for line in sweep_overdrawn_words(report) + sweep_words(report):
            console.print(line, markup=False)


# -- rows: one builder per table, for the rich tables, markdown and CSV --------------------------


def you_rows(report: AdlReport, style: Style) -> Rows:
    """Your place in the queue and what the event takes from you, one fact a row."""
    you = report.you
    q = report.quote
    rows: list[tuple[str, str, str]] = []
    if you is None:
        return Rows("You", ("field", "value", "note"), ())
    plain = style.plain

    def fact(name: str, figure: str, words: str) -> None:
        rows.append((name, figure, words))

    def num(value: Decimal | None) -> str:
        return plain_number(value) if plain else _num(value)

    def qty_(value: Decimal | None) -> str:
        return style.missing if value is None else plain_number(value) if plain else qty(value)

    fact("score", num(you["score"]), report.ranking)
    rank = style.missing if you["rank"] is None else (str(you["rank"]) if plain else f"{you['rank']:,} of {you['queue_count']:,}")
    pctl = "-" if you["percentile"] is None else f"{you['percentile']:.1f}%"
    fact("rank", rank, f"of {you['queue_count']}; percentile {pctl}" if plain and you["rank"] is not None
         else f"percentile {pctl}")
    lights = style.missing if you["indicator"] is None else str(you["indicator"])
    scale = "" if report.indicator_range is None else f"scale {report.indicator_range[0]}-{report.indicator_range[1]}"
    if report.inputs.lights is not None:  # --lights: what the venue shows you, beside the book's band
        scale += f"; the venue shows {report.inputs.lights}" + ("" if report.has_book else " (--lights)")
    fact("indicator", lights, scale)
    fact("notional ahead", style.money(you["notional_ahead"]) if you["notional_ahead"] is not None else style.missing, q)
    if you.get("adl_size_known", True):
        fact("ADL size", qty_(you["adl_size"]), f"policy {POLICY_WORDS[report.inputs.policy]}")
    else:  # no book: the figures below take this size, the worst case (as the text says)
        fact("ADL size", qty_(you["pnl_basis_size"]) if plain else f"up to {qty(you['pnl_basis_size'])}",
             "worst case: no --book, rank unknown")
    fact("ADL price", style.price(you["adl_price"]) if you["adl_price"] is not None else style.missing,
         f"mark {price(you['mark'])}")
    signed = plain_number if plain else _signed_money
    fact("realized PnL", signed(you["realized_pnl"]) or style.missing, f"at the ADL price, on {qty(you['pnl_basis_size'])}")
    fact("PnL at the mark", signed(you["pnl_at_mark"]) or style.missing, "what the mark would give")
    fact("loss vs mark", style.money(you["loss_vs_mark"]) if you["loss_vs_mark"] is not None else style.missing, q)
    roe = you["loss_vs_mark_roe_percent"]
    fact("loss vs mark (ROE)", plain_number(roe) if plain else _roe_text(roe), f"of your margin {money(you['margin'])} {q}")
    if you["hedge_size"] is not None:
        residual = you["residual_exposure"]
        direction = "flat" if residual == 0 else ("long" if residual > 0 else "short")
        fact("position left", qty_(you["remaining_size"]), f"of {qty(you['size'])}")
        fact("residual exposure", qty_(abs(residual)), f"{direction}, with the hedge of {qty(you['hedge_size'])}")
    return Rows("You", ("field", "value", "note"), tuple(rows))


QUEUE_HEADER = ("rank", "id", "size", "entry", "score", "pctl", "ind.", "ADL queue", "ADL pro-rata", "ADL price",
                "profit taken")


def queue_cells(r: QueueRow, style: Style) -> tuple[str, ...]:
    """One queue row's cells."""
    if style.plain:
        return (str(r["rank"]), r["id"], plain_number(r["size"]), plain_number(r["entry"]), plain_number(r["score"]),
                plain_number(r["percentile"]), "" if r["indicator"] is None else str(r["indicator"]),
                plain_number(r["by_policy"]["queue"]["adl_size"]), plain_number(r["by_policy"]["pro_rata"]["adl_size"]),
                plain_number(r["adl_price"]), plain_number(r["profit_taken"]))
    return (str(r["rank"]), r["id"], qty(r["size"]), price(r["entry"]), _num(r["score"]),
            "-" if r["percentile"] is None else f"{r['percentile']:.1f}%",
            "-" if r["indicator"] is None else str(r["indicator"]),
            qty(r["by_policy"]["queue"]["adl_size"]), qty(r["by_policy"]["pro_rata"]["adl_size"]),
            price(r["adl_price"]), money(r["profit_taken"]))


GAP = ("⋮", *[""] * (len(QUEUE_HEADER) - 1))
"""A row standing for rows left out (never "…", the mark of a cut figure)."""


def table_queue(report: AdlReport) -> list[int | None]:
    """The queue rows the table shows: the first ``--top`` (10 without it) and yours, None where
    rows are left out."""
    shown = list(range(min(report.inputs.top or TABLE_ROWS, len(report.queue))))
    if report.you_index is not None and report.you_index not in shown:
        shown.append(report.you_index)
    out: list[int | None] = []
    previous = -1
    for n in shown:
        if n != previous + 1:
            out.append(None)
        out.append(n)
        previous = n
    if len(report.queue) > (shown[-1] + 1 if shown else 0):
        out.append(None)
    return out


def queue_rows(report: AdlReport, style: Style) -> Rows:
    """The queue: in CSV as the JSON has it (every row, or with ``--top`` the first N and yours);
    in the table and markdown the rows the table shows, ``⋮`` where rows are left out."""
    event = report.event
    at = "" if event is None or event.kind != "shock" else f" at {_pct(event.shock)} (mark {price(event.mark_after)})"
    if style.plain:
        rows = tuple(queue_cells(r, style) for r in report.shown_queue())
    else:
        rows = tuple(GAP if n is None else queue_cells(report.queue.row(n), style) for n in table_queue(report))
    return Rows(f"ADL queue of the {report.queue_side}s{at}: {len(report.queue):,} ranked", QUEUE_HEADER, rows)


def policy_rows(report: AdlReport, style: Style) -> Rows:
    """The venue's queue against pro-rata: what each closes and takes."""
    rows = []
    for name in ("queue", "pro_rata"):
        p = report.policies[name]
        rows.append((POLICY_WORDS[name] + (" (chosen)" if name == report.inputs.policy else ""),
                     str(p["positions_closed"]) if style.plain else f"{p['positions_closed']:,}", plain_number(p["closed_size"]) if style.plain else qty(p["closed_size"]),
                     style.money(p["profit_taken"]), style.money(p["deficit"]), style.money(p["overshoot"])))
    return Rows("Queue against pro-rata", ("policy", "positions closed", "size closed", "profit taken",
                                           "unpaid by the fund", "overshoot"), tuple(rows))


def sweep_rows(report: AdlReport, style: Style) -> Rows:
    """The shock sweep: who pays the shortfall at each step (the table's parts to the cent and
    adding up; CSV's are the JSON's)."""
    rows = []
    for row in report.sweep:
        parts = (row["fund_paid"], row["adl_covered"], row["unabsorbed"])
        shown = parts if style.plain else printed_parts(row["shortfall"], *parts)
        rows.append((plain_number(row["shock"]) if style.plain else _pct(row["shock"]), style.price(row["mark"]),
                     str(row["liquidated_count"]) if style.plain else f"{row['liquidated_count']:,}", style.money(row["shortfall"]), *(style.money(p) for p in shown),
                     plain_number(row["deleveraged_size"]) if style.plain else qty(row["deleveraged_size"])))
    bearer = bearer_words(report.sweep[0]["unabsorbed_by"]) if report.sweep else ""
    return Rows(f"Shock sweep ({len(report.sweep)} steps): who pays the shortfall ({report.quote}; unabsorbed: {bearer})",
                ("shock", "mark", "liquidated", "shortfall", "fund paid", "ADL covered", "unabsorbed", "ADL closed"),
                tuple(rows))


def your_sweep_rows(report: AdlReport, style: Style) -> Rows:
    """The shock sweep: your position at each step (with ``--hedge-size``, net of the hedge)."""
    hedged = report.inputs.hedge_size is not None
    plain = style.plain
    rows = []
    for row in report.sweep:
        liquidated = row["you_liquidated"]
        size = row["you_adl_size"]
        cells = [plain_number(row["shock"]) if plain else _pct(row["shock"]), style.price(row["mark"]),
                 "liquidated" if liquidated else (plain_number(size) if plain else qty(size)),
                 style.missing if row["you_adl_price"] is None else style.price(row["you_adl_price"]),
                 style.money(row["you_loss_vs_mark"]),
                 plain_number(row["you_loss_vs_mark_roe_percent"]) if plain else _roe_text(row["you_loss_vs_mark_roe_percent"]),
                 plain_number(row["you_remaining_size"] or ZERO) if plain else qty(row["you_remaining_size"] or ZERO)]
        if hedged:
            net = row["you_residual_exposure"] or ZERO
            cells.append(plain_number(net) if plain else "0" if net == 0 else f"{'+' if net > 0 else '-'}{qty(abs(net))}")
        rows.append(tuple(cells))
    policy = POLICY_WORDS[report.inputs.policy]
    return Rows(f"Shock sweep: your position ({policy} policy)",
                ("shock", "mark", "ADL size", "ADL price", "loss", "ROE", "left", *(("net hedged",) if hedged else ())),
                tuple(rows))


def expected_rows(report: AdlReport, style: Style) -> Rows:
    """The expected exposure over the distribution of moves, one figure a row."""
    e = report.expected
    if e is None:
        return Rows("Expected exposure", ("field", "value", "note"), ())
    q = report.quote
    plain = style.plain

    def chance(p: Decimal) -> str:
        return plain_number(p) if plain else f"{p * 100:.1f}%"

    def size(value: Decimal) -> str:
        return plain_number(value) if plain else qty(value)

    quantiles = e["loss_vs_mark_quantiles"]
    rows = (
        ("p_adl", chance(e["p_adl"]), "chance that the move deleverages you"),
        ("p_liquidated", chance(e["p_liquidated"]), "chance that it liquidates your position"),
        ("expected ADL size", size(e["expected_adl_size"]), "closed by ADL, on average"),
        ("expected loss vs mark", style.money(e["expected_loss_vs_mark"]), f"{q}, on average"),
        ("loss vs mark p95", style.money(quantiles["p95"]), f"{q}: 1 in 20 worse"),
        ("loss vs mark p99", style.money(quantiles["p99"]), f"{q}: 1 in 100 worse"),
        ("expected exposure left", size(e["expected_residual_exposure"]), "net of the hedge; + long, - short"),
    )
    return Rows("Expected exposure", ("field", "value", "note"), rows)


def tables(report: AdlReport, style: Style = SHOWN) -> list[Rows]:
    """Every table ``adl-risk`` prints, in order: you, the queue, queue against pro-rata, the
    sweep and your sweep (each when there is one)."""
    out: list[Rows] = []
    if report.you is not None:
        out.append(you_rows(report, style))
    if report.has_book:
        out.append(queue_rows(report, style))
        if report.event is not None and any(report.policies[p]["closed_size"] > 0 for p in ("queue", "pro_rata")):
            out.append(policy_rows(report, style))
    if report.sweep:
        out.append(sweep_rows(report, style))
        if report.you is not None:
            out.append(your_sweep_rows(report, style))
    if report.expected is not None:
        out.append(expected_rows(report, style))
    return out


def csv_table(report: AdlReport) -> Rows:
    """CSV's table: the shock sweep with a sweep, else the queue (as the JSON has it); without a
    book, your facts."""
    if report.sweep:
        return sweep_rows(report, PLAIN)
    if report.expected is not None:
        return expected_rows(report, PLAIN)
    return queue_rows(report, PLAIN) if report.has_book else you_rows(report, PLAIN)


def title(report: AdlReport) -> str:
    """The title line of the tables."""
    you = report.you
    if you is None:
        return f"ADL: {report.symbol} on {report.venue_title} ({report.preset['name']}, as of {report.preset['as_of']})"
    return (f"ADL exposure: {report.symbol} {you['side']} {qty(you['size'])} @ {price(you['entry'])} on "
            f"{report.venue_title} ({report.preset['name']}, as of {report.preset['as_of']})")
