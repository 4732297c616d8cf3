"""Auto-deleveraging: each venue's queue score, the queue, its indicator, and who is closed.

Everything here is Decimal and pure. The whole-book shock sweep has a vectorized float twin
in :mod:`liqcalc.core.book`, which a test checks against :func:`cascade` below.

Sources (shared/reference/venues.md §1, §2.4, §3.4, §4.3, §5.3, §6.3, §7.3, §8, §13):

- BitMEX lineage (BitMEX, Bybit, OKX): https://bitmex.com/app/autoDeleveraging
- Binance "LeveragePnL": https://www.binance.com/en/support/faq/360033525471 , formula as
  quoted on https://dev.binance.vision/t/how-to-caculating-leverage-pnl-quantile/17801
- Hyperliquid: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging
- Bitget: https://www.bitget.cloud/support/articles/12560603800805
- dYdX v4: https://github.com/dydxprotocol/v4-chain/blob/84d4664bae71e3a077adaac67fb77ad19cd28d30/protocol/x/clob/keeper/deleveraging.go
- Queue versus pro-rata, overshoot: Chitra, arXiv 2512.01112, https://arxiv.org/abs/2512.01112v3
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Context, Decimal, localcontext
from typing import Literal

from liqcalc.core.model import AdlPrice, Bearer, Party, Ranking, Side, SymbolSpec, Venue, side_sign
from liqcalc.core.numbers import ONE, ZERO, context
from liqcalc.core.position import Calculator, PositionResult, PositionSpec
from liqcalc.core.rules import adl_price_rule, ranking_rule, tier_basis_rule
from liqcalc.core.rules import binance_leverage_pnl as binance_leverage_pnl
from liqcalc.core.rules import bitget_score as bitget_score
from liqcalc.core.rules import hyperliquid_index as hyperliquid_index
from liqcalc.core.rules import pnl_x_leverage as pnl_x_leverage
from liqcalc.core.rules import pnl_x_leverage_factors as pnl_x_leverage_factors
from liqcalc.core.tiers import echo

Policy = Literal["queue", "pro_rata"]
HUNDRED = Decimal(100)
BPS = Decimal(10000)


@dataclass(frozen=True, slots=True)
class Holder:
    """One position of the book, with what every venue's ranking needs.

    Attributes:
        id: the position's id in the book (``you`` for the trader's own).
        side: ``long`` or ``short``.
        size: base quantity.
        entry: average entry price.
        mark: the mark price it is valued at.
        wallet_balance: what backs the position: the isolated margin, or the cross wallet
            (Binance "Wallet Balance", Hyperliquid's account value before unrealized PnL).
        maintenance_margin: the maintenance margin at ``mark`` (from the tier table).
        bankruptcy_price: where its equity is zero (None: no positive price, a 1x long).
        liquidation_price: where its equity meets maintenance margin (None: never).
        order: its place in the book (ties in the queue keep the book's order).
        close_fee: Bybit UTA's estimated closing fee inside its maintenance margin (else 0).
    """

    id: str
    side: Side
    size: Decimal
    entry: Decimal
    mark: Decimal
    wallet_balance: Decimal
    maintenance_margin: Decimal
    bankruptcy_price: Decimal | None
    liquidation_price: Decimal | None
    order: int
    close_fee: Decimal = ZERO

    @property
    def unrealized_pnl(self) -> Decimal:
        """``side x size x (mark - entry)``."""
        return side_sign(self.side) * self.size * (self.mark - self.entry)

    @property
    def notional(self) -> Decimal:
        """``size x mark``."""
        return self.size * self.mark


def holder(result: PositionResult, id: str, order: int) -> Holder:
    """A :class:`Holder` from the position core's result (prices from the preset's tiers; the
    closing fee the result's maintenance margin holds)."""
    spec = result.spec
    return Holder(
        id=id, side=spec.side, size=spec.size, entry=spec.entry, mark=spec.mark,
        wallet_balance=result.margin_balance, maintenance_margin=result.maintenance_margin,
        bankruptcy_price=result.bankruptcy_price, liquidation_price=result.liquidation_price, order=order,
        close_fee=result.close_fee,
    )


# -- the venues' scores -------------------------------------------------------------------


# The formulas (pnl_x_leverage, binance_leverage_pnl, hyperliquid_index, bitget_score), their
# array forms and their words are the ranking rules of liqcalc.core.rules.


def score(ranking: Ranking, h: Holder) -> Decimal | None:
    """``h``'s score under ``ranking``; None for ``random_start``/``none`` and for a position
    the formula leaves out (beyond its bankruptcy price at the mark).
    """
    with localcontext(context()):
        return ranking_rule(ranking).score(h)


# -- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A position's place in its side's ADL queue.

    Attributes:
        holder: the position.
        score: its score (None for ``random_start``).
        rank: 1 for the first position the venue closes.
        percentile: the share of the side's ranked positions with a score at or below its own,
            in percent (Binance: "Leverage Pnl Quantile = rank(user.Leverage Pnl) / Total User
            Count"); 100 is the head of the queue. None for ``random_start``.
        indicator: the lights the venue would show (None where it shows none).
    """

    holder: Holder
    score: Decimal | None
    rank: int
    percentile: Decimal | None
    indicator: int | None


@dataclass(frozen=True, slots=True)
class Queue:
    """One side's queue: ``rows`` in the order the venue closes them; ``excluded`` holds the
    positions the formula leaves out (beyond their bankruptcy price at the mark).
    """

    side: Side
    ranking: Ranking
    rows: tuple[QueueRow, ...]
    excluded: tuple[Holder, ...]
    start: int | None = None
    """``random_start`` only: the index (in book order) the walk starts from."""


def indicator(at_or_below: int, count: int, low: int, high: int) -> int | None:
    """The venue's lights for a position with ``at_or_below`` of the side's ``count`` ranked
    positions scoring at or below it: ``high - low + 1`` equal bands of the percentile,
    computed in integers (the band is ``ceil(at_or_below x bands / count)``).

    Binance "Values 0, 1, 2, 3, 4 shows the queue position and possibility of ADL from low to
    high" (GET /fapi/v1/adlQuantile, https://developers.binance.com/docs/derivatives/portfolio-margin/trade/UM-Position-ADL-Quantile-Estimation);
    Bybit ``adlRankIndicator`` 1-5; BitMEX "your priority in the queue in 20% increments".
    """
    if high <= low or count <= 0:
        return None
    bands = high - low + 1
    band = -(-at_or_below * bands // count)
    return low + max(1, min(bands, band)) - 1


def indicator_by_size(through: Decimal, total: Decimal, low: int, high: int) -> int | None:
    """The lights of a position when the bands divide the side's ranked size: ``through`` is the
    size from the head of the queue through this position, of ``total``; the first band
    (``ceil(through x bands / total)`` = 1) shows ``high``.

    Docs (BitMEX, "your priority in the queue in 20% increments"; its example prints accounts of
    10, 20, 30, 10, 10 and 20 contracts in queue order at 20%, 40%, 60%, 80%, 80% and 100%: the
    cumulative size, not the count, https://www.bitmex.com/app/autoDeleveragingExamples ).
    """
    if high <= low or total <= 0:
        return None
    bands = high - low + 1
    band = int((through * bands / total).to_integral_value(rounding=ROUND_CEILING))
    return high - max(1, min(bands, band)) + 1


def lights_band(lights: int, low: int, high: int) -> tuple[Decimal, Decimal]:
    """The percentile range (exclusive low, inclusive high) an indicator value stands for."""
    bands = Decimal(high - low + 1)
    n = Decimal(lights - low)
    return n / bands * HUNDRED, (n + 1) / bands * HUNDRED


def random_start(count: int, seed: int) -> int:
    """Where the dYdX v4 walk starts (in book order).

    Docs (dYdX v4): "Start from a random subaccount" (``pseudoRand.Intn(numSubaccounts)``), then walk
    on, wrapping around (deleveraging.go, link in the module docstring). The chain seeds its
    generator from the block; liqcalc seeds it with ``--seed`` so that a run can be repeated.
    """
    return random.Random(seed).randrange(count) if count else 0


def rank(holders: Sequence[Holder], side: Side, ranking: Ranking, *, low: int, high: int, seed: int = 0,
         first_among_equals: str | None = "you", by_size: bool = False) -> Queue:
    """The queue of ``side``: highest score first ("ranks the positions from highest to lowest",
    BitMEX). Equal scores keep the book's order, except that ``first_among_equals`` (your
    position) goes ahead of its equals: the pessimistic reading for you. With ``by_size`` (the
    preset's ``indicator_basis = "size"``) the percentile is the share of the side's ranked size
    at or below a position, and the indicator bands that size (:func:`indicator_by_size`).
    """
    with localcontext(context()):
        mine = [h for h in holders if h.side == side]
        if not ranking_rule(ranking).ranks:
            ordered = sorted(mine, key=lambda h: h.order)
            start = random_start(len(ordered), seed)
            walk = ordered[start:] + ordered[:start]
            rows = tuple(QueueRow(h, None, n + 1, None, None) for n, h in enumerate(walk))
            return Queue(side, ranking, rows, (), start)
        scored: list[tuple[Decimal, Holder]] = []
        excluded: list[Holder] = []
        for h in mine:
            value = score(ranking, h)
            if value is None:
                excluded.append(h)
            else:
                scored.append((value, h))
        scored.sort(key=lambda pair: (-pair[0], 0 if pair[1].id == first_among_equals else 1, pair[1].order))
        count = len(scored)
        total = sum((h.size for _, h in scored), ZERO)
        through = ZERO
        ranked: list[QueueRow] = []
        for n, (value, h) in enumerate(scored):
            if by_size and total > 0:
                percentile = (total - through) / total * HUNDRED
                through += h.size
                lights = indicator_by_size(through, total, low, high)
            else:
                percentile = Decimal(count - n) / Decimal(count) * HUNDRED
                lights = indicator(count - n, count, low, high)
            ranked.append(QueueRow(h, value, n + 1, percentile, lights))
        return Queue(side, ranking, tuple(ranked), tuple(excluded))


# -- who is closed ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    """``size`` of a liquidated order that ADL closes at ``price`` (the order's bankruptcy
    price, or the mark, by the venue's rule).
    """

    size: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class Allocation:
    """What one policy takes from each row of a queue.

    Attributes:
        policy: ``queue`` (the venue's greedy queue) or ``pro_rata`` (Chitra's haircut).
        sizes: base quantity closed per row, in queue order.
        prices: the average price each row is closed at (None where nothing is closed).
        profit_taken: per row, the unrealized profit at the mark of the closed size: what
            the paper counts as taken from a winner (haircut).
        deficit: the money ADL has to cover (the shortfall the fund did not pay).
        overshoot: profit taken beyond the deficit (0 when the profit taken does not reach it).
        uncovered_size: liquidated size the side could not absorb (queue).
    """

    policy: Policy
    sizes: tuple[Decimal, ...]
    prices: tuple[Decimal | None, ...]
    profit_taken: tuple[Decimal, ...]
    deficit: Decimal
    overshoot: Decimal
    uncovered_size: Decimal

    @property
    def closed_size(self) -> Decimal:
        """Total base quantity closed."""
        return sum(self.sizes, ZERO)

    @property
    def total_profit_taken(self) -> Decimal:
        """Total profit taken."""
        return sum(self.profit_taken, ZERO)


def queue_fill(sizes: Sequence[Decimal], quantity: Decimal) -> list[Decimal]:
    """The greedy queue: whole positions in rank order until ``quantity`` is covered.

    The last one is closed partly. BitMEX: "Account 2 will have their entire position of 10 contracts closed,
    while the remaining 10 contracts ... will be assigned to account 5"
    https://www.bitmex.com/app/autoDeleveragingExamples
    """
    left = max(quantity, ZERO)
    taken: list[Decimal] = []
    for size in sizes:
        take = min(size, left)
        taken.append(take)
        left -= take
    return taken


def pro_rata_share(profits: Sequence[Decimal], deficit: Decimal) -> Decimal:
    """The fraction of every winner's positive PnL that pro-rata takes.

    Chitra (arXiv 2512.01112, https://arxiv.org/abs/2512.01112v3; venues.md §13.1): "pro-rata
    haircut h_i = D x p_i / sum p_j", p_i a winner's positive PnL, D the shortfall. The unit
    pro-rated is money (profit, in the quote currency), not contracts: every profitable
    position gives up the same fraction of its profit, capped at all of it.
    """
    total = sum((p for p in profits if p > 0), ZERO)
    if total <= 0 or deficit <= 0:
        return ZERO
    return min(ONE, deficit / total)


def _prices_along(pieces: Sequence[Piece], sizes: Sequence[Decimal]) -> list[Decimal | None]:
    """Average price of each consecutive stretch ``sizes`` of the liquidated pieces, matched
    in order (the first liquidated order meets the head of the queue).
    """
    out: list[Decimal | None] = []
    n, used = 0, ZERO  # current piece, and how much of it is used
    for size in sizes:
        if size <= 0:
            out.append(None)
            continue
        need, value = size, ZERO
        while need > 0 and n < len(pieces):
            take = min(need, pieces[n].size - used)
            value += take * pieces[n].price
            need -= take
            used += take
            if used >= pieces[n].size:
                n, used = n + 1, ZERO
        out.append(value / (size - need) if size > need else None)
    return out


def allocate(queue: Queue, pieces: Sequence[Piece], deficit: Decimal) -> dict[Policy, Allocation]:
    """Both policies on ``queue`` for the liquidated ``pieces`` and the money ``deficit``.

    Queue: :func:`queue_fill` of the pieces' total size; each row closes at the prices of the
    pieces it meets. Pro-rata: each profitable row gives up :func:`pro_rata_share` of its
    profit, by closing that share of its position (the closed part carries exactly that
    profit) at the pieces' average price. Overshoot, as in Chitra (§13.1): "queue: sort by
    score, close whole positions in order until sum of closed PnL >= D; overshoot = sum of
    closed PnL - D", the closed PnL being each closed size's unrealized profit at the mark.
    """
    with localcontext(context()):
        quantity = sum((p.size for p in pieces), ZERO)
        sizes = [r.holder.size for r in queue.rows]
        profits = [max(ZERO, r.holder.unrealized_pnl) for r in queue.rows]
        unit_profit = [p / s for p, s in zip(profits, sizes, strict=True)]
        average = sum((p.size * p.price for p in pieces), ZERO) / quantity if quantity > 0 else None

        taken = queue_fill(sizes, quantity)
        queue_profit = [t * u for t, u in zip(taken, unit_profit, strict=True)]
        result: dict[Policy, Allocation] = {
            "queue": Allocation(
                "queue", tuple(taken), tuple(_prices_along(pieces, taken)), tuple(queue_profit), deficit,
                max(ZERO, sum(queue_profit, ZERO) - deficit), quantity - sum(taken, ZERO),
            )
        }
        share = pro_rata_share(profits, deficit)
        pro_sizes = [s * share if p > 0 else ZERO for s, p in zip(sizes, profits, strict=True)]
        pro_profit = [p * share for p in profits]
        # Pro-rata takes min(D, sum p) exactly (sum of h_i = share x sum p); summing the rounded
        # shares could show an overshoot of 1e-31, so the overshoot is taken from that identity.
        total = sum(profits, ZERO)
        result["pro_rata"] = Allocation(
            "pro_rata", tuple(pro_sizes), tuple(average if a > 0 else None for a in pro_sizes), tuple(pro_profit),
            deficit, max(ZERO, min(deficit, total) - deficit), ZERO,
        )
        return result


# -- where every unit of a shortfall goes ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handed:
    """One liquidated order that leaves a shortfall, and the part of it handed to ADL.

    Attributes:
        side: the liquidated order's side.
        size: its size.
        shortfall: what its equity lacks at its fill (``size x |bankruptcy - fill|``).
        fund_paid: the part of that the fund pays.
        adl_size: the part of the order handed to ADL, ``size x (shortfall - fund_paid) /
            shortfall``: what the fund leaves unpaid, as a share of the order.
        adl_price: where ADL closes it (the order's bankruptcy price, or the mark).
        fill: the price its shortfall is measured at.
        mark: the mark the counterparties are valued at.
    """

    side: Side
    size: Decimal
    shortfall: Decimal
    fund_paid: Decimal
    adl_size: Decimal
    adl_price: Decimal
    fill: Decimal
    mark: Decimal


@dataclass(frozen=True, slots=True)
class Attribution:
    """Every unit of a move's shortfall, with its payer: ``shortfall == fund_paid + adl_covered
    + unabsorbed`` (exactly, in Decimal) and ``fund_paid <= fund_start + fund_surplus_in``.

    Attributes:
        shortfall: what is missing: each order's shortfall at its fill, except that the size
            ADL closes is counted at the mark (it leaves the book against the counterparties,
            not through the market, so it pays no slippage).
        fund_start: the fund before the move (None: not given; uncapped).
        fund_surplus_in: surpluses of the move's liquidations that flowed into the fund.
        fund_paid: what the fund paid.
        fund_left: the fund after the move (None: not given).
        adl_covered: what the deleveraged side gives up against the mark. Bankruptcy-price
            rule: each closed unit's gap between the bankruptcy price and the mark (nothing
            where the mark is not beyond the bankruptcy price). Mark-price rule: nothing: the
            counterparties are closed at the mark, and the deficit stays with ``unabsorbed_by``.
        unabsorbed: the rest: the liquidated size the other side cannot absorb (at its fill)
            and, under the mark-price rule, the deficit of the size ADL closes at the mark.
        unabsorbed_by: who bears ``unabsorbed``, from the preset (None: it does not say).
        deleveraged_size: the size ADL actually closed (at most what the other side holds).
        deleveraged_notional: that size at the ADL prices.
        closed: per handed order, the size ADL closed.
    """

    shortfall: Decimal
    fund_start: Decimal | None
    fund_surplus_in: Decimal
    fund_paid: Decimal
    fund_left: Decimal | None
    adl_covered: Decimal
    unabsorbed: Decimal
    unabsorbed_by: Bearer | None
    deleveraged_size: Decimal
    deleveraged_notional: Decimal
    closed: tuple[Decimal, ...]


def attribute(handed: Sequence[Handed], capacity: Decimal | None, rule: AdlPrice, unabsorbed_by: Bearer | None, *,
              fund_start: Decimal | None, fund_surplus_in: Decimal, fund_left: Decimal | None) -> Attribution:
    """Split the shortfall of ``handed`` (in the order the move crosses them) between the fund,
    the ADL counterparties and ``unabsorbed_by``.

    ADL closes the handed sizes in order (the first liquidated order meets the head of the
    queue) up to ``capacity``, the size the other side holds (None: all of it). A closed unit
    lacks what its equity lacks at the mark M instead of the fill F (equity moves by
    ``side x (price - F)`` a unit): ``max(0, shortfall/size - side x (M - F))``. At the
    bankruptcy price the counterparty pays it by closing at that price instead of M ("The
    trader's positions will be closed out at the bankruptcy price of the initial liquidated
    order", https://www.binance.com/en/support/faq/360033525471 ); at the mark nobody on the
    other side does ("closed at the previous mark price",
    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging ). (Where the
    bankruptcy price keeps a closing-fee reserve, Bybit's, the counterparty gives up that reserve
    too; it is not part of the shortfall.) A unit the other side cannot absorb keeps its
    deficit at the fill.
    """
    with localcontext(context()):
        left = capacity
        closed: list[Decimal] = []
        total = covered = unabsorbed = paid = size = notional = ZERO
        for h in handed:
            c = h.adl_size if left is None else min(h.adl_size, left)
            if left is not None:
                left -= c
            closed.append(c)
            at_fill = h.shortfall / h.size if h.size > 0 else ZERO  # per unit, at the fill
            gap = max(ZERO, at_fill - side_sign(h.side) * (h.mark - h.fill))  # per unit, at the mark
            at_mark = c * gap
            rest = (h.adl_size - c) * at_fill
            paid += h.fund_paid
            total += h.fund_paid + at_mark + rest
            if adl_price_rule(rule).at_bankruptcy:
                covered += at_mark
                unabsorbed += rest
            else:
                unabsorbed += at_mark + rest
            size += c
            notional += c * h.adl_price
        return Attribution(total, fund_start, fund_surplus_in, paid, fund_left, covered, unabsorbed, unabsorbed_by,
                           size, notional, tuple(closed))


# -- a shock on a whole book (the Decimal reference of liqcalc.core.book) ------------------

#: The precision crossing orders are compared at: 12 significant digits, the book's 40 bits of
#: mantissa (``liqcalc.core.book.TIE_BITS``); closer values are equal.
TIES = Context(prec=12)


@dataclass(frozen=True, slots=True)
class Liquidation:
    """One book position liquidated by a shock.

    Attributes:
        holder: the position (at the original mark).
        fill_price: where its liquidation order fills (shocked mark, with slippage).
        shortfall: what its equity lacks at the fill (0 when there is a surplus).
        fund_paid: the part of the shortfall the fund pays.
        fund_received: what the fund receives from its surplus (fee and rest, by the waterfall).
        adl_deficit: the part of the shortfall left to ADL.
        adl_size: the part of the position ADL closes: ``size x adl_deficit / shortfall``.
        adl_price: where ADL closes it.
    """

    holder: Holder
    fill_price: Decimal
    shortfall: Decimal
    fund_paid: Decimal
    fund_received: Decimal
    adl_deficit: Decimal
    adl_size: Decimal
    adl_price: Decimal


@dataclass(frozen=True, slots=True)
class Shock:
    """A move of every mark by ``shock`` percent and what follows.

    Attributes:
        shock: the move in percent (-10: every mark 10% lower).
        liquidated_side: the side whose liquidation prices are crossed.
        liquidations: those positions, in the order the move crosses them.
        queue: the other side's queue at the shocked marks.
        allocations: both policies on that queue.
        fund_left: the fund after the cascade (None: uncapped).
        attribution: who pays each unit of the shortfall (:func:`attribute`).
        warnings: non-fatal remarks (a shocked notional read in a complete table's last tier).
    """

    shock: Decimal
    liquidated_side: Side
    liquidations: tuple[Liquidation, ...]
    queue: Queue
    allocations: Mapping[Policy, Allocation]
    fund_left: Decimal | None
    attribution: Attribution
    warnings: tuple[str, ...] = ()

    @property
    def liquidated_notional(self) -> Decimal:
        """Size times fill price of every liquidated position."""
        return sum((x.holder.size * x.fill_price for x in self.liquidations), ZERO)

    @property
    def fund_paid(self) -> Decimal:
        """What the fund paid of the shortfalls."""
        return sum((x.fund_paid for x in self.liquidations), ZERO)

    @property
    def deficit(self) -> Decimal:
        """What the fund leaves unpaid: ``adl_covered + unabsorbed``."""
        return self.attribution.adl_covered + self.attribution.unabsorbed

    @property
    def handed_size(self) -> Decimal:
        """Base quantity handed to ADL (what the fund left unpaid, as a share of the orders)."""
        return sum((x.adl_size for x in self.liquidations), ZERO)

    @property
    def deleveraged_size(self) -> Decimal:
        """Base quantity ADL actually closes (at most what the other side holds)."""
        return self.attribution.deleveraged_size

    @property
    def deleveraged_notional(self) -> Decimal:
        """That quantity at the ADL prices."""
        return self.attribution.deleveraged_notional


def shocked(h: Holder, calc: Calculator, mark: Decimal, warnings: list[str] | None = None, *,
            field: str = "mark") -> Holder:
    """``h`` valued at a new mark: maintenance margin from the tier the new notional is in
    (:func:`maintenance_at`: beyond a complete table its last tier, with a warning appended to
    ``warnings``; beyond a table known in part, an error naming ``field``).
    """
    return replace(h, mark=mark, maintenance_margin=maintenance_at(calc, h, mark, h.close_fee, warnings, field=field))


def maintenance_at(calc: Calculator, h: Holder, mark: Decimal, close_fee: Decimal, warnings: list[str] | None = None,
                   *, field: str = "mark") -> Decimal:
    """Maintenance margin of ``h`` at ``mark``: tier at the mark notional where the venue reads
    it at the liquidation notional, else the entry tier (as ``Calculator.evaluate``).

    Beyond the last tier, the position core's rule (``Calculator.tier_at_mark``): a complete
    table's last tier, with a warning appended to ``warnings``; a table known in part is
    refused with an :class:`~liqcalc.core.errors.InputError` naming ``field``.
    """
    ranged = tier_basis_rule(calc.venue.margin.tier_basis).ranged(calc.symbol)
    if ranged:
        tier = calc.tier_at_mark(h.size, mark, ranged, [] if warnings is None else warnings, field=field)
    else:
        tier = calc.tier_at(h.size, h.entry, "entry notional")
    return calc.maintenance(tier, h.size, h.entry, close_fee).at(mark)


def cascade(
    venue: Venue,
    symbol: SymbolSpec,
    positions: Sequence[tuple[str, PositionSpec]],
    *,
    shock: Decimal,
    slippage_bps: Decimal,
    insurance_fund: Decimal | None,
    ranking: Ranking,
    seed: int = 0,
    low: int,
    high: int,
    reciprocal: bool = False,
) -> Shock:
    """Move every mark by ``shock`` percent; liquidate each position whose liquidation price is
    crossed, filled at the shocked mark worsened by ``slippage_bps``; settle each by the
    venue's waterfall (``liqcalc.core.waterfall.settle``, through ``Calculator.evaluate``) with
    the fund capped at what is left of ``insurance_fund`` (None: uncapped), in the order the
    move crosses them; deleverage what the fund does not pay from the other side's queue.

    A one-shot move: the liquidations do not move the mark further. ``reciprocal``: the book is
    an inverse contract's linear twin (prices x = 1/P), whose fill ``slippage_bps`` worse in P is
    ``x / (1 + s' b)`` for the twin's side s' (as :class:`liqcalc.core.book.Book` fills it).
    """
    with localcontext(context()):
        calc = Calculator(venue, symbol)
        fund = venue.fund_party
        results = [calc.evaluate(spec) for _, spec in positions]
        holders = [holder(r, id, n) for n, ((id, _), r) in enumerate(zip(positions, results, strict=True))]
        factor = ONE + shock / HUNDRED
        losing: Side = "long" if shock < 0 else "short"
        slip = slippage_bps / BPS

        def crossed(h: Holder) -> bool:
            new_mark = h.mark * factor
            lp = h.liquidation_price
            return shock != 0 and h.side == losing and lp is not None and side_sign(h.side) * (new_mark - lp) <= 0

        hit = [n for n, h in enumerate(holders) if crossed(h)]
        # crossed first: the highest long liquidation prices as the price falls, the lowest short ones as it rises
        # (by liquidation price over mark, since each position may carry its own mark)
        # crossing order, ties kept in book order: the ratio to 12 significant digits, as the
        # book rounds its float keys (liqcalc.core.book.tie_key): two positions at the same entry
        # and leverage cross together, and the 34th digit of a division must not order them
        hit.sort(key=lambda n: (TIES.plus(-side_sign(losing) * holders[n].liquidation_price / holders[n].mark), n))  # type: ignore[operator]
        balance = insurance_fund
        liquidations: list[Liquidation] = []
        handed: list[Handed] = []
        surplus_in = ZERO
        for n in hit:
            h, spec = holders[n], positions[n][1]
            new_mark = h.mark * factor
            fill = (new_mark / (ONE + side_sign(h.side) * slip) if reciprocal
                    else new_mark * (ONE - side_sign(h.side) * slip))
            caps: dict[Party, Decimal] = {} if balance is None or fund is None else {fund: balance}
            w = calc.evaluate(replace(spec, mark=new_mark), fill=fill, caps=caps).waterfalls[-1]
            # the fund's own payment (under the mark rule a fund may also bear what ADL closes:
            # that part is the waterfall's ``unabsorbed``, attributed below)
            paid = sum((f.amount for f in w.flows if f.source == fund and f.what == "shortfall"), ZERO)
            received = sum((f.amount for f in w.flows if f.target == fund), ZERO)
            adl = w.handed_to_adl
            if balance is not None:
                balance = balance - paid + received
            surplus_in += received
            at = adl_price_rule(venue.adl.price).closes_at(h.bankruptcy_price or ZERO, new_mark)
            adl_price = new_mark if at is None else at
            adl_size = h.size * adl / w.shortfall if w.shortfall > 0 else ZERO
            liquidations.append(Liquidation(h, fill, w.shortfall, paid, received, adl, adl_size, adl_price))
            if w.shortfall > 0:
                handed.append(Handed(h.side, h.size, w.shortfall, paid, adl_size, adl_price, fill, new_mark))
        winning: Side = "short" if losing == "long" else "long"
        warnings: list[str] = []
        field = f"{{shock}} {echo(shock)}"
        moved = [shocked(h, calc, h.mark * factor, warnings, field=f"{field} (position {h.id})")
                 for h in holders if h.side == winning]
        queue = rank(moved, winning, ranking, low=low, high=high, seed=seed, by_size=venue.adl.indicator_basis == "size")
        pieces = [Piece(x.adl_size, x.adl_price) for x in liquidations if x.adl_size > 0]
        capacity = sum((r.holder.size for r in queue.rows), ZERO)
        attribution = attribute(handed, capacity, venue.adl.price, venue.adl.unabsorbed_by,
                                fund_start=insurance_fund, fund_surplus_in=surplus_in, fund_left=balance)
        # the deficit the policies answer for: what the fund leaves unpaid
        allocations = allocate(queue, pieces, attribution.adl_covered + attribution.unabsorbed)
        return Shock(shock, losing, tuple(liquidations), queue, allocations, balance, attribution,
                     tuple(dict.fromkeys(warnings)))


@dataclass(frozen=True, slots=True)
class Uncovered:
    """An uncovered liquidation as ADL sees it.

    Attributes:
        shortfall: what the liquidated order leaves missing at the mark (0 when the mark is
            not beyond its bankruptcy price).
        fund_paid: what the fund pays of it, within ``fund`` (0 when no fund is given: the
            liquidation is uncovered).
        adl_size: the liquidated size handed to ADL: the whole order without a shortfall (the
            event taken as given), else the unpaid share of it.
        adl_price: the price ADL closes at (the order's bankruptcy price, or the mark).
    """

    shortfall: Decimal
    fund_paid: Decimal
    adl_size: Decimal
    adl_price: Decimal

    @property
    def deficit(self) -> Decimal:
        """What the fund leaves unpaid."""
        return self.shortfall - self.fund_paid


def uncovered_liquidation(side: Side, size: Decimal, bankruptcy_price: Decimal, mark: Decimal, fund: Decimal | None,
                          adl_price: AdlPrice) -> Uncovered:
    """A liquidated ``side`` of ``size`` with ``bankruptcy_price``, filled at ``mark``: the
    shortfall, what ``fund`` pays of it (None: nothing, the liquidation is uncovered), and the
    size and price handed to ADL (``adl_price`` is the venue's rule: bankruptcy or mark)."""
    s = side_sign(side)
    shortfall = max(ZERO, -s * size * (mark - bankruptcy_price))
    fund_paid = ZERO if fund is None else min(fund, shortfall)
    deficit = shortfall - fund_paid
    adl_size = size if shortfall == 0 else size * deficit / shortfall
    at = adl_price_rule(adl_price).closes_at(bankruptcy_price, mark)
    return Uncovered(shortfall, fund_paid, adl_size, mark if at is None else at)
