"""``adl-risk``: where you stand in the venue's ADL queue, and what an event takes from you.

:func:`adl_risk` is the command as a Python call: it checks the inputs (naming each by its
keyword, ``insurance_fund=``; the command line names the option, ``--insurance-fund``), reads
the book (:mod:`liqcalc.app.books`), runs the event and returns an :class:`AdlReport`, whose
:meth:`AdlReport.to_dict` is the ``--json`` object (:meth:`AdlReport.json_parts` writes it
with the queue streamed). Whatever runs on a book runs on the vectorized
:mod:`liqcalc.core.book`, imported only then (numpy is never imported otherwise): a shock, a
sweep, and a liquidation event (``liquidated_size``, whose one order is settled in Decimal by
:mod:`liqcalc.core.adl`); without a book, the event is Decimal throughout, and the Decimal path
over every row (:data:`VECTOR_EVENTS` off) is the reference the tests hold the book to.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast, overload

from liqcalc.app.books import YOU, Book, Namer, book_specs, check_book, evaluate_rows, read_book
from liqcalc.core.adl import Queue, lights_band
from liqcalc.core.errors import InputError, LiqcalcError, UsageError, reworded
from liqcalc.core.model import Ranking, Side, SymbolSpec, Venue, side_sign
from liqcalc.core.numbers import ONE, ZERO, given
from liqcalc.core.position import Calculator, PositionResult, PositionSpec
from liqcalc.core.rules import CHOOSABLE_RANKINGS, adl_price_rule, ranking_rule
from liqcalc.render.numbers import FLOAT_DIGITS

if TYPE_CHECKING:
    from liqcalc.app.adl_twin import Twin
    from liqcalc.core.adl import Allocation, Holder, Policy
    from liqcalc.core.book import Columns, Priced, Step, Sweep
    from liqcalc.core.exposure import Distribution

RANKINGS: tuple[str, ...] = CHOOSABLE_RANKINGS  # the rules --ranking accepts (liqcalc.core.rules)
DEFAULT_SLIPPAGE_BPS = "50"
MAX_STEPS = 10_000
SCHEMA_VERSION = 1
"""The ``--json`` envelope's version (as every command's: ``liqcalc.render.position``)."""


def keyword(key: str) -> str:
    """How the Python API names an input in errors: ``insurance_fund=``."""
    return f"{key}="


def refuse_unmodelled(venue: Venue, symbol: SymbolSpec, who: str = "adl-risk") -> None:
    """Refuse, in one line, a venue without ADL; ``who`` is the subject of the sentence (``book
    synth`` says it writes for adl-risk). An inverse contract is modelled as its linear twin
    (:class:`Twin`)."""
    if not ranking_rule(venue.adl.ranking).deleverages or not adl_price_rule(venue.adl.price).closes:
        raise LiqcalcError(f"{venue.name}: this preset has no auto-deleveraging (its shortfall waterfall is "
                           f"{', '.join(venue.shortfall.waterfall)}); {who} needs a venue with an ADL queue")


# -- the report -----------------------------------------------------------------------------


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
    shock: Decimal | dict[str, Any] | list[Decimal] | None
    """One shock in percent, or a sweep as ``{"from", "to", "steps"}`` (from Python, a list of
    percents as given)."""
    slippage_bps: Decimal
    insurance_fund: Decimal | dict[str, Any] | None
    """The fund's cap, or a range as ``{"from", "to", "steps"}`` (the report is at ``from``)."""
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


class PolicyOutcome(TypedDict):
    """What one allocation policy takes from a queue row."""

    adl_size: Decimal
    """The size closed."""
    adl_price: Decimal | None
    """The price it is closed at (None: nothing closed)."""
    profit_taken: Decimal
    """Its unrealized profit at the mark given up (in the quote asset)."""


class QueueRow(TypedDict):
    """One position of the ADL queue (the JSON's ``queue`` items)."""

    id: str
    side: Side
    size: Decimal
    entry: Decimal
    mark: Decimal
    bankruptcy_price: Decimal | None
    score: Decimal | None
    """The ranking's score (None where the venue does not rank)."""
    rank: int
    percentile: Decimal | None
    indicator: int | None
    """The venue's indicator lights for this place in the queue (None: it shows none)."""
    adl_size: Decimal
    adl_price: Decimal | None
    profit_taken: Decimal
    by_policy: dict[str, PolicyOutcome]
    """``queue`` and ``pro_rata``; the chosen policy's is also at the row's top level."""


class PolicyTotals(TypedDict):
    """One allocation policy over the whole queue (the JSON's ``policies`` values)."""

    closed_size: Decimal
    positions_closed: int
    profit_taken: Decimal
    deficit: Decimal
    """What the fund leaves unpaid, which ADL covers."""
    overshoot: Decimal
    """Profit taken beyond the deficit."""
    uncovered_size: Decimal


class LightsBand(TypedDict):
    """The percentiles of the queue the venue's indicator places you between."""

    from_percentile: Decimal
    to_percentile: Decimal


class PriceGap(TypedDict):
    """The ADL price against the mark."""

    price: Decimal | None
    percent: Decimal | None


class You(TypedDict):
    """Your position in the queue and what the event takes from it (the JSON's ``you``)."""

    id: str
    side: Side
    size: Decimal
    entry: Decimal
    mark: Decimal
    """The mark it is valued at (after a shock, the shocked mark)."""
    margin: Decimal
    """Its margin balance (isolated margin, or the cross wallet)."""
    liquidation_price: Decimal | None
    bankruptcy_price: Decimal | None
    score: Decimal | None
    rank: int | None
    """Your place in the book's queue (None: not in it, or no book)."""
    queue_count: int | None
    percentile: Decimal | None
    indicator: int | None
    notional_ahead: Decimal | None
    lights: int | None
    """The indicator the venue shows you, as given (``lights``)."""
    lights_band: LightsBand | None
    on_liquidated_side: bool
    liquidated: bool
    """A shock liquidates your position itself (ADL then does not reach it)."""
    adl_size: Decimal | None
    """The size ADL closes (None without a book: unknown)."""
    adl_size_known: bool
    adl_price: Decimal | None
    pnl_basis_size: Decimal
    """The size the PnL figures are for: ``adl_size``, or without a book the worst case."""
    pnl_at_mark: Decimal
    realized_pnl: Decimal | None
    """PnL realized at the ADL price."""
    loss_vs_mark: Decimal | None
    """What closing at the ADL price costs against closing at the mark."""
    loss_vs_mark_roe_percent: Decimal | None
    adl_price_vs_mark: PriceGap | None
    remaining_size: Decimal
    hedge_size: Decimal | None
    residual_exposure: Decimal
    """Your position left minus the hedge (none: 0), signed: + long, - short."""
    residual_notional: Decimal


class SweepRow(TypedDict):
    """One shock of a sweep (the JSON's ``sweep`` items): the shortfall's payers and your outcome."""

    shock: Decimal
    mark: Decimal
    liquidated_count: int
    liquidated_notional: Decimal
    insurance_fund_paid: Decimal
    deficit: Decimal
    shortfall: Decimal
    fund_start: Decimal | None
    fund_surplus_in: Decimal
    fund_paid: Decimal
    fund_left: Decimal | None
    adl_covered: Decimal
    unabsorbed: Decimal
    unabsorbed_by: str | None
    fund_overdrawn: Decimal
    deleveraged_size: Decimal
    deleveraged_notional: Decimal
    you_liquidated: bool
    you_rank: int | None
    you_adl_size: Decimal
    you_adl_price: Decimal | None
    you_loss_vs_mark: Decimal
    you_loss_vs_mark_roe_percent: Decimal | None
    you_remaining_size: Decimal | None
    you_residual_exposure: Decimal | None
    overshoot_queue: Decimal
    overshoot_pro_rata: Decimal


class ReachesYou(TypedDict):
    """The smallest shock of a sweep that reaches you."""

    shock: Decimal
    mark: Decimal
    adl_size: Decimal
    adl_price: Decimal | None
    loss_vs_mark: Decimal
    loss_vs_mark_roe_percent: Decimal | None


class Rows:
    """The queue rows, made on demand (a book can hold a million; a table shows a few).

    ``texts``, when given, writes rows ``start`` to ``stop`` as the JSON text
    ``dumps(clean(row))`` would be, from the arrays at once, without making the rows
    (:meth:`AdlReport.json_parts` streams the queue with it)."""

    def __init__(self, count: int, make: Callable[[int], QueueRow],
                 texts: Callable[[int, int], list[str]] | None = None) -> None:
        self.count = count
        self.make = make
        self.batch = texts

    def texts(self, start: int, stop: int) -> list[str]:
        """Rows ``start`` to ``stop`` (0-based, ``stop`` excluded) as JSON text, as
        ``to_dict()`` writes them."""
        if self.batch is not None:
            return self.batch(start, stop)
        from liqcalc.render.numbers import dumps

        return [dumps(clean(self.make(n))) for n in range(start, stop)]

    def __len__(self) -> int:
        return self.count

    def row(self, n: int) -> QueueRow:
        """Row ``n`` (0-based) of the queue."""
        return self.make(n)

    def all(self) -> list[QueueRow]:
        """Every row, in queue order."""
        return [self.make(n) for n in range(self.count)]


EIGHT = Decimal("1e-8")
WIDE = DecimalContext(prec=80)  # quantizing 1e30 (the largest input accepted) to 1e-8 needs 39 digits


@overload
def r8(value: Decimal) -> Decimal: ...
@overload
def r8(value: None) -> None: ...
@overload
def r8(value: Decimal | None) -> Decimal | None: ...
def r8(value: Decimal | None) -> Decimal | None:
    """An amount or a size to 8 decimals: no float or Decimal noise (49999.99999999985 is
    50000), and the parts of a shortfall still add up to 1e-8."""
    if value is None:
        return None
    if not value.is_finite():
        return value
    return value.quantize(EIGHT, context=WIDE).normalize(WIDE) + ZERO


EXACT_PRICES: ContextVar[bool] = ContextVar("liqcalc_adl_exact_prices", default=False)
"""Set while an inverse contract's twin runs: its prices (x = 1/P, about 1e-5) keep their
digits until they are turned back (:func:`p8`)."""


def p8(value: Decimal | None) -> Decimal | None:
    """A price to 8 decimals (:func:`r8`), or as it is in an inverse contract's twin."""
    return value if EXACT_PRICES.get() else r8(value)


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

def _d(value: Any) -> Decimal | None:
    """A float as a Decimal (None for nan), to the 12 significant digits a float sum of a book
    keeps (as JSON does: render.numbers.FLOAT_DIGITS), so 49999.99999999985 reads 50000."""
    number = float(value)
    if number != number:
        return None
    return Decimal(format(number, f".{FLOAT_DIGITS}g")) if math.isfinite(number) else Decimal(repr(number))


def _dz(value: Any) -> Decimal:
    return _d(value) or ZERO


@dataclass(frozen=True)
class AdlReport:
    """Everything ``adl-risk`` writes, in plain values: :meth:`to_dict` is the ``--json``
    object, and the tables are written from the same fields (``liqcalc.render.adl``).

    Attributes:
        preset: the preset used, as the JSON's ``preset`` object (name, title, as_of, path,
            origin, illustrative).
        venue_name: the venue's short name; venue_title its full name; quote the quote asset
            every amount is in.
        inputs: the inputs as checked (echoed in the JSON).
        warnings: what the figures rest on that the user should know, each once.
        queue_side: the side ADL closes (the winners); ranking its ranking rule.
        queue: the queue's rows, made on demand; excluded how many positions it leaves out.
        start: dYdX's random start (a row in book order), None for a ranked queue.
        you: your position's place and outcome (None without one).
        event: the liquidation or shock, and who pays its shortfall (None: no event).
        policies: queue against pro-rata, each one's totals.
        sweep: one row per shock of a sweep; reaches_you the smallest shock that reaches you.
    """

    preset: Mapping[str, Any]
    venue_name: str
    venue_title: str
    quote: str
    symbol: str
    inputs: AdlInputs
    warnings: tuple[str, ...]
    queue_side: Side
    ranking: str
    queue: Rows
    excluded: int
    start: int | None
    you: You | None
    event: EventInfo | None
    policies: Mapping[str, PolicyTotals]
    sweep: tuple[SweepRow, ...] = ()
    reaches_you: ReachesYou | None = None
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
    expected: Mapping[str, Any] | None = None
    """With a distribution of moves (``vol``/``horizon``, ``returns``): the expected exposure
    (the JSON's ``expected``; :func:`expected_block`)."""
    fund_needed: Decimal | None = None
    """With ``insurance_fund="FROM:TO:STEP"``: the smallest fund of the range at which the move
    the report is shown at no longer deleverages you (None: not within the range)."""
    fund_needed_for: Mapping[str, Any] | None = None
    """The move and the range ``fund_needed`` is for (None without a range)."""
    curve: Mapping[str, tuple[float, ...]] | None = None
    contract: SymbolSpec | None = None
    """The symbol as the trader trades it (its ``contract_type``, ``face_value``, ``margin_asset``:
    an inverse contract's sizes are contracts and its amounts, ``quote``, are in the coin)."""
    """With a distribution, for the plots (not in the JSON): per move, ascending, ``move``,
    ``weight``, ``adl_size``, ``loss_vs_mark``, ``liquidated_notional``, ``fund_paid``."""

    # -- the Decimal path ---------------------------------------------------------------

    @classmethod
    def build(cls, *, ctx: Context, inputs: AdlInputs, queue: Queue, allocations: Mapping[Policy, Allocation] | None,
              event: EventInfo | None) -> AdlReport:
        """The report of an event on the book, or of none (the Decimal path)."""
        venue, policy = ctx.venue, ctx.policy
        has_book = ctx.book is not None
        rows = queue.rows if has_book else ()

        def make(n: int) -> QueueRow:
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
            return cast(QueueRow, row)

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
        fields: dict[str, Any] = {
            "venue_name": venue.name, "venue_title": venue.title, "quote": ctx.symbol.quote, "symbol": ctx.symbol.name,
            "inputs": inputs, "queue_side": queue.side, "ranking": queue.ranking,
            "queue": Rows(len(rows), make), "excluded": len(queue.excluded), "start": queue.start, "you": None, "event": event,
            "policies": policies, "indicator_range": _indicator_range(ctx), "has_book": has_book, "adl_price_rule": venue.adl.price,
            "fund_party": venue.fund_party, "adl_notes": adl_notes(venue), "contract": ctx.symbol,
        }
        if queue.excluded:
            ctx.warnings.append(_excluded_words(len(queue.excluded), ctx.said_side(queue.side)))
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

                own_score = score(queue.ranking, holder(you, "you", 0))
            summary = _you_base(spec.side, spec.size, spec.entry, spec.mark, you.liquidation_price, you.bankruptcy_price,
                                inputs, own_score, you.margin_balance)
            summary["on_liquidated_side"] = spec.side != queue.side
            if mine is not None and has_book:
                r = queue.rows[mine]
                fields["you_index"] = mine
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
                _you_unranked(summary, spec, queue.side, event, venue, inputs.hedge_size)
            fields["you"] = summary
        return cls._freeze(ctx, fields)

    # -- the vectorized path ------------------------------------------------------------

    @classmethod
    def from_step(cls, *, ctx: Context, inputs: AdlInputs, priced: Priced, step: Step, shock: Decimal, sweep: Sweep | None,
                  you_index: int | None) -> AdlReport:
        """The report of one shock (and of a sweep) on the whole book (the vectorized path)."""
        import numpy as np

        venue, policy = ctx.venue, ctx.policy
        cols = priced.cols
        ranked = ranking_rule(ctx.ranking).ranks
        factor = step.factor
        queue_side: Side = "long" if step.liquidated_side < 0 else "short"
        queue_rows, percentile, lights = _vector_rows(ctx, priced, step)

        policies = _vector_policies(step)
        liquidated_side = "long" if step.liquidated_side > 0 else "short"
        closed_total = float(step.closed.sum())
        shown = _shown(step.attribution, venue.adl.unabsorbed_by, venue.fund_party)
        unpaid = shown["adl_covered"] + shown["unabsorbed"]  # the deficit, as its printed parts add up
        for name in policies:
            policies[name]["deficit"] = unpaid
        event = EventInfo(
            kind="shock", liquidated_side=liquidated_side if step.liquidated.size else None,
            liquidated_size=r8(_dz(cols.size[step.liquidated].sum())) or ZERO, bankruptcy_price=None,
            adl_price=p8(_d(float((step.closed * step.adl_price).sum()) / closed_total)) if closed_total > 0 else None,
            deficit=unpaid, shock=shock, mark_after=ctx.mark * (1 + shock / 100),
            liquidated_count=int(step.liquidated.size),
            liquidated_notional=r8(_dz((cols.size[step.liquidated] * step.fill).sum())) or ZERO,
            handed_size=r8(_dz(step.adl_size.sum())) or ZERO,
            **shown,
        )
        fields: dict[str, Any] = {
            "venue_name": venue.name, "venue_title": venue.title, "quote": ctx.symbol.quote, "symbol": ctx.symbol.name, "inputs": inputs,
            "queue_side": queue_side, "ranking": ctx.ranking, "queue": queue_rows,
            "excluded": int(step.excluded.size), "start": None, "you": None, "event": event, "policies": policies,
            "indicator_range": _indicator_range(ctx), "has_book": True, "adl_price_rule": venue.adl.price, "fund_party": venue.fund_party,
            "adl_notes": adl_notes(venue), "contract": ctx.symbol,
        }
        fields["start"] = _vector_start(ctx, cols, step, queue_side)
        if step.excluded.size:
            ctx.warnings.append(_excluded_words(int(step.excluded.size), ctx.said_side(queue_side)))
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
                fields["you_index"] = k
                ahead = step.queue[:k]
                summary.update(rank=k + 1, queue_count=int(step.queue.size),
                               percentile=_d(percentile[k]) if ranked else None,
                               indicator=int(lights[k]) if lights is not None else None,
                               notional_ahead=_dz((cols.size[ahead] * cols.mark[ahead] * factor).sum()))
                size, adl_price = r8(_dz(step.sizes[policy][k])) or ZERO, p8(_d(step.prices[policy][k]))
            else:
                summary.update(rank=None, queue_count=int(step.queue.size), percentile=None, indicator=None,
                               notional_ahead=None)
                size, adl_price = ZERO, None
            if summary["liquidated"]:
                size = ZERO
            _you_outcome(summary, spec.side, spec.size, spec.entry, new_mark, size, adl_price, inputs.hedge_size, known=True)
            fields["you"] = summary
        if sweep is not None:
            fields["sweep"] = sweep_rows = tuple(_sweep_rows(sweep, ctx.mark, policy, fields["you"] if you_index is not None else None,
                                       inputs.hedge_size, venue.adl.unabsorbed_by, venue.fund_party))
            if you_index is not None:
                reached = [r for r in sweep_rows if r["you_adl_size"] > 0]
                if reached:
                    first = min(reached, key=lambda r: (abs(r["shock"]), sweep_rows.index(r)))
                    fields["reaches_you"] = {"shock": first["shock"], "mark": first["mark"], "adl_size": first["you_adl_size"],
                                          "adl_price": first["you_adl_price"], "loss_vs_mark": first["you_loss_vs_mark"],
                                          "loss_vs_mark_roe_percent": first["you_loss_vs_mark_roe_percent"]}
        return cls._freeze(ctx, fields)

    @classmethod
    def _freeze(cls, ctx: Context, fields: dict[str, Any]) -> AdlReport:
        """The report, with the band your ``lights`` places you in and every warning, once."""
        you = fields.get("you")
        low_high = fields.get("indicator_range")
        lights = fields["inputs"].lights
        if you is not None and lights is not None and low_high is not None:
            low, high = low_high
            start, stop = lights_band(lights, low, high)
            you["lights_band"] = {"from_percentile": start, "to_percentile": stop}
            shown = you["indicator"]
            if shown is not None and shown != lights:  # the book's band and the venue's disagree: say which one the figures use
                ctx.warnings.append(
                    f"--lights {lights}: {fields['venue_name']} shows you {lights} (between the {start:.0f}th and "
                    f"{stop:.0f}th percentile of its queue), but this --book ranks you {shown} (percentile "
                    f"{you['percentile']:.1f}%): the book is not the venue's whole queue; the rank, percentile, "
                    "notional ahead and ADL size shown are the book's")
        return cls(preset=ctx.preset, warnings=tuple(dict.fromkeys(ctx.warnings)), **fields)

    def factors(self, row: QueueRow | You) -> tuple[Decimal, Decimal] | None:
        """A queue row's (or your) PnL% and effective leverage, the factors of a ``pnl_x_leverage``
        score (None for another ranking, or without a score)."""
        if row.get("score") is None:
            return None
        side, entry, mark, bankruptcy = row["side"], row["entry"], row["mark"], row.get("bankruptcy_price")
        if self.contract is not None and self.contract.inverse:
            # in coin values (BitMEX's mark value, entry value, bankrupt value): the twin's
            from liqcalc.app.adl_twin import flip

            def twin(price: Decimal) -> Decimal:
                return Decimal(1) / price

            side, entry, mark = flip(side), twin(entry), twin(mark)
            bankruptcy = None if bankruptcy is None else twin(bankruptcy)
        return ranking_rule(self.ranking).factors(side, entry, mark, bankruptcy)

    def to_dict(self) -> dict[str, Any]:
        """The whole ``--json`` object (numbers of the ADL results to 8 decimals: :func:`clean`)."""
        return self._whole(self.shown_queue())

    def json_parts(self, rows: int = 8192) -> Iterator[str]:
        r"""The ``--json`` text in parts, the queue ``rows`` rows at a time: ``"".join`` of them
        is ``dumps(to_dict()) + "\n"``, but the rows of a whole queue (a million on a big book)
        are written as they are made, never all held at once."""
        from liqcalc.render.numbers import dumps

        if self.inputs.top is not None:
            yield dumps(self.to_dict()) + "\n"
            return
        text = dumps(self._whole(QUEUE_MARK))
        head, tail = text.split(dumps(QUEUE_MARK))  # the mark is in the text once
        yield head + "["
        count = len(self.queue)
        for start in range(0, count, rows):
            part = ", ".join(self.queue.texts(start, min(start + rows, count)))
            yield part if start == 0 else ", " + part
        yield "]" + tail + "\n"

    def _whole(self, queue: Any) -> dict[str, Any]:
        whole: dict[str, Any] = clean({
            "schema_version": SCHEMA_VERSION,
            "command": "adl-risk",
            "preset": dict(self.preset),
            **self.contract_keys(),
            "inputs": asdict(self.inputs),
            "warnings": list(self.warnings),
            "ranking": self.ranking,
            "adl_price_rule": self.adl_price_rule,
            "queue_side": self.queue_side if self.has_book else None,
            "queue_count": len(self.queue),
            "excluded_count": self.excluded,
            "random_start": self.start,
            "you": self.you,
            "event": None if self.event is None else asdict(self.event),
            "policy": self.inputs.policy,
            "policies": self.policies,
            "queue": queue,
            "sweep": self.sweep,
            "reaches_you": self.reaches_you,
            "expected": self.expected,
            "fund_needed": self.fund_needed,
            "fund_needed_for": self.fund_needed_for,
        })
        return whole

    @property
    def in_coin(self) -> bool:
        """Whether the amounts are a coin's (an inverse contract): shown to the satoshi."""
        return self.contract is not None and self.contract.inverse

    def contract_keys(self) -> dict[str, Any]:
        """An inverse contract's ``contract_type``, ``face_value`` and ``margin_asset`` (as
        ``position`` writes them); a linear one's JSON is as it was."""
        if self.contract is None or not self.contract.inverse:
            return {}
        return {"contract_type": self.contract.contract_type, "face_value": self.contract.face_value,
                "margin_asset": self.contract.margin_asset}

    def shown_queue(self) -> list[QueueRow]:
        """Every queue row, or with ``top`` the first N and yours (``queue_count`` keeps the total)."""
        if self.inputs.top is None:
            return self.queue.all()
        shown = list(range(min(self.inputs.top, len(self.queue))))
        if self.you_index is not None and self.you_index not in shown:
            shown.append(self.you_index)
        return [self.queue.row(n) for n in shown]


def _vector_policies(step: Step) -> dict[str, Any]:
    """Each policy's totals over a vectorized step's queue."""
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
    return policies


def _vector_start(ctx: Context, cols: Columns, step: Step, queue_side: Side) -> int | None:
    """The random start (dYdX) as a row of the side in book order (None for a ranked queue)."""
    import numpy as np

    if ranking_rule(ctx.ranking).ranks:
        return None
    rows = np.flatnonzero(cols.side == (1 if queue_side == "long" else -1))
    return int(np.flatnonzero(rows == step.queue[0])[0]) if step.queue.size else 0


def _vector_rows(ctx: Context, priced: Priced, step: Step) -> tuple[Rows, Any, Any]:
    """The queue of a vectorized step as rows made on demand (and written as JSON text from the
    arrays), each row's percentile and lights (None where the venue shows none)."""
    venue, policy = ctx.venue, ctx.policy
    cols = priced.cols
    low, high = venue.adl.indicator_min, venue.adl.indicator_max
    ranked = ranking_rule(ctx.ranking).ranks
    sizes = cols.size[step.queue] if venue.adl.indicator_basis == "size" else None
    percentile = step.percentile(sizes)
    lights = step.indicator(low, high, sizes) if ranked and high > low else None
    factor = step.factor

    def make(n: int) -> QueueRow:
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
        return cast(QueueRow, row)

    def texts(start: int, stop: int) -> list[str]:
        from json.encoder import encode_basestring_ascii as quoted

        at = step.queue[start:stop]
        count = at.size
        nothing = ["null"] * count
        take = getattr(cols.ids, "take", None)  # an Arrow column's ids in one take
        ids = [quoted(i) for i in (take(at) if take is not None else [cols.ids[i] for i in at.tolist()])]
        sides = ['"long"' if v > 0 else '"short"' for v in cols.side[at].tolist()]
        policy_columns = {
            name: (_json_texts(step.sizes[name][start:stop], absent="0"), _json_texts(step.prices[name][start:stop]),
                   _json_texts(step.profit[name][start:stop], absent="0"))
            for name in ("queue", "pro_rata")
        }
        return [ROW_JSON % row for row in zip(
            ids, sides, _json_texts(cols.size[at]), _json_texts(cols.entry[at]), _json_texts(cols.mark[at] * factor),
            _json_texts(priced.bankruptcy[at]),
            _json_texts(step.score[start:stop], places=10) if ranked else nothing,
            [str(n + 1) for n in range(start, stop)],
            _json_texts(percentile[start:stop]) if ranked else nothing,
            [str(v) for v in lights[start:stop].tolist()] if lights is not None else nothing,
            *policy_columns[policy], *policy_columns["queue"], *policy_columns["pro_rata"], strict=True)]


    return Rows(int(step.queue.size), make, texts), percentile, lights


QUEUE_MARK = "\x00liqcalc: the queue's rows\x00"
"""Where :meth:`AdlReport.json_parts` writes the queue's rows (a string no report holds)."""


def _json_texts(values: Any, *, places: int = 8, absent: str = "null") -> list[str]:
    """Each float of ``values`` as the JSON writes it (:func:`_d`'s 12 significant digits, then
    :func:`r8` with ``places`` 8, or as ``dumps`` writes an unrounded score with 10); ``absent``
    for nan (``null``, or ``0`` where :func:`_dz` reads nan as zero).

    Most values are written by ``{:.12g}`` alone: without an exponent and with at most
    ``places`` decimals that text is already what :func:`r8` and ``json_number`` make of it.
    The others (tiny, huge, long, not finite, minus zero) take the Decimal path. A column of
    few distinct values (a mark, the sizes ADL leaves at 0) is written once per value."""
    import numpy as np

    if values.size > 64:
        distinct, back = np.unique(values, return_inverse=True)
        if distinct.size < values.size // 2:
            texts = _json_texts(distinct, places=places, absent=absent)
            return [texts[k] for k in back.tolist()]
    out = list(map("{:.12g}".format, values.tolist()))
    magnitude = np.abs(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        # from 10**(11 - places) up to 1e11 12 significant digits leave at most `places` decimals
        # and no exponent (a value just below 1e12 may round up to one)
        check = ~np.isfinite(values) | (magnitude >= 1e11) | (magnitude < 10.0 ** (11 - places))
        # Below that, from 1e-4 (no exponent), the text has at most `places` decimals when the
        # 12-digit value is a multiple of 10**-places: then x * 10**places lies within half a
        # unit u of its 12th digit (in those units) of an integer, and otherwise at least half
        # a unit away; u is taken 10 times smaller (log10 may be one off) and the test is a
        # quarter of it, far above the float error of the product (about 1e-4 u).
        small = check & np.isfinite(values) & (magnitude >= 1e-4) & (magnitude < 1e11)
        scaled = values * 10.0**places
        unit_12 = 10.0 ** (np.floor(np.log10(magnitude)) - 12 + places)
        whole = small & (np.abs(scaled - np.rint(scaled)) < 0.25 * unit_12) & ~((values == 0) & np.signbit(values))
    check &= ~whole
    finite = np.isfinite(values)
    for i in np.flatnonzero(check & ~finite).tolist():
        out[i] = absent if out[i] == "nan" else "null"  # an infinity: no JSON number
    # Below 10**(11 - places) (to zero), rounding the 12 digits to `places` decimals is rounding
    # the float itself (``{:.8f}``, exact): every midpoint between two such decimals has at most
    # 12 significant digits, so the float and its 12 digits lie on the same side of it, unless
    # the 12 digits are the midpoint itself (a tie, which Decimal rounds half-even): those, taken
    # widely (within 2 units of the 12th digit of one, far above the float error of the
    # product), and the rest go the Decimal way.
    with np.errstate(invalid="ignore", divide="ignore"):
        quick = check & finite & (magnitude < 10.0 ** (11 - places))
        scaled = values * 10.0**places
        to_half = np.abs(scaled - np.floor(scaled) - 0.5)
        quick &= ~(to_half <= 2.0 * 10.0 ** (np.floor(np.log10(magnitude)) - 11 + places))
    check &= ~quick
    if quick.any():
        at = np.flatnonzero(quick)
        fixed_text = f"{{:.{places}f}}".format
        for i, value in zip(at.tolist(), values[at].tolist(), strict=True):
            text = fixed_text(value).rstrip("0").rstrip(".")
            out[i] = text if text and text != "-0" else "0"
    # the rest: the 12 digits as a Decimal, rounded half-even as r8 (or to json_number's 10
    # places), in fixed notation without trailing zeros (json_number's text)
    rounding = np.flatnonzero(check & finite).tolist()
    quantize, unit, number = WIDE.quantize, EIGHT, Decimal
    if places == 8:
        fixed = [format(quantize(number(out[i]), unit), "f").rstrip("0").rstrip(".") for i in rounding]
    else:
        fixed = [format(number(out[i]), ".10f").rstrip("0").rstrip(".") for i in rounding]
    for i, text in zip(rounding, fixed, strict=True):
        out[i] = text if text and text != "-0" else "0"
    return out


ROW_JSON = ('{"id": %s, "side": %s, "size": %s, "entry": %s, "mark": %s, "bankruptcy_price": %s, "score": %s, '
            '"rank": %s, "percentile": %s, "indicator": %s, "adl_size": %s, "adl_price": %s, "profit_taken": %s, '
            '"by_policy": {"queue": {"adl_size": %s, "adl_price": %s, "profit_taken": %s}, '
            '"pro_rata": {"adl_size": %s, "adl_price": %s, "profit_taken": %s}}}')
"""A :class:`QueueRow` as ``dumps(clean(row))`` writes it (its keys in their order)."""


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
    if not ranking_rule(ctx.ranking).ranks or high <= low:
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
        "price": p8(adl_price - mark), "percent": r8((adl_price - mark) / mark * 100)}
    remaining = size - (adl_size if known else ZERO)
    summary["remaining_size"] = r8(remaining)
    summary["hedge_size"] = hedge
    residual = s * (remaining - (hedge or ZERO))
    summary["residual_exposure"] = r8(residual)
    summary["residual_notional"] = r8(residual * mark)


def _you_unranked(summary: dict[str, Any], spec: PositionSpec, queue_side: str, event: EventInfo | None, venue: Venue,
                  hedge: Decimal | None) -> None:
    """Your outcome where the queue gives you no rank: nothing on the other side; on the queue's
    side (no book) the worst case, the whole position (or the liquidated size) closed at the ADL
    price."""
    if spec.side != queue_side:
        _you_outcome(summary, spec.side, spec.size, spec.entry, spec.mark, ZERO, None, hedge, known=True)
        return
    basis = spec.size if event is None or event.liquidated_size is None else min(spec.size, event.liquidated_size)
    adl_price = event.adl_price if event is not None else adl_price_rule(venue.adl.price).closes_at(None, spec.mark)
    _you_outcome(summary, spec.side, spec.size, spec.entry, spec.mark, basis, adl_price, hedge, known=False)


def roe(loss: Decimal | None, margin: Decimal | None) -> Decimal | None:
    """A loss against the mark as a percent of the position's margin (its isolated margin, or
    the cross wallet): the ROE a trader reads on the venue's screen. None without either."""
    if loss is None or margin is None or margin <= 0:
        return None
    return (loss / margin * 100).quantize(Decimal("0.01"), context=WIDE) + ZERO


def _sweep_rows(sweep: Sweep, mark: Decimal, policy: str, you: dict[str, Any] | None, hedge: Decimal | None,
                unabsorbed_by: str | None, fund_party: str | None) -> list[SweepRow]:
    """One row per shock: the shortfall's attribution (as the event's), and your outcome: the
    size closed, its price, the loss against the mark (and as a percent of your margin), and
    what is left of your position and of the hedge."""
    rows: list[SweepRow] = []
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
            "you_adl_price": p8(_d(sweep.you_adl_price[policy][i])),
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
        rows.append(cast(SweepRow, row))
    return rows


UNROUNDED = ("score", "sigma")
"""Keys whose numbers keep every digit: a ranking index, and the distribution's sigma (a
fraction, where 8 decimals would cut it to 7 significant digits)."""


def clean(value: Any, key: str = "") -> Any:
    """Amounts, sizes, prices and percents to 8 decimals (:func:`r8`), through dicts and lists;
    scores keep every digit (a ranking index, not an amount)."""
    if isinstance(value, Decimal):
        return value if key in UNROUNDED else r8(value)
    if isinstance(value, dict):
        return {k: clean(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, key) for v in value]
    return value



# -- the inputs -----------------------------------------------------------------------------


@dataclass
class Context:
    """What every path needs."""

    venue: Venue
    symbol: SymbolSpec
    calc: Calculator
    ranking: Ranking
    policy: Policy
    mark: Decimal
    you: PositionResult | None
    book: Book | None
    warnings: list[str]
    preset: Mapping[str, Any]
    """The preset used, as the JSON's ``preset`` object."""
    twin: Twin | None = None
    """An inverse contract: the trader's terms (``symbol``, ``calc`` and ``mark`` are its linear
    twin's, :mod:`liqcalc.app.adl_twin`)."""

    def said_side(self, side: str) -> str:
        """A side of the computation as the trader says it (a twin's is the other)."""
        if self.twin is None:
            return side
        return "short" if side == "long" else "long"


Number = Decimal | int | float | str
"""A number as the API takes it (text as the command line gives it)."""


def adl_risk(
    *,
    preset: str | os.PathLike[str],
    symbol: str,
    side: str | None = None,
    entry: Number | None = None,
    size: Number | None = None,
    notional: Number | None = None,
    leverage: Number | None = None,
    margin: Number | None = None,
    mark: Number | None = None,
    mode: str | None = None,
    wallet: Number | None = None,
    book: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | None = None,
    shock: Number | Sequence[Number] | None = None,
    liquidated_size: Number | None = None,
    bankruptcy_price: Number | None = None,
    liquidated_side: str | None = None,
    insurance_fund: Number | None = None,
    slippage_bps: Number | None = None,
    ranking: str | None = None,
    policy: str | None = None,
    hedge_size: Number | None = None,
    lights: int | None = None,
    top: int | None = None,
    seed: int | None = None,
    no_stale_warning: bool = False,
    vol: Number | None = None,
    horizon: str | None = None,
    tails: str | None = None,
    returns: str | os.PathLike[str] | Sequence[Number] | None = None,
    samples: int | None = None,
) -> AdlReport:
    """Your exposure to auto-deleveraging, as ``liqcalc adl-risk`` computes it: the keywords
    are its options in snake_case, and ``report.to_dict()`` is its ``--json`` object.

    ``preset`` is a name (``"binance"``) or a path to a preset file; ``book`` is a path (CSV or
    JSON lines), ``"sample:NAME"`` or a list of rows (mappings with
    the keys id, side, size, entry, margin or leverage, and optional wallet and mark).
    ``shock`` is a percent (``-10``: every mark 10% down), a ``"FROM:TO:STEP"`` sweep, or a
    list of percents to sweep. ``vol`` (annualized, percent) with ``horizon`` (``"8h"``, ``"1d"``)
    and optionally ``tails="student-t:NU"``, or ``returns`` (a path or a list of moves in
    percent), give a distribution of moves instead: ``report.expected`` holds the expected
    exposure over it (``samples`` points of a model, 1,000 by default). ``insurance_fund`` may be
    ``"FROM:TO:STEP"``: ``report.fund_needed`` is the fund at which the move shown no longer
    deleverages you. On an inverse (coin-margined) symbol sizes are contracts (``size``, the
    book's, ``liquidated_size``, ``hedge_size``), prices are the quote's and every amount is in
    the coin; ``report.contract`` is the symbol. An invalid input raises a :class:`liqcalc.core.errors.LiqcalcError`
    naming its keyword (``insurance_fund=: must be 0 or more, got -1``).

    Example::

        report = adl_risk(preset="binance", symbol="BTCUSDT", side="long", entry=60000, size=1,
                          leverage=20, mark=66000, book="sample:btcusdt", shock=8, insurance_fund=20000)
        report.you["rank"], report.you["loss_vs_mark"]   # 3, Decimal('4477.3889868')
        report.to_dict()                                 # the --json object
    """
    if isinstance(preset, os.PathLike):
        preset = os.fspath(preset)
    if isinstance(book, os.PathLike):
        book = os.fspath(book)
    if book == "-":
        raise InputError(keyword("book"), "\"-\" (standard input) is the command line's; give a path, "
                         "\"sample:NAME\" or a list of rows")
    from liqcalc.app.position import keywords

    with keywords():
        return run(
            {"preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional,
             "leverage": leverage, "margin": margin, "mode": mode, "wallet": wallet, "mark": mark},
            book=book, liquidated_size=liquidated_size, bankruptcy_price=bankruptcy_price, liquidated_side=liquidated_side,
            shock=shock, slippage_bps=DEFAULT_SLIPPAGE_BPS if slippage_bps is None else slippage_bps,
            insurance_fund=insurance_fund, ranking=ranking, policy="queue" if policy is None else policy,
            seed=0 if seed is None else seed, hedge_size=hedge_size, lights=lights, top=top,
            stale_warning=not no_stale_warning, name=keyword, error=InputError,
            vol=vol, horizon=horizon, tails=tails, returns=returns, samples=samples,
        )


def run(options: Mapping[str, Any], *, book: str | Sequence[Mapping[str, Any]] | None, liquidated_size: Any,
        bankruptcy_price: Any, liquidated_side: str | None, shock: Any, slippage_bps: Any, insurance_fund: Any,
        ranking: str | None, policy: str, seed: int, hedge_size: Any, lights: int | None, top: int | None,
        stale_warning: bool, name: Namer, error: type[InputError], vol: Any = None, horizon: Any = None,
        tails: Any = None, returns: Any = None, samples: Any = None) -> AdlReport:
    """Check the inputs, read the book and compute the report; ``name`` names an input in
    errors (the API's ``insurance_fund=``, the command line's ``--insurance-fund``) and
    ``error`` is the class of a bad value (the command line's exits with code 2)."""
    from liqcalc.presets.loader import load
    from liqcalc.presets.loader import stale_warning as age_warning

    def number(raw: Any, key: str, sign: str = "positive") -> Decimal | None:
        return _number(raw, key, name, error, sign=sign)

    given_options = {k: v for k, v in options.items() if v is not None}
    preset_name, symbol_name = given_options.get("preset"), given_options.get("symbol")
    if preset_name is None:
        raise error(name("preset"), "missing; give a preset name (binance, bybit, ...) or a .toml path")
    if symbol_name is None:
        raise error(name("symbol"), "missing; give the venue's symbol (BTCUSDT) or a base asset (BTC)")
    loaded = load(preset_name)
    venue = loaded.venue
    symbol = loaded.symbol(symbol_name)
    refuse_unmodelled(venue, symbol)
    chosen_ranking, chosen_policy = _choices(venue, ranking, policy, top=top, lights=lights, seed=seed, name=name,
                                             error=error)
    calc = Calculator(venue, symbol)
    you = _position(given_options, calc, name, error)
    market_mark = number(given_options.get("mark"), "mark")
    if market_mark is None:
        if you is None:
            raise error(name("mark"), "missing; give the market's mark price (or your position, whose entry it "
                             "defaults to)")
        market_mark = you.spec.mark

    from liqcalc.app.exposure import distribution as moves_of
    from liqcalc.app.exposure import parse_fund_range

    funds = parse_fund_range(insurance_fund, name, error, MAX_STEPS)
    fund = funds[0] if funds is not None else number(insurance_fund, "insurance_fund", sign="non_negative")
    slippage = number(slippage_bps, "slippage_bps", sign="non_negative")
    assert slippage is not None
    if slippage >= 10000:
        raise error(name("slippage_bps"), f"{slippage_bps} bps would fill at or below zero; give less than 10000 "
                         "(100%)")
    hedge = number(hedge_size, "hedge_size", sign="non_negative")
    if lights is not None:
        low, high = venue.adl.indicator_min, venue.adl.indicator_max
        if not ranking_rule(chosen_ranking).ranks or high <= low:
            raise error(name("lights"), f"{venue.name} shows no ADL indicator (its queue starts at random)")
        if not low <= lights <= high:
            raise error(name("lights"), f"{venue.name} shows {low} to {high}, got {lights}")

    event_size, event_price, event_side, shocks = _event(liquidated_size, bankruptcy_price, liquidated_side, shock,
                                                         has_book=book is not None, you=you, name=name, error=error)
    moves = moves_of(vol=vol, horizon=horizon, tails=tails, returns=returns, samples=samples, name=name, error=error)
    given_as = name("vol") if vol is not None else name("returns")
    if moves is not None:
        if shocks is not None or event_size is not None:
            raise UsageError(f"{given_as} is a distribution of moves: the event is each of its moves; give it without "
                             f"{name('shock') if shocks is not None else name('liquidated_size')}")
        if book is None:
            raise error(given_as, f"the moves are applied to a {name('book')}; give one (liqcalc book synth makes a model "
                                  "book from open interest)")
        if you is None:
            raise error(given_as, f"the expected exposure is your position's; give {name('side')}, {name('entry')}, "
                                  f"{name('size')} and {name('leverage')}")
    if funds is not None and shocks is None and moves is None:
        raise error(name("insurance_fund"), f"FROM:TO:STEP looks for the fund that stops a move from deleveraging you: "
                                            f"give a {name('shock')} or a distribution ({name('vol')}, {name('returns')}) "
                                            f"on a {name('book')}")

    warnings: list[str] = [reworded(w, name) for w in you.warnings] if you is not None else []
    if stale_warning and (old := age_warning(loaded)):
        warnings.insert(0, old)
    if moves is not None and moves[1] is not None:
        from liqcalc.app.exposure import returns_warnings

        warnings.extend(returns_warnings(moves[0].moves, moves[1]))
    checked = None if book is None else _read(book, market_mark, name)
    from liqcalc.app.books import SAMPLE

    if isinstance(book, str) and book.startswith(SAMPLE) and book.removeprefix(SAMPLE).casefold() != symbol.name.casefold():
        warnings.append(f"{book} is a book of {book.removeprefix(SAMPLE).upper()} positions, read here as {symbol.name}'s "
                        f"(sizes in {symbol.size_unit}): an example of the format, not this market's book")
    info = {"name": venue.name, "title": venue.title, "as_of": venue.as_of.isoformat(),
            "path": None if loaded.origin == "built-in" else str(loaded.path),  # as `position` does
            "origin": loaded.origin, "illustrative": venue.illustrative}
    ctx = Context(venue, symbol, calc, chosen_ranking, chosen_policy, market_mark, you, checked, warnings, info)

    inputs = AdlInputs(
        preset=preset_name, symbol=symbol.name, mark=market_mark,
        book=None if book is None else book if isinstance(book, str) else ROWS_ECHO,
        book_rows=len(checked.file) if checked else 0,
        liquidated_size=event_size, bankruptcy_price=event_price, liquidated_side=event_side,
        shock=None if shocks is None else _shock_echo(shock, shocks),
        slippage_bps=slippage,
        insurance_fund=fund if funds is None else {"from": funds[0], "to": funds[-1], "steps": len(funds)},
        ranking=chosen_ranking,
        ranking_from="--ranking" if ranking else "preset",
        policy=chosen_policy, seed=seed, hedge_size=hedge, lights=lights, top=top,
        position=None if you is None else {
            "side": you.spec.side, "size": you.spec.size, "entry": you.spec.entry, "leverage": you.spec.leverage,
            "margin": you.spec.margin, "mode": you.spec.mode, "wallet": you.spec.wallet,
        },
    )
    if symbol.inverse:
        return _inverse_report(ctx, inputs, checked, shocks, moves, slippage, fund, seed, funds)
    if shocks is not None or moves is not None:
        assert checked is not None
        return shock_report(ctx, inputs, checked, shocks or [], slippage, fund, seed, moves=moves, funds=funds)
    return event_report(ctx, inputs, event_side, event_size, event_price, fund, seed)


def _inverse_report(ctx: Context, inputs: AdlInputs, book: Book | None, shocks: list[Decimal] | None,
                    moves: tuple[Distribution, str | None] | None, slippage: Decimal, fund: Decimal | None, seed: int,
                    funds: list[Decimal] | None) -> AdlReport:
    """An inverse contract's report: computed on its linear twin (the trader's position, book,
    event, shocks and moves turned into it) and turned back (:mod:`liqcalc.app.adl_twin`)."""
    from liqcalc.app.adl_twin import Twin, linear_twin, shock_in, to_trader

    twin_moves = None
    twin = Twin(ctx.symbol, ctx.calc, ctx.mark, None if book is None else book.columns, tuple(shocks or ()))
    if moves is not None:
        distribution, mapping = twin.distribution(moves[0])
        twin = replace(twin, moves=mapping)
        twin_moves = (distribution, moves[1])
    symbol = linear_twin(ctx.symbol)
    mark = twin.price_in(ctx.mark)
    mine = ctx.you
    work = replace(ctx, symbol=symbol, calc=Calculator(ctx.venue, symbol), mark=mark,
                   you=None if mine is None else twin.result(mine), twin=twin)
    twin_inputs = twin.inputs(inputs, mark)
    token = EXACT_PRICES.set(True)
    try:
        if shocks is not None or moves is not None:
            assert book is not None
            # the float book's x carries 12 significant digits, read once (_d) and turned back
            # once: its reciprocal keeps 11 (66000, not 66000.0000001)
            twin = replace(twin, digits=FLOAT_DIGITS - 1)
            work.twin = twin
            report = shock_report(work, twin_inputs, twin.book(book), [shock_in(s) for s in shocks or []], slippage,
                                  fund, seed, moves=twin_moves, funds=funds)
        else:
            if book is not None and VECTOR_EVENTS:  # the queue from the float book: its prices keep 11 digits back
                twin = replace(twin, digits=FLOAT_DIGITS - 1)
                work.twin = twin
            side = twin_inputs.liquidated_side
            report = event_report(work, twin_inputs, cast("Side | None", side), twin_inputs.liquidated_size,
                                  twin_inputs.bankruptcy_price, fund, seed)
    finally:
        EXACT_PRICES.reset(token)
    return to_trader(report, twin, inputs, mine)


def _choices(venue: Venue, ranking: str | None, policy: str, *, top: Any, lights: Any, seed: Any, name: Namer,
             error: type[InputError]) -> tuple[Ranking, Policy]:
    """The queue's ranking (the preset's, or ``ranking``) and the allocation policy; ``top``,
    ``lights`` and ``seed`` checked to be whole numbers."""
    chosen_ranking: Ranking = venue.adl.ranking
    if ranking is not None:
        if ranking not in RANKINGS:
            raise error(name("ranking"), f"expected one of {', '.join(RANKINGS)}, got {ranking!r}")
        chosen_ranking = cast(Ranking, ranking)
    if policy not in ("queue", "pro-rata"):
        raise error(name("policy"), f"expected queue or pro-rata, got {policy!r}")
    for key, whole in (("top", top), ("lights", lights), ("seed", seed)):
        if whole is not None and (isinstance(whole, bool) or not isinstance(whole, int)):
            raise error(name(key), f"expected a whole number, got {whole!r}")
    if top is not None and top < 1:
        raise error(name("top"), f"must be at least 1, got {top}")
    return chosen_ranking, cast("Policy", policy.replace("-", "_"))


POSITION_KEYS = ("side", "entry", "size", "notional", "leverage", "margin", "mode", "wallet")
"""The inputs that describe your position (any of them given: you have one)."""


def _position(given_options: Mapping[str, Any], calc: Calculator, name: Namer,
              error: type[InputError]) -> PositionResult | None:
    """Your position through the core, or None when no input describes one."""
    from liqcalc.app.request import build

    if not any(k in given_options for k in POSITION_KEYS):
        return None
    # an inverse contract's --notional is USD, contracts = notional / face (as position reads it)
    request = build(given_options, name, fund_party=lambda _: calc.venue.fund_party, error=error).sized(calc.symbol)
    if len(request.specs) > 1:
        raise error(name("leverage"), "give one leverage (adl-risk evaluates one position)")
    result = _evaluate(calc, request.specs[0], name)
    from liqcalc.app.request import contracts_note

    note = contracts_note(calc.symbol, request.specs[0].size, request.notional)
    return result if note is None else replace(result, warnings=(note, *result.warnings))


def _event(liquidated_size: Any, bankruptcy_price: Any, liquidated_side: Any, shock: Any, *, has_book: bool,
           you: PositionResult | None, name: Namer,
           error: type[InputError]) -> tuple[Decimal | None, Decimal | None, Side | None, list[Decimal] | None]:
    """The event: a liquidation (its size, bankruptcy price and side), a shock (its percents),
    or none; and that there is something to rank (your position or a book)."""
    event_size = _number(liquidated_size, "liquidated_size", name, error)
    event_price = _number(bankruptcy_price, "bankruptcy_price", name, error)
    if (event_size is None) != (event_price is None):
        missing = name("bankruptcy_price") if event_price is None else name("liquidated_size")
        raise error(missing, f"missing; a liquidation event needs {name('liquidated_size')} and "
                         f"{name('bankruptcy_price')}")
    shocks = parse_shock(shock, name, error) if shock is not None else None
    if shocks is not None and event_size is not None:
        raise UsageError(f"{name('shock')} and {name('liquidated_size')} are two events; give one")
    event_side: Side | None = None
    if liquidated_side is not None:
        if shocks is not None:
            raise error(name("liquidated_side"), "a shock decides which side is liquidated (down: longs, up: "
                             "shorts)")
        lowered = liquidated_side.lower() if isinstance(liquidated_side, str) else liquidated_side
        if lowered not in ("long", "short"):
            raise error(name("liquidated_side"), f"expected long or short, got {liquidated_side!r}")
        event_side = cast(Side, lowered)
    elif event_size is not None:
        if you is None:
            raise error(name("liquidated_side"), "give long or short (no position of yours implies it)")
        event_side = "short" if you.spec.side == "long" else "long"
    if shocks is not None and not has_book:
        raise error(name("shock"), f"a shock liquidates positions of a {name('book')}; give one")
    if you is None and not has_book:
        raise UsageError(f"give your position ({name('side')}, {name('entry')}, {name('size')}, {name('leverage')}) or "
                         f"a {name('book')}, or both")
    return event_size, event_price, event_side, shocks


def _read(book: str | Sequence[Mapping[str, Any]], market_mark: Decimal, name: Namer) -> Book:
    """The book read and checked (rows without a mark take ``market_mark``)."""
    import gc

    # A book is 100,000s of small lists and strings that are never cyclic: the cyclic
    # collector would walk them again and again while they are built (about a third of
    # the reading time on 100,000 rows), so it waits until they are arrays.
    gc.disable()
    try:
        return check_book(read_book(book, name), market_mark)
    finally:
        gc.enable()


def _shock_echo(shock: Any, shocks: list[Decimal]) -> Decimal | dict[str, Any] | list[Decimal]:
    """The shock as the JSON echoes it: one percent, a sweep's ``{"from", "to", "steps"}``, or
    from Python a list of percents as given."""
    if isinstance(shock, str) and ":" in shock:
        return {"from": shocks[0], "to": shocks[-1], "steps": len(shocks)}
    if isinstance(shock, str | Decimal | int | float):
        return shocks[0]
    return list(shocks)


ROWS_ECHO = "rows"
"""What ``inputs.book`` echoes for a book given as rows from Python (a path echoes itself)."""


def _evaluate(calc: Calculator, spec: Any, name: Namer) -> PositionResult:
    """Your position through the core; its errors name the inputs as the caller does."""
    try:
        return calc.evaluate(spec)
    except LiqcalcError as problem:  # the core names its inputs by key
        raise problem.renamed(name) from None


def _number(raw: Any, key: str, name: Namer, error: type[InputError], *, sign: str = "positive") -> Decimal | None:
    """:func:`liqcalc.app.request.number` of one value, echoing a refused one as it was written."""
    from liqcalc.app.request import number

    return number({key: raw}, key, name, sign=sign, error=error, echo=_as_given)


def _as_given(raw: Any, value: Decimal) -> str:
    """A number in a message as the caller wrote it (text as typed; a Python number grouped)."""
    return raw if isinstance(raw, str) else given(value)


def parse_shock(raw: Any, name: Namer = keyword, error: type[InputError] = InputError) -> list[Decimal]:
    """``PCT`` or ``FROM:TO:STEP`` (percent, inclusive of TO when the steps land on it), or
    from Python a number or a list of numbers."""
    option = name("shock")

    def number(text: Any) -> Decimal:
        value = _number(text, "shock", name, error, sign="any")
        assert value is not None
        return value

    if isinstance(raw, str) and len(parts := raw.split(":")) == 3:
        start, stop, step = (number(p) for p in parts)
        if step == 0 or (stop - start) * step < 0:
            raise error(option, f"the step {step} does not lead from {start} to {stop}")
        count = int((stop - start) / step) + 1
        if count > MAX_STEPS:
            raise error(option, f"{count} steps; at most {MAX_STEPS}")
        values = [start + step * k for k in range(count)]
    elif isinstance(raw, str) and len(parts) != 1:
        raise error(option, f"expected PCT or FROM:TO:STEP (percent), got {raw!r}")
    elif isinstance(raw, str | Decimal | int | float):
        values = [number(raw)]
    else:
        items = list(raw) if isinstance(raw, Sequence) else []
        if not items:
            raise error(option, f"expected a percent, \"FROM:TO:STEP\" or a list of percents, got {raw!r}")
        if len(items) > MAX_STEPS:
            raise error(option, f"{len(items)} steps; at most {MAX_STEPS}")
        values = [number(item) for item in items]
    for v in values:
        if v <= -100:
            raise error(option, f"{v}% takes the mark to zero or below")
    return values


# -- an event (or none) on the book: Decimal ------------------------------------------------


def _holders(ctx: Context) -> list[Holder]:
    from liqcalc.core.adl import holder

    holders: list[Holder] = []
    if ctx.book is not None:
        twin = ctx.twin
        if twin is None:
            specs = book_specs(ctx.book, ctx.mark)
            results = evaluate_rows(ctx.calc, ctx.book, specs)
        else:  # each row on the trader's contract (its errors in contracts), then as the twin's
            specs = book_specs(ctx.book, twin.mark)
            results = [twin.result(r) for r in evaluate_rows(twin.calc, ctx.book, specs)]
        holders = [holder(r, id, n) for n, ((id, _), r) in enumerate(zip(specs, results, strict=True))]
    if ctx.you is not None:
        holders.append(holder(ctx.you, YOU, len(holders)))
    return holders


VECTOR_EVENTS = True
"""An event on a book (or the queue alone) runs on the vectorized book; the Decimal path below
stays the reference the tests hold it to (and answers a book the vectorized one refuses, naming
the row as the position core does)."""


def event_report(ctx: Context, inputs: AdlInputs, event_side: Side | None, size: Decimal | None, price: Decimal | None,
                 fund: Decimal | None, seed: int) -> AdlReport:
    """The queue, and an uncovered liquidation on it when one is given: on the vectorized book,
    or in Decimal (without a book, or as the reference)."""
    if ctx.book is not None and VECTOR_EVENTS:
        report = vector_event_report(ctx, inputs, event_side, size, price, fund, seed)
        if report is not None:
            return report
    from liqcalc.core.adl import Piece, allocate, rank

    venue = ctx.venue
    holders = _holders(ctx)
    you = ctx.you
    if event_side is not None:
        queue_side: Side = "short" if event_side == "long" else "long"
    else:
        queue_side = you.spec.side if you is not None else "long"
    queue = rank(holders, queue_side, ctx.ranking, low=venue.adl.indicator_min, high=venue.adl.indicator_max, seed=seed,
                 by_size=venue.adl.indicator_basis == "size")
    allocations: Mapping[Policy, Allocation] | None = None
    event: EventInfo | None = None
    if size is not None and price is not None and event_side is not None:
        # without a book the other side is taken to absorb it all (there is no queue to see)
        capacity = None if ctx.book is None else sum((r.holder.size for r in queue.rows), ZERO)
        hit, split, event = _uncovered(ctx, event_side, size, price, fund, capacity)
        if ctx.book is not None:
            pieces = [Piece(hit.adl_size, hit.adl_price)] if hit.adl_size > 0 else []
            allocations = allocate(queue, pieces, split.adl_covered + split.unabsorbed)
    return AdlReport.build(ctx=ctx, inputs=inputs, queue=queue, allocations=allocations, event=event)


def _uncovered(ctx: Context, event_side: Side, size: Decimal, price: Decimal, fund: Decimal | None,
               capacity: Decimal | None) -> tuple[Any, Any, EventInfo]:
    """An uncovered liquidation's arithmetic (one order: Decimal on both paths): what ADL is
    handed, who pays its shortfall, and the event as reported."""
    from liqcalc.core.adl import Handed, attribute, uncovered_liquidation

    venue = ctx.venue
    # "an uncovered liquidation": the fund pays only when insurance_fund says it can
    hit = uncovered_liquidation(event_side, size, price, ctx.mark, fund, venue.adl.price)
    if hit.shortfall == 0:
        said_mark, said_price = (ctx.mark, price) if ctx.twin is None else (ctx.twin.mark, r8(ctx.twin.price(price)))
        ctx.warnings.append(
            f"the mark {said_mark} is not beyond the bankruptcy price {said_price} "
            f"of the liquidated {ctx.said_side(event_side)}: filled at the "
            "mark it would leave no shortfall; the event is taken as given (an uncovered liquidation)")
    split = attribute([Handed(event_side, size, hit.shortfall, hit.fund_paid, hit.adl_size, hit.adl_price, ctx.mark,
                              ctx.mark)], capacity,
                      venue.adl.price, venue.adl.unabsorbed_by, fund_start=fund, fund_surplus_in=ZERO,
                      fund_left=None if fund is None else fund - hit.fund_paid)
    shown = accounting(fund_start=split.fund_start, fund_surplus_in=split.fund_surplus_in, fund_paid=split.fund_paid,
                       fund_left=split.fund_left, adl_covered=split.adl_covered, unabsorbed=split.unabsorbed,
                       unabsorbed_by=split.unabsorbed_by, deleveraged_size=split.deleveraged_size,
                       deleveraged_notional=split.deleveraged_notional, fund_party=venue.fund_party)
    event = EventInfo(kind="liquidation", liquidated_side=event_side, liquidated_size=size, bankruptcy_price=price,
                      adl_price=hit.adl_price, deficit=shown["adl_covered"] + shown["unabsorbed"], shock=None,
                      mark_after=None, liquidated_count=1, liquidated_notional=r8(size * price) or ZERO,
                      handed_size=r8(hit.adl_size) or ZERO, **shown)
    return hit, split, event


def vector_event_report(ctx: Context, inputs: AdlInputs, event_side: Side | None, size: Decimal | None,
                        price: Decimal | None, fund: Decimal | None, seed: int) -> AdlReport | None:
    """:func:`event_report` on the vectorized book: every row priced by
    :func:`liqcalc.core.book.price_book`, the queue ranked by the ranking's array form and
    allocated as :func:`liqcalc.core.adl.allocate` does (one liquidated order: every closed
    unit at its ADL price); the order itself in Decimal. None when the vectorized book cannot
    hold the book (a row it refuses, a waterfall it does not model): the Decimal path answers."""
    import numpy as np

    from liqcalc.core import book as vector

    assert ctx.book is not None
    book = ctx.book if ctx.twin is None else ctx.twin.book(ctx.book)
    columns, you_index = with_you(ctx, book.columns)
    try:
        priced = vector.price_book(ctx.venue, ctx.symbol, columns)
        model = vector.Book(ctx.venue, priced, ranking=ctx.ranking, slippage_bps=0.0, insurance_fund=None, seed=seed,
                            you=you_index, reciprocal=ctx.twin is not None)
    except (vector.BookRowError, vector.UnsupportedWaterfall):
        return None
    t = priced.tiers
    at_mark = priced.cols.size if t.base_unit else priced.cols.size * priced.cols.mark
    if t.ranged and not ctx.symbol.complete and bool((at_mark > t.cap[-1]).any()):
        return None  # a mark beyond a table known in part: the position core names the row and the mark
    venue, policy = ctx.venue, ctx.policy
    you = ctx.you
    if event_side is not None:
        queue_side: Side = "short" if event_side == "long" else "long"
    else:
        queue_side = you.spec.side if you is not None else "long"
    sign = side_sign(queue_side)
    queue, excluded, values = model.queue(sign)
    cols = priced.cols
    size_q = cols.size[queue]
    unit = np.maximum(0.0, cols.side[queue] * (cols.mark[queue] - cols.entry[queue]))  # profit a unit at the mark
    zero = np.zeros(queue.size)
    sizes = {"queue": zero, "pro_rata": zero}
    prices = {"queue": np.full(queue.size, np.nan), "pro_rata": np.full(queue.size, np.nan)}
    profit = {"queue": zero, "pro_rata": zero}
    event: EventInfo | None = None
    deficit = ZERO
    handed = np.zeros(0)
    handed_dec, adl_price_dec = ZERO, None
    if size is not None and price is not None and event_side is not None:
        capacity = _dz(float(size_q.sum()))
        hit, split, event = _uncovered(ctx, event_side, size, price, fund, capacity)
        handed_dec, adl_price_dec = hit.adl_size, hit.adl_price
        deficit = split.adl_covered + split.unabsorbed
        # adl.allocate with one piece: the queue takes whole positions in order (the last one
        # partly), each at the piece's price; pro-rata the same share of every winner's profit
        quantity = float(hit.adl_size) if hit.adl_size > 0 else 0.0
        handed = np.array([quantity])
        _, taken = vector.queue_taken(quantity, size_q)
        sizes["queue"] = taken
        prices["queue"] = np.where(taken > 0, float(hit.adl_price), np.nan)
        profit["queue"] = taken * unit
        winners = size_q * unit
        total = float(winners.sum())
        share = min(1.0, float(deficit) / total) if total > 0 and deficit > 0 else 0.0
        sizes["pro_rata"] = np.where(winners > 0, size_q * share, 0.0)
        prices["pro_rata"] = np.where(sizes["pro_rata"] > 0, float(hit.adl_price) if quantity > 0 else np.nan, np.nan)
        profit["pro_rata"] = winners * share
    empty = np.zeros(0)
    step = vector.Step(
        shock=0.0, factor=1.0, liquidated_side=-sign, liquidated=np.zeros(0, dtype=np.intp), fill=empty, shortfall=empty,
        fund_paid=empty, fund_received=empty, adl_deficit=empty, adl_size=handed, adl_price=empty, queue=queue,
        excluded=excluded, score=values, sizes=sizes, prices=prices, profit=profit, deficit=float(deficit),
    )
    rows, percentile, lights = _vector_rows(ctx, priced, step)
    policies = _vector_policies(step)
    for name in policies:
        policies[name]["deficit"] = deficit  # the Decimal deficit (adl.allocate's)
    fields: dict[str, Any] = {
        "venue_name": venue.name, "venue_title": venue.title, "quote": ctx.symbol.quote, "symbol": ctx.symbol.name,
        "inputs": inputs, "queue_side": queue_side, "ranking": ctx.ranking, "queue": rows, "excluded": int(excluded.size),
        "start": _vector_start(ctx, cols, step, queue_side), "you": None, "event": event, "policies": policies,
        "indicator_range": _indicator_range(ctx), "has_book": True, "adl_price_rule": venue.adl.price,
        "fund_party": venue.fund_party, "adl_notes": adl_notes(venue), "contract": ctx.symbol,
    }
    if excluded.size:
        ctx.warnings.append(_excluded_words(int(excluded.size), ctx.said_side(queue_side)))
    if you is not None:
        # as AdlReport.build: your place in the queue, or your own score against the side's formula
        spec = you.spec
        where = np.flatnonzero(queue == you_index)
        ranked = ranking_rule(ctx.ranking).ranks
        own_score = None
        if where.size:
            own_score = _d(values[int(where[0])]) if ranked else None
        elif spec.side != queue_side:
            from liqcalc.core.adl import holder, score

            own_score = score(ctx.ranking, holder(you, YOU, 0))
        summary = _you_base(spec.side, spec.size, spec.entry, spec.mark, you.liquidation_price, you.bankruptcy_price,
                            inputs, own_score, you.margin_balance)
        summary["on_liquidated_side"] = spec.side != queue_side
        if where.size:
            k = int(where[0])
            fields["you_index"] = k
            ahead_rows = queue[:k]
            summary.update(rank=k + 1, queue_count=int(queue.size), percentile=_d(percentile[k]) if ranked else None,
                           indicator=int(lights[k]) if lights is not None else None,
                           notional_ahead=_dz((cols.size[ahead_rows] * cols.mark[ahead_rows]).sum()))
            # your part in Decimal, as adl.allocate takes it (the size ahead of you read from the floats)
            mine: Decimal
            if policy == "queue":
                before = _dz(float(size_q[:k].sum()))
                mine = min(spec.size, max(ZERO, handed_dec - before))
            else:
                profits = _dz(float((size_q * unit).sum()))
                part = min(ONE, deficit / profits) if profits > 0 and deficit > 0 else ZERO
                mine = spec.size * part if unit[k] > 0 else ZERO
            _you_outcome(summary, spec.side, spec.size, spec.entry, spec.mark, mine,
                         adl_price_dec if mine > 0 and handed_dec > 0 else None, inputs.hedge_size, known=True)
        else:
            summary.update(rank=None, queue_count=int(queue.size), percentile=None, indicator=None, notional_ahead=None)
            _you_unranked(summary, spec, queue_side, event, venue, inputs.hedge_size)
        fields["you"] = summary
    return AdlReport._freeze(ctx, fields)


# -- a shock or a sweep: the vectorized book ------------------------------------------------


def shock_report(ctx: Context, inputs: AdlInputs, book: Book, shocks: list[Decimal], slippage: Decimal,
                 fund: Decimal | None, seed: int, *, moves: tuple[Distribution, str | None] | None = None,
                 funds: list[Decimal] | None = None) -> AdlReport:
    """One shock on the whole book, or a sweep (and the queue at the smallest shock that
    reaches you, else at the largest), on the vectorized book; or a distribution of moves
    (``moves``: the sweep at each of its moves, summed up in ``expected``, and the queue at the
    smallest move that reaches you, else at the largest)."""
    import numpy as np

    from liqcalc.core import book as vector

    columns = book.columns
    if ctx.twin is not None and ctx.twin.columns is not None:  # counted in contracts, on the trader's sides
        balance = balance_warning(ctx.twin.columns, ctx.twin.symbol.size_unit)
    else:
        balance = balance_warning(columns, ctx.symbol.base)
    if balance is not None:
        ctx.warnings.append(balance)
    columns, you_index = with_you(ctx, columns)
    try:
        priced = vector.price_book(ctx.venue, ctx.symbol, columns)
    except vector.BookRowError as error:
        raise InputError(f"{book.file.where(error.row)}: {error.field}", error.problem) from None
    model = vector.Book(ctx.venue, priced, ranking=ctx.ranking, slippage_bps=float(slippage),
                        insurance_fund=None if fund is None else float(fund), seed=seed, you=you_index,
                        reciprocal=ctx.twin is not None)
    sweep: Sweep | None = None
    extra: dict[str, Any] = {}
    if moves is not None:
        chosen, extra = _expected(ctx, inputs, model, moves, fund)
    else:
        values = np.array([float(s) for s in shocks])
        if len(shocks) == 1:
            chosen = shocks[0]
        else:
            sweep = model.sweep(values)
            reached = np.flatnonzero(sweep.you_adl_size[ctx.policy] > 0)
            magnitude = np.abs(values) if ctx.twin is None else ctx.twin.magnitude(values)
            if reached.size:
                by_size = reached[np.argsort(magnitude[reached], kind="stable")]
                chosen = shocks[int(by_size[0])]
            else:
                chosen = shocks[int(np.argmax(magnitude))]
    if funds is not None:
        from liqcalc.core.exposure import fund_needed

        # a shock: the move shown; a distribution: every one of its moves (p_adl falls to 0)
        targets = [float(chosen)] if moves is None else sorted(set(moves[0].moves))
        floats = [float(f) for f in funds]
        needed = fund_needed(model, targets, floats, ctx.policy)
        extra["fund_needed"] = None if needed is None else funds[floats.index(needed)]
        extra["fund_needed_for"] = {"shock": chosen if moves is None else None, "from": funds[0], "to": funds[-1],
                                    "steps": len(funds)}
    step: Step = model.step(float(chosen))
    report = AdlReport.from_step(ctx=ctx, inputs=inputs, priced=priced, step=step, shock=chosen, sweep=sweep,
                                 you_index=you_index)
    return replace(report, **extra) if extra else report


def with_you(ctx: Context, columns: Columns) -> tuple[Columns, int | None]:
    """The book's columns with your position appended as the last row (its index), if you have one."""
    if ctx.you is None:
        return columns, None
    spec = ctx.you.spec
    nan = float("nan")
    columns = columns.with_row(
        YOU, float(side_sign(spec.side)), float(spec.size), float(spec.entry), float(spec.mark),
        nan if spec.margin is None or spec.mode == "cross" else float(spec.margin),
        nan if spec.leverage is None else float(spec.leverage),
        nan if spec.wallet is None or spec.mode != "cross" else float(spec.wallet),
    )
    return columns, len(columns) - 1


BALANCE_SHARE = Decimal("1")
"""How far apart (percent of the larger side) a book's long and short open interest may be
before ``adl-risk`` warns: on a venue they are equal, so a book that is not overstates or hides
what the other side can absorb."""


def balance_warning(columns: Columns, base: str) -> str | None:
    """The warning for a book whose sides' sizes differ by more than :data:`BALANCE_SHARE`."""
    longs = float(columns.size[columns.side > 0].sum())
    shorts = float(columns.size[columns.side < 0].sum())
    larger, smaller = max(longs, shorts), min(longs, shorts)
    if larger <= 0:
        return None
    apart = (larger - smaller) / larger * 100
    if apart <= float(BALANCE_SHARE):
        return None
    more, less = ("longs", "shorts") if longs > shorts else ("shorts", "longs")
    return (f"the book's {less} hold {_d(smaller)} {base} against the {more}' {_d(larger)}: {apart:.1f}% less (more than "
            f"{BALANCE_SHARE}% apart); real open interest is equal on both sides, so an unbalanced "
            "book overstates or hides ADL (liqcalc book synth writes a balanced model book)")


def _expected(ctx: Context, inputs: AdlInputs, model: Any, moves: tuple[Distribution, str | None],
              fund: Decimal | None) -> tuple[Decimal, dict[str, Any]]:
    """The sweep at every move of the distribution, its expectation (``expected``), and the
    move the report is shown at: the smallest that reaches you, else the largest."""
    import numpy as np

    from liqcalc.core.exposure import expected, your_sweep

    distribution, source = moves
    policy = ctx.policy
    values = np.asarray(distribution.moves, dtype=np.float64)
    unique, back = np.unique(values, return_inverse=True)
    sweep = your_sweep(model, unique, policy)
    adl = sweep.adl_size[back]
    liquidated = sweep.liquidated[back]
    loss = sweep.loss_vs_mark[back]
    assert ctx.you is not None
    spec = ctx.you.spec
    hedge = float(inputs.hedge_size or 0)
    exposure = expected(distribution, adl, liquidated, loss, side=side_sign(spec.side), size=float(spec.size),
                        hedge=hedge)
    reached = np.flatnonzero(np.asarray(exposure.reached))
    magnitude = np.abs(values) if ctx.twin is None else ctx.twin.magnitude(values)
    if reached.size:
        k = int(reached[np.argsort(magnitude[reached], kind="stable")[0]])
    else:
        k = int(np.argmax(magnitude))
    chosen = Decimal(repr(float(values[k])))
    reaches: ReachesYou | None = None
    if reached.size:
        u = int(back[k])
        size = r8(_dz(sweep.adl_size[u])) or ZERO
        price = p8(_d(sweep.adl_price[u]))
        loss_k = r8(_dz(sweep.loss_vs_mark[u])) or ZERO
        reaches = {"shock": chosen, "mark": ctx.mark * (1 + chosen / 100), "adl_size": size, "adl_price": price,
                   "loss_vs_mark": loss_k, "loss_vs_mark_roe_percent": roe(loss_k, ctx.you.margin_balance)}
    block: dict[str, Any] = {
        "model": distribution.model,
        "sigma": _d(distribution.sigma),
        "horizon_days": None if distribution.horizon_days is None else _d(distribution.horizon_days),
        "horizon": distribution.horizon,
        "samples": distribution.samples,
        "vol": None if distribution.vol is None else _d(distribution.vol),
        "nu": None if distribution.nu is None else _d(distribution.nu),
        "returns": source,
        "p_adl": _d(exposure.p_adl),
        "p_liquidated": _d(exposure.p_liquidated),
        "expected_adl_size": _dz(exposure.expected_adl_size),
        "expected_loss_vs_mark": _dz(exposure.expected_loss_vs_mark),
        "loss_vs_mark_quantiles": {k: _dz(v) for k, v in exposure.loss_vs_mark_quantiles.items()},
        "expected_residual_exposure": _dz(exposure.expected_residual_exposure),
        "insurance_fund": fund,
        "fund_pays_everything": fund is None,
        "shown_at": chosen,
    }
    curve = {"move": unique, "weight": np.bincount(back, weights=np.asarray(distribution.weights)),
             "adl_size": np.where(sweep.liquidated, 0.0, sweep.adl_size), "loss_vs_mark": sweep.loss_vs_mark,
             "liquidated_notional": sweep.liquidated_notional, "fund_paid": sweep.fund_paid}
    shown = {key: tuple(float(v) for v in values) for key, values in curve.items()}
    return chosen, {"expected": block, "reaches_you": reaches, "curve": shown}
