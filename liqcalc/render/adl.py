"""``liqcalc adl-risk`` output: one report, built from the Decimal event path or from the
vectorized shock path, written as JSON or as rich tables with the sentences that explain it."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liqcalc.core.adl import Queue, pnl_x_leverage
from liqcalc.core.model import Side, side_sign
from liqcalc.core.numbers import ZERO
from liqcalc.render.console import Column
from liqcalc.render.numbers import FLOAT_DIGITS, dumps, money, percent, price, quantity
from liqcalc.render.position import PARTY_WORDS, SCHEMA_VERSION, PresetInfo

if TYPE_CHECKING:
    from liqcalc.cli.adl_risk import Context
    from liqcalc.core.adl import Allocation
    from liqcalc.core.book import Priced, Step, Sweep

POLICY_WORDS = {"queue": "queue", "pro_rata": "pro-rata"}
TABLE_ROWS = 10  # queue rows in the table without --top
RANKING_WORDS = {
    "pnl_x_leverage": ("PnL% × effective leverage (PnL% ÷ effective leverage for a loss), highest first; effective "
                       "leverage = mark value / (mark value − bankruptcy value), so profit and leverage both move a "
                       "position forward"),
    "binance_leverage_pnl": ("unrealized profit / wallet balance × margin ratio (maintenance margin / margin balance), "
                             "highest first: profit and leverage both move a position forward, and a losing position "
                             "scores 0"),
    "hyperliquid": "(mark / entry) × (notional / account value), highest first",
    "bitget": ("ROI × account maintenance-margin rate (ROI ÷ that rate for a loss), highest first; ROI = unrealized "
               "PnL / entry value"),
}


@dataclass(frozen=True)
class AdlInputs:
    """The inputs, echoed in the JSON."""

    preset: str
    symbol: str
    mark: Decimal
    book: str | None
    book_rows: int
    liquidated_size: Decimal | None
    bankruptcy_price: Decimal | None
    liquidated_side: str | None
    shock: Decimal | dict[str, Any] | None
    """One shock in percent, or a sweep as ``{"from", "to", "steps"}``."""
    slippage_bps: Decimal
    insurance_fund: Decimal | None
    ranking: str
    ranking_from: str
    policy: str
    seed: int
    hedge_size: Decimal | None
    lights: int | None
    top: int | None
    position: dict[str, Any] | None


@dataclass(frozen=True)
class EventInfo:
    """What happened: a liquidation event or one shock (the one the queue is shown at)."""

    kind: str
    liquidated_side: str | None
    liquidated_size: Decimal | None
    bankruptcy_price: Decimal | None
    adl_price: Decimal | None
    shortfall: Decimal
    fund_paid: Decimal
    deficit: Decimal
    deleveraged_size: Decimal
    deleveraged_notional: Decimal
    shock: Decimal | None
    mark_after: Decimal | None
    liquidated_count: int
    liquidated_notional: Decimal
    fund_left: Decimal | None
    fund_start: Decimal | None
    fund_surplus_in: Decimal
    adl_covered: Decimal
    unabsorbed: Decimal
    unabsorbed_by: str | None
    fund_overdrawn: Decimal
    """The part of ``unabsorbed`` the capped fund itself bears beyond what it held (:func:`accounting`)."""
    handed_size: Decimal
    """The liquidated size handed to ADL (what the fund left unpaid, as a share of the orders);
    ``deleveraged_size`` of it was closed, the rest is what the other side cannot absorb."""


class Rows:
    """The queue rows, made on demand (a book can hold 100,000; a table shows a few)."""

    def __init__(self, count: int, make: Callable[[int], dict[str, Any]]) -> None:
        self.count = count
        self.make = make

    def __len__(self) -> int:
        return self.count

    def row(self, n: int) -> dict[str, Any]:
        return self.make(n)

    def all(self) -> list[dict[str, Any]]:
        return [self.make(n) for n in range(self.count)]


EIGHT = Decimal("1e-8")
WIDE = DecimalContext(prec=80)  # quantizing 1e30 (the largest input accepted) to 1e-8 needs 39 digits


def r8(value: Decimal | None) -> Decimal | None:
    """An amount or a size to 8 decimals: no float or Decimal noise (49999.99999999985 is
    50000), and the parts of a shortfall still add up to 1e-8."""
    if value is None:
        return None
    if not value.is_finite():
        return value
    return value.quantize(EIGHT, context=WIDE).normalize(WIDE) + ZERO


def accounting(*, fund_start: Decimal | None, fund_surplus_in: Decimal, fund_paid: Decimal, fund_left: Decimal | None,
               adl_covered: Decimal, unabsorbed: Decimal, unabsorbed_by: str | None, deleveraged_size: Decimal,
               deleveraged_notional: Decimal, fund_party: str | None = None) -> dict[str, Any]:
    """The shortfall's attribution as shown: each part to 8 decimals, the fund's payment
    within what it had, and ``shortfall`` their sum, so the identity holds as printed.

    ``fund_overdrawn`` is how far below zero the very fund ``--insurance-fund`` caps
    (``fund_party``) ends when the preset's ``[adl] unabsorbed_by`` names it too (OKX's insurance
    fund, Hyperliquid's backstop vault): it pays ``fund_paid``, within what it held, and then
    bears ``unabsorbed`` by the venue's rule, out of ``fund_left`` first and beyond it for the
    rest. 0 when another party bears the unabsorbed, or no cap was given."""
    start, surplus_in, left = r8(fund_start), r8(fund_surplus_in) or ZERO, r8(fund_left)
    # no part is below zero: a float residue of -1e-8 is a payment of nothing
    paid, covered, rest = (max(ZERO, r8(v) or ZERO) for v in (fund_paid, adl_covered, unabsorbed))
    left = None if left is None else max(ZERO, left)
    if start is not None:
        paid = min(paid, start + surplus_in)
    overdrawn = ZERO
    if start is not None and fund_party is not None and unabsorbed_by == fund_party:
        overdrawn = max(ZERO, rest - (left or ZERO))
    return {
        "shortfall": paid + covered + rest, "fund_start": start, "fund_surplus_in": surplus_in, "fund_paid": paid,
        "fund_left": left, "adl_covered": covered, "unabsorbed": rest, "unabsorbed_by": unabsorbed_by,
        "fund_overdrawn": overdrawn,
        "deleveraged_size": r8(deleveraged_size) or ZERO, "deleveraged_notional": r8(deleveraged_notional) or ZERO,
    }


def qty(value: Decimal) -> str:
    """A base quantity for people: :func:`quantity`'s at most 8 decimals without trailing
    zeros (the presets carry no lot step of the symbol), grouped by thousands
    (``27,664.921449``, ``9,999,999,999,999,999,999,999,987.232``)."""
    text = quantity(value)
    if not value.is_finite() or text.startswith(("<", ">")):
        return text
    return f"{Decimal(text):,f}"


def _d(value: Any) -> Decimal | None:
    """A float as a Decimal (None for nan), to the 12 significant digits a float sum of a book
    keeps (as JSON does: render.numbers.FLOAT_DIGITS), so 49999.99999999985 reads 50000."""
    number = float(value)
    if number != number:
        return None
    return Decimal(format(number, f".{FLOAT_DIGITS}g")) if math.isfinite(number) else Decimal(repr(number))


def _dz(value: Any) -> Decimal:
    return _d(value) or ZERO


@dataclass
class AdlReport:
    """Everything ``adl-risk`` writes, in plain values."""

    venue_name: str
    venue_title: str
    quote: str
    symbol: str
    inputs: AdlInputs
    warnings: list[str]
    queue_side: Side
    ranking: str
    queue: Rows
    excluded: int
    start: int | None
    you: dict[str, Any] | None
    event: EventInfo | None
    policies: dict[str, dict[str, Any]]
    sweep: list[dict[str, Any]] = field(default_factory=list)
    reaches_you: dict[str, Any] | None = None
    indicator_range: tuple[int, int] | None = None
    has_book: bool = True
    adl_price_rule: str = "bankruptcy"
    fund_party: str | None = "insurance_fund"
    """The fund ``--insurance-fund`` caps (Hyperliquid: the backstop vault)."""
    you_index: int | None = None
    """Your row's index in the queue (None: not in it)."""
    adl_notes: tuple[str, ...] = ()
    """The preset's notes on its ADL price rule (what it does not model), quoted when the capped
    fund is charged beyond what it held."""

    # -- the Decimal path ---------------------------------------------------------------

    @classmethod
    def build(cls, *, ctx: Context, inputs: AdlInputs, queue: Queue, allocations: dict[str, Allocation] | None,
              event: EventInfo | None, sweep: Any, step_marks: Any) -> AdlReport:
        venue, policy = ctx.venue, ctx.policy
        has_book = ctx.book is not None
        rows = queue.rows if has_book else ()

        def make(n: int) -> dict[str, Any]:
            r = rows[n]
            h = r.holder
            row: dict[str, Any] = {
                "id": h.id, "side": h.side, "size": h.size, "entry": h.entry, "mark": h.mark,
                "bankruptcy_price": h.bankruptcy_price, "score": r.score, "rank": r.rank, "percentile": r.percentile,
                "indicator": r.indicator,
            }
            by_policy = {}
            for name in ("queue", "pro_rata"):
                a = allocations[name] if allocations else None
                by_policy[name] = {
                    "adl_size": a.sizes[n] if a else ZERO,
                    "adl_price": a.prices[n] if a else None,
                    "profit_taken": a.profit_taken[n] if a else ZERO,
                }
            row.update(by_policy[policy])
            row["by_policy"] = by_policy
            return row

        policies = {}
        for name in ("queue", "pro_rata"):
            a = allocations[name] if allocations else None
            policies[name] = {
                "closed_size": a.closed_size if a else ZERO,
                "positions_closed": sum(1 for s in a.sizes if s > 0) if a else 0,
                "profit_taken": a.total_profit_taken if a else ZERO,
                "deficit": a.deficit if a else ZERO,
                "overshoot": a.overshoot if a else ZERO,
                "uncovered_size": a.uncovered_size if a else ZERO,
            }
        report = cls(
            venue_name=venue.name, venue_title=venue.title, quote=ctx.symbol.quote, symbol=ctx.symbol.name,
            inputs=inputs, warnings=ctx.warnings, queue_side=queue.side, ranking=queue.ranking,
            queue=Rows(len(rows), make), excluded=len(queue.excluded), start=queue.start, you=None, event=event,
            policies=policies, indicator_range=_indicator_range(ctx), has_book=has_book, adl_price_rule=venue.adl.price,
            fund_party=venue.fund_party, adl_notes=adl_notes(venue),
        )
        if queue.excluded:
            ctx.warnings.append(_excluded_words(len(queue.excluded), queue.side))
        you = ctx.you
        if you is not None:
            from liqcalc.core.adl import score

            mine = next((n for n, r in enumerate(queue.rows) if r.holder.id == "you"), None)
            spec = you.spec
            own_score = None
            if mine is not None:
                own_score = queue.rows[mine].score
            elif spec.side == queue.side:
                own_score = None
            else:
                from liqcalc.core.adl import holder

                own_score = score(queue.ranking, holder(you, "you", 0, ctx.calc))
            summary = _you_base(spec.side, spec.size, spec.entry, spec.mark, you.liquidation_price, you.bankruptcy_price,
                                inputs, own_score, you.margin_balance)
            summary["on_liquidated_side"] = spec.side != queue.side
            if mine is not None and has_book:
                r = queue.rows[mine]
                report.you_index = mine
                summary.update(rank=r.rank, queue_count=len(queue.rows), percentile=r.percentile, indicator=r.indicator,
                               notional_ahead=sum((x.holder.notional for x in queue.rows[:mine]), ZERO))
                a = allocations[policy] if allocations else None
                size = a.sizes[mine] if a else ZERO
                adl_price = a.prices[mine] if a else None
                _you_outcome(summary, spec.side, spec.size, spec.entry, spec.mark, size, adl_price, inputs.hedge_size, known=True)
            else:
                if mine is None or not has_book:
                    summary.update(rank=None, queue_count=len(queue.rows) if has_book else None, percentile=None,
                                   indicator=None, notional_ahead=None)
                if spec.side != queue.side:
                    _you_outcome(summary, spec.side, spec.size, spec.entry, spec.mark, ZERO, None, inputs.hedge_size, known=True)
                else:
                    # No book: the worst case, the whole position (or the liquidated size) closed at the ADL price.
                    basis = spec.size if event is None or event.liquidated_size is None else min(spec.size, event.liquidated_size)
                    adl_price = event.adl_price if event is not None else (spec.mark if venue.adl.price == "mark" else None)
                    _you_outcome(summary, spec.side, spec.size, spec.entry, spec.mark, basis, adl_price, inputs.hedge_size,
                                 known=False)
            report.you = summary
        return report

    # -- the vectorized path ------------------------------------------------------------

    @classmethod
    def from_step(cls, *, ctx: Context, inputs: AdlInputs, priced: Priced, step: Step, shock: Decimal, sweep: Sweep | None,
                  shocks: Sequence[Decimal], you_index: int | None) -> AdlReport:
        import numpy as np

        venue, policy = ctx.venue, ctx.policy
        cols = priced.cols
        low, high = venue.adl.indicator_min, venue.adl.indicator_max
        ranked = ctx.ranking not in ("random_start", "none")
        percentile = step.percentile()
        lights = step.indicator(low, high) if ranked and high > low else None
        factor = step.factor
        queue_side: Side = "long" if step.liquidated_side < 0 else "short"

        def make(n: int) -> dict[str, Any]:
            i = int(step.queue[n])
            by_policy = {
                name: {
                    "adl_size": _dz(step.sizes[name][n]),
                    "adl_price": _d(step.prices[name][n]),
                    "profit_taken": _dz(step.profit[name][n]),
                }
                for name in ("queue", "pro_rata")
            }
            row: dict[str, Any] = {
                "id": cols.ids[i], "side": "long" if cols.side[i] > 0 else "short", "size": _d(cols.size[i]),
                "entry": _d(cols.entry[i]), "mark": _d(cols.mark[i] * factor), "bankruptcy_price": _d(priced.bankruptcy[i]),
                "score": _d(step.score[n]) if ranked else None, "rank": n + 1,
                "percentile": _d(percentile[n]) if ranked else None,
                "indicator": int(lights[n]) if lights is not None else None,
            }
            row.update(by_policy[policy])
            row["by_policy"] = by_policy
            return row

        policies = {}
        for name in ("queue", "pro_rata"):
            sizes = step.sizes[name]
            policies[name] = {
                "closed_size": _dz(sizes.sum()),
                "positions_closed": int((sizes > 0).sum()),
                "profit_taken": _dz(step.profit[name].sum()),
                "deficit": _dz(step.deficit),
                "overshoot": _dz(step.overshoot(name)),
                "uncovered_size": _dz(max(0.0, float(step.adl_size.sum() - sizes.sum()))) if name == "queue" else ZERO,
            }
        liquidated_side = "long" if step.liquidated_side > 0 else "short"
        closed_total = float(step.closed.sum())
        shown = _shown(step.attribution, venue.adl.unabsorbed_by, venue.fund_party)
        unpaid = shown["adl_covered"] + shown["unabsorbed"]  # the deficit, as its printed parts add up
        for name in policies:
            policies[name]["deficit"] = unpaid
        event = EventInfo(
            kind="shock", liquidated_side=liquidated_side if step.liquidated.size else None,
            liquidated_size=r8(_dz(cols.size[step.liquidated].sum())) or ZERO, bankruptcy_price=None,
            adl_price=r8(_d(float((step.closed * step.adl_price).sum()) / closed_total)) if closed_total > 0 else None,
            deficit=unpaid, shock=shock, mark_after=ctx.mark * (1 + shock / 100),
            liquidated_count=int(step.liquidated.size),
            liquidated_notional=r8(_dz((cols.size[step.liquidated] * step.fill).sum())) or ZERO,
            handed_size=r8(_dz(step.adl_size.sum())) or ZERO,
            **shown,
        )
        report = cls(
            venue_name=venue.name, venue_title=venue.title, quote=ctx.symbol.quote, symbol=ctx.symbol.name, inputs=inputs,
            warnings=ctx.warnings, queue_side=queue_side, ranking=ctx.ranking, queue=Rows(int(step.queue.size), make),
            excluded=int(step.excluded.size), start=None, you=None, event=event, policies=policies,
            indicator_range=_indicator_range(ctx), has_book=True, adl_price_rule=venue.adl.price, fund_party=venue.fund_party,
            adl_notes=adl_notes(venue),
        )
        if ctx.ranking in ("random_start", "none"):
            rows = np.flatnonzero(cols.side == (1 if queue_side == "long" else -1))
            report.start = int(np.flatnonzero(rows == step.queue[0])[0]) if step.queue.size else 0
        if step.excluded.size:
            ctx.warnings.append(_excluded_words(int(step.excluded.size), queue_side))
        crossed = np.flatnonzero(priced.liquidation <= 0)
        if crossed.size:
            ctx.warnings.append(f"{crossed.size} book positions have no positive liquidation price")
        if you_index is not None and ctx.you is not None:
            spec = ctx.you.spec
            new_mark = spec.mark * (1 + shock / 100)
            where = np.flatnonzero(step.queue == you_index)
            own_score = _d(step.score[int(where[0])]) if where.size and ranked else None
            summary = _you_base(spec.side, spec.size, spec.entry, new_mark, ctx.you.liquidation_price,
                                ctx.you.bankruptcy_price, inputs, own_score, ctx.you.margin_balance)
            summary["on_liquidated_side"] = spec.side != queue_side
            summary["liquidated"] = bool((step.liquidated == you_index).any())
            if where.size:
                k = int(where[0])
                report.you_index = k
                ahead = step.queue[:k]
                summary.update(rank=k + 1, queue_count=int(step.queue.size),
                               percentile=_d(percentile[k]) if ranked else None,
                               indicator=int(lights[k]) if lights is not None else None,
                               notional_ahead=_dz((cols.size[ahead] * cols.mark[ahead] * factor).sum()))
                size, adl_price = r8(_dz(step.sizes[policy][k])) or ZERO, r8(_d(step.prices[policy][k]))
            else:
                summary.update(rank=None, queue_count=int(step.queue.size), percentile=None, indicator=None,
                               notional_ahead=None)
                size, adl_price = ZERO, None
            if summary["liquidated"]:
                size = ZERO
            _you_outcome(summary, spec.side, spec.size, spec.entry, new_mark, size, adl_price, inputs.hedge_size, known=True)
            report.you = summary
        if sweep is not None:
            report.sweep = _sweep_rows(sweep, ctx.mark, policy, report.you if you_index is not None else None,
                                       inputs.hedge_size, venue.adl.unabsorbed_by, venue.fund_party)
            if you_index is not None:
                reached = [r for r in report.sweep if r["you_adl_size"] > 0]
                if reached:
                    first = min(reached, key=lambda r: (abs(r["shock"]), report.sweep.index(r)))
                    report.reaches_you = {"shock": first["shock"], "mark": first["mark"], "adl_size": first["you_adl_size"],
                                          "adl_price": first["you_adl_price"], "loss_vs_mark": first["you_loss_vs_mark"],
                                          "loss_vs_mark_roe_percent": first["you_loss_vs_mark_roe_percent"]}
        return report


def _shown(totals: Any, unabsorbed_by: str | None, fund_party: str | None, i: int | None = None) -> dict[str, Any]:
    """:func:`accounting` of the vectorized path's totals (one shock, or row ``i`` of a sweep)."""
    def get(key: str) -> Decimal | None:
        return _d(totals[key] if i is None else totals[key][i])

    return accounting(fund_start=get("fund_start"), fund_surplus_in=get("fund_surplus_in") or ZERO,
                      fund_paid=get("fund_paid") or ZERO, fund_left=get("fund_left"), adl_covered=get("adl_covered") or ZERO,
                      unabsorbed=get("unabsorbed") or ZERO, unabsorbed_by=unabsorbed_by,
                      deleveraged_size=get("deleveraged_size") or ZERO,
                      deleveraged_notional=get("deleveraged_notional") or ZERO, fund_party=fund_party)


ADL_NOTE = "ADL price:"
"""How a preset's note on its ADL price rule begins (OKX: the bankruptcy price when its fund is
nearly depleted, which liqcalc does not model)."""


def adl_notes(venue: Any) -> tuple[str, ...]:
    """The preset's notes on its ADL price rule."""
    return tuple(note for note in venue.notes if note.startswith(ADL_NOTE))


def _indicator_range(ctx: Context) -> tuple[int, int] | None:
    low, high = ctx.venue.adl.indicator_min, ctx.venue.adl.indicator_max
    if ctx.ranking in ("random_start", "none") or high <= low:
        return None
    return low, high


def _excluded_words(count: int, side: str) -> str:
    many = "positions are" if count > 1 else "position is"
    return (f"{count} {side} {many} beyond the bankruptcy price (or without account value) at the mark: the ranking "
            "formula does not rank them (they are being liquidated, not deleveraged); they are left out of the queue")


def _you_base(side: Side, size: Decimal, entry: Decimal, mark: Decimal, liquidation: Decimal | None,
              bankruptcy: Decimal | None, inputs: AdlInputs, own_score: Decimal | None, margin: Decimal) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": "you", "side": side, "size": size, "entry": entry, "mark": mark, "margin": margin,
        "liquidation_price": liquidation, "bankruptcy_price": bankruptcy, "score": own_score,
        "rank": None, "queue_count": None, "percentile": None, "indicator": None, "notional_ahead": None,
        "lights": inputs.lights, "lights_band": None, "on_liquidated_side": False, "liquidated": False,
    }
    return summary


def _you_outcome(summary: dict[str, Any], side: Side, size: Decimal, entry: Decimal, mark: Decimal, adl_size: Decimal,
                 adl_price: Decimal | None, hedge: Decimal | None, *, known: bool) -> None:
    s = side_sign(side)
    summary["adl_size"] = adl_size if known else None
    summary["adl_size_known"] = known
    summary["adl_price"] = adl_price
    summary["pnl_basis_size"] = adl_size
    summary["pnl_at_mark"] = r8(s * adl_size * (mark - entry))
    summary["realized_pnl"] = None if adl_price is None else r8(s * adl_size * (adl_price - entry))
    loss = None if adl_price is None else s * adl_size * (mark - adl_price)
    summary["loss_vs_mark"] = r8(loss)
    summary["loss_vs_mark_roe_percent"] = roe(loss, summary["margin"])
    summary["adl_price_vs_mark"] = None if adl_price is None else {
        "price": r8(adl_price - mark), "percent": r8((adl_price - mark) / mark * 100)}
    remaining = size - (adl_size if known else ZERO)
    summary["remaining_size"] = r8(remaining)
    summary["hedge_size"] = hedge
    residual = s * (remaining - (hedge or ZERO))
    summary["residual_exposure"] = r8(residual)
    summary["residual_notional"] = r8(residual * mark)


def roe(loss: Decimal | None, margin: Decimal | None) -> Decimal | None:
    """A loss against the mark as a percent of the position's margin (its isolated margin, or
    the cross wallet): the ROE a trader reads on the venue's screen. None without either."""
    if loss is None or margin is None or margin <= 0:
        return None
    return (loss / margin * 100).quantize(Decimal("0.01"), context=WIDE) + ZERO


def _sweep_rows(sweep: Sweep, mark: Decimal, policy: str, you: dict[str, Any] | None, hedge: Decimal | None,
                unabsorbed_by: str | None, fund_party: str | None) -> list[dict[str, Any]]:
    """One row per shock: the shortfall's attribution (as the event's), and your outcome: the
    size closed, its price, the loss against the mark (and as a percent of your margin), and
    what is left of your position and of the hedge."""
    rows = []
    for i in range(sweep.shock.size):
        shock = _dz(sweep.shock[i])
        shown = _shown(sweep.attribution, unabsorbed_by, fund_party, i)
        row: dict[str, Any] = {
            "shock": shock,
            "mark": mark * (1 + shock / 100),
            "liquidated_count": int(sweep.liquidated_count[i]),
            "liquidated_notional": r8(_dz(sweep.liquidated_notional[i])),
            "insurance_fund_paid": shown["fund_paid"],
            "deficit": shown["adl_covered"] + shown["unabsorbed"],
            **shown,
            "you_liquidated": bool(sweep.you_liquidated[i]) if you is not None else False,
            "you_rank": int(sweep.you_rank[i]) if you is not None and sweep.you_rank[i] > 0 else None,
            "you_adl_size": r8(_dz(sweep.you_adl_size[policy][i])),
            "you_adl_price": r8(_d(sweep.you_adl_price[policy][i])),
            "you_loss_vs_mark": r8(_dz(sweep.you_loss_vs_mark[policy][i])),
            "you_loss_vs_mark_roe_percent": None,
            "you_remaining_size": None,
            "you_residual_exposure": None,
            "overshoot_queue": r8(_dz(sweep.overshoot["queue"][i])),
            "overshoot_pro_rata": r8(_dz(sweep.overshoot["pro_rata"][i])),
        }
        if you is not None:
            closed = ZERO if row["you_liquidated"] else row["you_adl_size"]
            remaining = ZERO if row["you_liquidated"] else you["size"] - closed
            row["you_loss_vs_mark_roe_percent"] = roe(row["you_loss_vs_mark"] if row["you_adl_price"] is not None else None,
                                                      you["margin"])
            row["you_remaining_size"] = r8(remaining)
            if hedge is not None:
                row["you_residual_exposure"] = r8(side_sign(you["side"]) * (remaining - hedge))
        rows.append(row)
    return rows


# -- JSON -----------------------------------------------------------------------------------


def _info(preset: Any) -> PresetInfo:
    venue = preset.venue
    path = None if preset.origin == "built-in" else str(preset.path)  # as `position` does
    return PresetInfo(venue.name, venue.title, venue.as_of.isoformat(), path, preset.origin, venue.illustrative)


def _lights_band(report: AdlReport) -> None:
    if report.you is None or report.inputs.lights is None or report.indicator_range is None:
        return
    from liqcalc.core.adl import lights_band

    low, high = report.indicator_range
    lights = report.inputs.lights
    start, stop = lights_band(lights, low, high)
    report.you["lights_band"] = {"from_percentile": start, "to_percentile": stop}
    shown = report.you["indicator"]
    if shown is not None and shown != lights:  # the book's band and the venue's disagree: say which one the figures use
        warning = (f"--lights {lights}: {report.venue_name} shows you {lights} (between the {start:.0f}th and {stop:.0f}th "
                   f"percentile of its queue), but this --book ranks you {shown} (percentile "
                   f"{report.you['percentile']:.1f}%): the book is not the venue's whole queue; the rank, percentile, "
                   "notional ahead and ADL size shown are the book's")
        if warning not in report.warnings:
            report.warnings.append(warning)


def clean(value: Any, key: str = "") -> Any:
    """Amounts, sizes, prices and percents to 8 decimals (:func:`r8`), through dicts and lists;
    scores keep every digit (a ranking index, not an amount)."""
    if isinstance(value, Decimal):
        return value if key == "score" else r8(value)
    if isinstance(value, dict):
        return {k: clean(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, key) for v in value]
    return value


def report_json(report: AdlReport, preset: Any) -> dict[str, Any]:
    """The whole ``--json`` object (numbers of the ADL results to 8 decimals: :func:`clean`)."""
    _lights_band(report)
    event = None if report.event is None else asdict(report.event)
    whole: dict[str, Any] = clean({
        "schema_version": SCHEMA_VERSION,
        "command": "adl-risk",
        "preset": _info(preset).as_json(),
        "inputs": asdict(report.inputs),
        "warnings": list(dict.fromkeys(report.warnings)),
        "ranking": report.ranking,
        "adl_price_rule": preset.venue.adl.price,
        "queue_side": report.queue_side if report.has_book else None,
        "queue_count": len(report.queue),
        "excluded_count": report.excluded,
        "random_start": report.start,
        "you": report.you,
        "event": event,
        "policy": report.inputs.policy,
        "policies": report.policies,
        "queue": _json_queue(report),
        "sweep": report.sweep,
        "reaches_you": report.reaches_you,
    })
    return whole


def _json_queue(report: AdlReport) -> list[dict[str, Any]]:
    """Every queue row, or with ``--top N`` the first N and yours (``queue_count`` keeps the total)."""
    if report.inputs.top is None:
        return report.queue.all()
    shown = list(range(min(report.inputs.top, len(report.queue))))
    if report.you_index is not None and report.you_index not in shown:
        shown.append(report.you_index)
    return [report.queue.row(n) for n in shown]


def render_json(report: AdlReport, preset: Any) -> None:
    sys.stdout.write(dumps(report_json(report, preset)) + "\n")


# -- words ----------------------------------------------------------------------------------


def _num(value: Decimal | None, places: int = 4) -> str:
    if value is None:
        return "-"
    return f"{value:,.{places}f}"


def _signed_money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return ("+" if value > 0 else "") + money(value)


def why_order(report: AdlReport) -> list[str]:
    """Sentences on why the queue is in this order."""
    side = report.queue_side
    lines: list[str] = []
    if report.ranking in ("random_start", "none"):
        lines.append(
            f"{report.venue_title} does not rank: dYdX v4 deleveraging starts from a pseudo-random position "
            f"(pseudoRand.Intn) and walks on. liqcalc makes the start repeatable with --seed {report.inputs.seed}: "
            f"this run starts at the {side}s' row {(report.start or 0) + 1} in book order, and there is no indicator.")
        return lines
    source = "--ranking" if report.inputs.ranking_from == "--ranking" else f"{report.venue_name}'s preset"
    lines.append(f"The {side}s are ranked by {RANKING_WORDS[report.ranking]} ({report.ranking}, from {source}).")
    if len(report.queue):
        top = report.queue.row(0)
        lines.append(f"{top['id']} is first with a score of {_num(top['score'])}{_factors(report, top)}.")
    if report.you is not None and report.you_index is not None and report.you_index > 0:
        you = report.you
        ahead = report.queue.row(report.you_index - 1)
        lines.append(f"You follow {ahead['id']} (score {_num(ahead['score'])}) with {_num(you['score'])}"
                     f"{_factors(report, you)}; equal scores would put you first, the pessimistic reading.")
    return lines


def _factors(report: AdlReport, row: dict[str, Any]) -> str:
    if report.ranking != "pnl_x_leverage" or row.get("score") is None:
        return ""
    s = side_sign(row["side"])
    mark, entry, bankruptcy = row["mark"], row["entry"], row.get("bankruptcy_price")
    mark_value = s * mark
    bankrupt_value = s * (bankruptcy if bankruptcy is not None else ZERO)
    if mark_value - bankrupt_value <= 0:
        return ""
    effective = abs(mark_value) / (mark_value - bankrupt_value)
    pnl = (mark_value - s * entry) / entry
    check = pnl_x_leverage(row["side"], row["size"], entry, mark, bankruptcy)
    if check is None:
        return ""
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
            f"A {_pct(e.shock)} move (mark {price(e.mark_after)}) liquidates {e.liquidated_count} {e.liquidated_side}"
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
        where = ("the bankruptcy price of the liquidated orders" if rule == "bankruptcy" else "the mark")
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
    if rule == "bankruptcy":
        covered = f"the deleveraged {side}s {money(e.adl_covered)} (closed at the bankruptcy price, not the mark)"
    else:
        covered = f"the deleveraged {side}s {money(e.adl_covered)} (closed at the mark, they give up nothing against it)"
    beyond = ", beyond what it held" if e.fund_overdrawn > 0 else ""
    lines.append(f"Shortfall {money(e.shortfall)} {q} = {payer} {money(e.fund_paid)} + {covered} + "
                 f"{bearer_words(e.unabsorbed_by)} {money(e.unabsorbed)} (unabsorbed{beyond}).")
    return lines + overdrawn_words(report)


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
    why = _bears_why(report, report.adl_price_rule == "mark" and e.deleveraged_size > 0,
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
    why = _bears_why(report, report.adl_price_rule == "mark", True)
    return [f"In {len(over)} of {len(report.sweep)} steps the unabsorbed column is borne by {payer} beyond what it held "
            f"(--insurance-fund {money(report.inputs.insurance_fund)} {report.quote}): up to "
            f"{money(worst['fund_overdrawn'])} {report.quote} below zero, at {_pct(worst['shock'])}; {why}. "
            f"{_not_modelled(report, payer)}"]


def policy_words(report: AdlReport) -> list[str]:
    queue, pro = report.policies["queue"], report.policies["pro_rata"]
    q = report.quote
    if queue["closed_size"] == 0 and pro["closed_size"] == 0:
        return []
    lines = [
        f"Queue (the venue's rule): whole positions from the top, {queue['positions_closed']} closed for "
        f"{qty(queue['closed_size'])}; their unrealized profit at the mark, {money(queue['profit_taken'])} {q}, "
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
        lines.append(f"You are #{you['rank']} of {you['queue_count']} {report.queue_side}s{pct}{band}: "
                     f"{money(you['notional_ahead'])} {q} of notional is ahead of you.")
    elif not report.has_book:
        lines.append("Without a --book, the rank is unknown: the figures below take your whole position (or the "
                     "liquidated size) as closed at the ADL price, the worst case.")
    if report.inputs.lights is not None and you.get("lights_band"):
        band = you["lights_band"]
        lines.append(f"{report.venue_name} showing {report.inputs.lights} places you between the "
                     f"{band['from_percentile']:.0f}th and {band['to_percentile']:.0f}th percentile of the queue by score: "
                     f"{100 - band['to_percentile']:.0f}% to {100 - band['from_percentile']:.0f}% of its positions are ahead of you.")
    size = you.get("pnl_basis_size")
    if size and you.get("adl_price") is not None:
        lines.append(
            f"Closed {qty(size)} at {price(you['adl_price'])} against the mark {price(you['mark'])}: you realize "
            f"{_signed_money(you['realized_pnl'])} {q} where the mark gives {_signed_money(you['pnl_at_mark'])} {q}, "
            f"{'a loss' if you['loss_vs_mark'] > 0 else 'a gain'} of {money(abs(you['loss_vs_mark']))} {q} against the mark"
            + ("" if you["loss_vs_mark_roe_percent"] is None else
               f" ({_roe_text(abs(you['loss_vs_mark_roe_percent']))} of your margin of {money(you['margin'])} {q})") + ".")
    elif size and you.get("adl_price") is None:
        lines.append("The ADL price is the bankruptcy price of the liquidated order: give --bankruptcy-price to see what "
                     "you would realize at it.")
    elif you["rank"] is not None and report.event is not None:
        lines.append("This event does not reach you.")
    if you.get("hedge_size") is not None:
        residual = you["residual_exposure"]
        direction = "long" if residual > 0 else "short"
        if residual == 0:
            state = "flat"
        else:
            notional = money(abs(you["residual_notional"]))
            state = f"{qty(abs(residual))} {direction} unhedged ({notional} {q} at the mark)"
        lines.append(f"Your hedge of {qty(you['hedge_size'])} stays on: {qty(you['remaining_size'])} of your "
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
    if hit.get("loss_vs_mark_roe_percent") is not None:
        outcome += f" ({_roe_text(abs(hit['loss_vs_mark_roe_percent']))} of your margin)"
    return [f"The smallest shock that reaches you is {_pct(hit['shock'])} (mark {price(hit['mark'])}): "
            f"{qty(hit['adl_size'])} closed at {price(hit['adl_price'])}, {outcome}. The queue above is at that shock."]


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


def render_table(report: AdlReport, preset: Any) -> None:
    from rich.table import Table

    from liqcalc.render.console import console as make_console

    _lights_band(report)
    for warning in dict.fromkeys(report.warnings):
        sys.stderr.write(f"liqcalc: warning: {warning}\n")
    console = make_console()
    width = console.width

    def show(parts: list[Any]) -> None:
        for part in parts:
            console.print(part)
    q = report.quote
    info = _info(preset)
    you = report.you
    if you is not None:
        console.print(f"ADL exposure: {report.symbol} {you['side']} {qty(you['size'])} @ {price(you['entry'])} on "
                      f"{report.venue_title} ({info.name}, as of {info.as_of})", markup=False)
        facts: list[tuple[Cells, str | None]] = []

        def fact(name: str, figure: str, words: str) -> None:
            facts.append(([name, figure, words], None))

        fact("score", _num(you["score"]), report.ranking)
        rank = "-" if you["rank"] is None else f"{you['rank']} of {you['queue_count']}"
        pctl = "-" if you["percentile"] is None else f"{you['percentile']:.1f}%"
        fact("rank", rank, f"percentile {pctl}")
        lights = "-" if you["indicator"] is None else str(you["indicator"])
        scale = "" if report.indicator_range is None else f"scale {report.indicator_range[0]}-{report.indicator_range[1]}"
        if report.inputs.lights is not None:  # --lights: what the venue shows you, beside the book's band
            scale += f"; the venue shows {report.inputs.lights}" + ("" if report.has_book else " (--lights)")
        fact("indicator", lights, scale)
        fact("notional ahead", money(you["notional_ahead"]) if you["notional_ahead"] is not None else "-", q)
        if you.get("adl_size_known", True):
            fact("ADL size", "-" if you["adl_size"] is None else qty(you["adl_size"]),
                 f"policy {POLICY_WORDS[report.inputs.policy]}")
        else:  # no book: the figures below take this size, the worst case (as the text says)
            fact("ADL size", f"up to {qty(you['pnl_basis_size'])}", "worst case: no --book, rank unknown")
        fact("ADL price", price(you["adl_price"]) if you["adl_price"] is not None else "-", f"mark {price(you['mark'])}")
        fact("realized PnL", _signed_money(you["realized_pnl"]), f"at the ADL price, on {qty(you['pnl_basis_size'])}")
        fact("PnL at the mark", _signed_money(you["pnl_at_mark"]), "what the mark would give")
        fact("loss vs mark", money(you["loss_vs_mark"]) if you["loss_vs_mark"] is not None else "-", q)
        fact("loss vs mark (ROE)", _roe_text(you["loss_vs_mark_roe_percent"]), f"of your margin {money(you['margin'])} {q}")
        if you["hedge_size"] is not None:
            residual = you["residual_exposure"]
            direction = "flat" if residual == 0 else ("long" if residual > 0 else "short")
            fact("position left", qty(you["remaining_size"]), f"of {qty(you['size'])}")
            fact("residual exposure", qty(abs(residual)), f"{direction}, with the hedge of {qty(you['hedge_size'])}")
        for part in fitted(width, None, [Column("", "left", wrap=True), Column(""), Column("", "left", wrap=True)], facts):
            if isinstance(part, Table):  # a list of facts: no header row, their names in bold
                part.show_header = False
                part.columns[0].style = "bold"
            console.print(part)
    if report.has_book:
        event = report.event
        at = "" if event is None or event.kind != "shock" else f" at {_pct(event.shock)} (mark {price(event.mark_after)})"
        columns = [Column("rank"), Column("id", "left"), Column("size"), Column("entry"), Column("score"), Column("pctl"),
                   Column("ind."), Column("ADL queue"), Column("ADL pro-rata"), Column("ADL price"), Column("profit taken")]
        rows: list[tuple[Cells, str | None]] = []
        gap: Cells = ["⋮"] + [""] * (len(columns) - 1)  # rows left out (never "…", the mark of a cut figure)
        shown = list(range(min(report.inputs.top or TABLE_ROWS, len(report.queue))))
        if report.you_index is not None and report.you_index not in shown:
            shown.append(report.you_index)
        previous = -1
        for n in shown:
            if n != previous + 1:
                rows.append((gap, None))
            r = report.queue.row(n)
            rows.append(([
                str(r["rank"]), r["id"], qty(r["size"]), price(r["entry"]), _num(r["score"]),
                "-" if r["percentile"] is None else f"{r['percentile']:.1f}%",
                "-" if r["indicator"] is None else str(r["indicator"]),
                qty(r["by_policy"]["queue"]["adl_size"]), qty(r["by_policy"]["pro_rata"]["adl_size"]),
                price(r["adl_price"]), money(r["profit_taken"]),
            ], "bold" if r["id"] == "you" else None))
            previous = n
        if len(report.queue) > (shown[-1] + 1 if shown else 0):
            rows.append((gap, None))
        other = "ADL pro-rata" if report.inputs.policy == "queue" else "ADL queue"
        show(fitted(width, f"ADL queue of the {report.queue_side}s{at}: {len(report.queue)} ranked", columns, rows,
                    drop=("entry", "pctl", other, "profit taken", "score"), keep=2))
        for line in why_order(report):
            console.print(line, markup=False)
        if report.event is not None and (report.policies["queue"]["closed_size"] > 0 or report.policies["pro_rata"]["closed_size"] > 0):
            columns = [Column("policy", "left", wrap=True), Column("positions closed"), Column("size closed"),
                       Column("profit taken"), Column("unpaid by the fund"), Column("overshoot")]
            rows = []
            for name in ("queue", "pro_rata"):
                p = report.policies[name]
                rows.append(([POLICY_WORDS[name] + (" (chosen)" if name == report.inputs.policy else ""),
                              str(p["positions_closed"]), qty(p["closed_size"]), money(p["profit_taken"]),
                              money(p["deficit"]), money(p["overshoot"])], None))
            show(fitted(width, "Queue against pro-rata", columns, rows, drop=("positions closed",)))
    for line in event_words(report) + policy_words(report) + you_words(report):
        console.print(line, markup=False)
    if report.sweep:
        columns = [Column("shock"), Column("mark"), Column("liquidated"), Column("shortfall"), Column("fund paid"),
                   Column("ADL covered"), Column("unabsorbed"), Column("ADL closed")]
        rows = [([_pct(row["shock"]), price(row["mark"]), str(row["liquidated_count"]), money(row["shortfall"]),
                  money(row["fund_paid"]), money(row["adl_covered"]), money(row["unabsorbed"]),
                  qty(row["deleveraged_size"])], None) for row in report.sweep]
        bearer = bearer_words(report.sweep[0]["unabsorbed_by"])
        show(fitted(width, f"Shock sweep ({len(report.sweep)} steps): who pays the shortfall ({q}; unabsorbed: {bearer})",
                    columns, rows, drop=("mark", "liquidated", "ADL closed")))
        if you is not None:
            hedged = report.inputs.hedge_size is not None
            columns = [Column("shock"), Column("mark"), Column("ADL size"), Column("ADL price"), Column("loss"),
                       Column("ROE"), Column("left")]
            if hedged:
                columns.append(Column("net hedged"))
            rows = []
            for row in report.sweep:
                liquidated = row["you_liquidated"]
                cells = [_pct(row["shock"]), price(row["mark"]), "liquidated" if liquidated else qty(row["you_adl_size"]),
                         "-" if row["you_adl_price"] is None else price(row["you_adl_price"]),
                         money(row["you_loss_vs_mark"]), _roe_text(row["you_loss_vs_mark_roe_percent"]),
                         qty(row["you_remaining_size"])]
                if hedged:
                    residual = row["you_residual_exposure"]
                    cells.append("0" if residual == 0 else f"{'+' if residual > 0 else '-'}{qty(abs(residual))}")
                rows.append((cells, None))
            show(fitted(width, f"Shock sweep: your position ({POLICY_WORDS[report.inputs.policy]} policy; loss against the "
                                f"mark in {q} and in % of your margin; what is left of it"
                                + (", and net of your hedge, + long, - short)" if hedged else ")"),
                        columns, rows, drop=("mark", "ROE")))
        for line in sweep_overdrawn_words(report) + sweep_words(report):
            console.print(line, markup=False)
