"""A venue's rules as objects: each value a preset can name is one object with its Decimal
form (what :mod:`liqcalc.core.position` and :mod:`liqcalc.core.adl` call), its array form
(what the vectorized book, :mod:`liqcalc.core.book`, calls) and its words for the tables.

The core asks the rule; it never tests the rule's name. A new rule value is one new class and
one entry in its registry (:data:`CLOSE_FEES`, :data:`RANKINGS`), plus its name in the
preset schema's ``Literal`` (``liqcalc.core.model``), which validates preset files.

numpy is imported inside the array forms only: ``liqcalc position`` imports this module and
never a book.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, overload

from liqcalc.core.model import Side, Tier, side_sign
from liqcalc.core.numbers import ONE, ZERO, div

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from liqcalc.core.adl import Holder
    from liqcalc.core.book import Prepared, Priced
    from liqcalc.core.model import AdlPrice, CloseFee, MaintenanceBasis, MaintenanceRate, Ranking, SymbolSpec, TierBasis

    Array = NDArray[Any]


# -- the contract: linear or inverse -------------------------------------------------------


@dataclass(frozen=True)
class ContractRule:
    """How a contract's size and price map onto the core's linear equations (``contract_type``).

    The core's equations are linear: equity = A + s x q x (P - E), maintenance = q x P x rate
    - amount, all amounts in the margin asset. A linear contract is that, as given. An inverse
    contract of ``N`` contracts of face ``F`` (quote per contract) is the same equations in the
    reciprocal price ``x = 1/P``, with size ``F x N`` and the opposite side:

        PnL (coin) = s x N x F x (1/E - 1/P) = (-s) x (N x F) x (1/P - 1/E)
        value (coin) = N x F / P = (N x F) x x

    so maintenance (value x rate), fees, the bankruptcy and liquidation solves, tiers read on
    the value in the coin and the ADL scores of the BitMEX lineage ("Mark Value", "Avg Entry
    Value" in the coin, https://bitmex.com/app/autoDeleveraging ) are the linear ones in
    ``x``. Docs (inverse PnL, Binance COIN-M: "Unrealized PNL = position_size *
    contract_multiplier * Order Direction * (1 / Entry Price - 1 / Mark Price)"):
    https://binance.com/en-IN/support/announcement/a-beginner-s-guide-to-futures-trading-360039304272
    Bybit's inverse liquidation price for a long, ``Q x (MMR + 1) / (Q/EP + IM + ...)``, is
    this solve (https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account ).

    Attributes:
        name: the preset's string.
        inverse: prices are reciprocal and sides flipped in the core.
        words: what ``presets show`` and the tables say.
    """

    name: str
    inverse: bool
    words: str

    def side(self, side: Side) -> Side:
        """The core's side of a position of ``side``."""
        if not self.inverse:
            return side
        return "short" if side == "long" else "long"

    def size(self, size: Decimal, face: Decimal) -> Decimal:
        """The core's size: the base quantity, or contracts x face."""
        return size * face if self.inverse else size

    def price(self, price: Decimal) -> Decimal:
        """The core's price of a quoted price, and back (the reciprocal is its own inverse)."""
        return div(ONE, price) if self.inverse else price

    def price_or_none(self, price: Decimal | None) -> Decimal | None:
        """:meth:`price` of a price that may be missing."""
        return None if price is None else self.price(price)


#: Every ``contract_type`` a symbol can name.
CONTRACTS: dict[str, ContractRule] = {
    rule.name: rule
    for rule in (
        ContractRule("linear", False, "linear: size in the base asset, margin and PnL in the quote"),
        ContractRule("inverse", True, "inverse: size in contracts of a fixed quote value, margin and PnL in the coin"),
    )
}


def contract_rule(name: str) -> ContractRule:
    """The rule a symbol's ``contract_type`` names."""
    return CONTRACTS[name]


@dataclass(frozen=True)
class AddedMarginRule:
    """How margin added to an isolated position counts (``[margin] added_margin``).

    Attributes:
        name: the preset's string.
        net_of_taker: divided by 1 + taker rate (Bybit UTA inverse isolated: "Extra Margin
            Added ÷ (1 + Taker Fee Rate)",
            https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account ).
    """

    name: str
    net_of_taker: bool

    def counted(self, added: Decimal, taker: Decimal) -> Decimal:
        """What ``added`` margin adds to the position's margin balance."""
        return div(added, ONE + taker) if self.net_of_taker else added


#: Every ``added_margin`` a preset can name.
ADDED_MARGINS: dict[str, AddedMarginRule] = {
    rule.name: rule for rule in (AddedMarginRule("as_is", False), AddedMarginRule("divided_by_one_plus_taker", True))
}


def added_margin_rule(name: str) -> AddedMarginRule:
    """The rule a preset's ``added_margin`` names."""
    return ADDED_MARGINS[name]


# -- where the tier is read and where maintenance is valued ------------------------------


@dataclass(frozen=True)
class TierBasisRule:
    """Where a venue reads the tier (``[margin] tier_basis``).

    Attributes:
        name: the preset's string.
        at_liquidation: at the notional at the liquidation price, iterated until stable
            (Binance's stated rule, Hyperliquid, dYdX); else at the entry value (Bybit's
            formula, OKX, Bitget).
        words: what ``presets show`` says ("the tier is read at {words}").
    """

    name: str
    at_liquidation: bool
    words: str

    def ranged(self, symbol: SymbolSpec) -> bool:
        """Whether the tier moves with the price: read at the liquidation notional, in a table
        of notionals (a base-unit table is read at the size, the same at every price)."""
        return self.at_liquidation and symbol.tier_unit == "quote"


#: Every ``tier_basis`` a preset can name.
TIER_BASES: dict[str, TierBasisRule] = {
    rule.name: rule
    for rule in (
        TierBasisRule("liquidation_notional", True, "the notional at the liquidation price (solved to a fixed point)"),
        TierBasisRule("entry_notional", False, "the entry value"),
    )
}


def tier_basis_rule(name: TierBasis | str) -> TierBasisRule:
    """The rule a preset's ``tier_basis`` names."""
    return TIER_BASES[name]


@dataclass(frozen=True)
class MaintenanceBasisRule:
    """The price a venue values maintenance margin at (``[margin] maintenance_basis``).

    Attributes:
        name: the preset's string.
        at_entry: at the entry price, a constant in the price (Bybit: "MM = (Position Value
            x MMR) - Maintenance Margin Deduction", position value at entry
            https://testnet.bybit.com/en-US/help-center/s/article/Liquidation-Price-USDT-Contract );
            else at the price itself (Binance: "Maintenance Margin = Notional Position Value *
            Maintenance Margin Rate - Maintenance Amount").
        words: what ``presets show`` says ("valued at the {words} price").
    """

    name: str
    at_entry: bool
    words: str

    def line(self, size: Decimal, entry: Decimal, rate: Decimal, constant: Decimal) -> tuple[Decimal, Decimal]:
        """Maintenance margin as ``slope x price + intercept`` (Decimal form), given the
        rate and the constant (closing fee less the maintenance amount)."""
        if self.at_entry:
            return ZERO, size * entry * rate + constant
        return size * rate, constant

    def lines(self, size: Array, entry: Array, rate: Array, constant: Array) -> tuple[Array, Array]:
        """:meth:`line` for arrays (broadcast)."""
        import numpy as np

        if self.at_entry:
            return np.zeros_like(rate), size * entry * rate + constant
        return size * rate, constant + np.zeros_like(rate)

    def values_at(self, size: Array, entry: Array, rate: Array, constant: Array, price: Array) -> Array:
        """Maintenance margin at ``price`` (array form of ``line`` evaluated)."""
        if self.at_entry:
            return size * entry * rate + constant
        return size * rate * price + constant


#: Every ``maintenance_basis`` a preset can name.
MAINTENANCE_BASES: dict[str, MaintenanceBasisRule] = {
    rule.name: rule
    for rule in (MaintenanceBasisRule("liquidation_price", False, "liquidation"),
                 MaintenanceBasisRule("entry_price", True, "entry"))
}


def maintenance_basis_rule(name: MaintenanceBasis | str) -> MaintenanceBasisRule:
    """The rule a preset's ``maintenance_basis`` names."""
    return MAINTENANCE_BASES[name]


# -- how a tier's rates are given ---------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceRateRule:
    """How a venue states a tier's rates (``[margin] maintenance_rate``).

    ``tier`` and ``half_initial_at_max_leverage`` are settled when the preset is read (the
    rate stated, or derived from the tier's maximum leverage, Hyperliquid): the tier read from
    the table is the tier. ``size_scaled`` (Deribit) has no tier table but one row whose rates
    grow with the position's size: "IM = 2% + (POS Size in BTC) * 0.005%", "MM = 1% + (POS Size
    in BTC) * 0.005%" (https://support.deribit.com/hc/en-us/articles/25944738177565-Linear-Perpetual ;
    the inverse perpetuals: https://support.deribit.com/hc/en-us/articles/25944826427293-11-January-2022 ),
    the initial rate at size 0 being ``1 / max_leverage`` ("Maximum of 50X leverage ... enforced
    via ... Initial Margin (IM) level to 2%"). The tier of a position of a given size is that
    row at the size: its maintenance rate ``mmr + size x mmr_per_size`` and its maximum leverage
    ``1 / (1/max_leverage + size x imr_per_size)``, the reciprocal of the initial rate there.

    Attributes:
        name: the preset's string.
        scales: the rates grow with the size (the tier depends on the size, not on a table).
        words: what ``presets show`` says of the maintenance margin.
        read: what the tier basis reads ("{read} is read at the entry value").
    """

    name: str
    words: str
    scales: bool = False
    read: str = "the tier"

    def tier_at(self, tier: Tier, size: Decimal) -> Tier:
        """The tier a position of ``size`` (in the base coin: the symbol's tier measure) takes
        from the row ``tier`` it falls in: the row itself, or the row at that size."""
        if not self.scales:
            return tier
        return replace(tier, max_leverage=div(ONE, self.initial_rate(tier, size)), mmr=tier.mmr + size * tier.mmr_per_size)

    def limit(self, tier: Tier) -> Decimal | None:
        """The size at which the row's initial rate reaches 100%: no leverage is left for a
        position of it or more (None: no such size, or rates that do not grow)."""
        if not self.scales or tier.imr_per_size <= 0:
            return None
        return div(ONE - div(ONE, tier.max_leverage), tier.imr_per_size)

    @staticmethod
    def initial_rate(tier: Tier, size: Decimal) -> Decimal:
        """The row's initial-margin rate at ``size``: ``1 / max_leverage + size x imr_per_size``
        (Deribit: "2% + 25 * 0.005% = 2.125%")."""
        return div(ONE, tier.max_leverage) + size * tier.imr_per_size


#: Every ``maintenance_rate`` a preset can name.
MAINTENANCE_RATES: dict[str, MaintenanceRateRule] = {
    rule.name: rule
    for rule in (
        MaintenanceRateRule("tier", "notional x tier rate - maintenance amount"),
        MaintenanceRateRule("half_initial_at_max_leverage", "notional x tier rate - maintenance amount"),
        MaintenanceRateRule("size_scaled",
                            "notional x (rate + size x per-size factor), the initial rate likewise (maximum leverage = "
                            "1 / initial rate at the size; no tiers)", scales=True, read="the size (in the coin)"),
    )
}


def maintenance_rate_rule(name: MaintenanceRate | str) -> MaintenanceRateRule:
    """The rule a preset's ``maintenance_rate`` names."""
    return MAINTENANCE_RATES[name]


# -- the closing fee in maintenance margin ------------------------------------------------


@dataclass(frozen=True)
class CloseFeeRule:
    """How a venue puts the cost of closing into margin (``[margin] close_fee``).

    Attributes:
        name: the preset's string.
        words: what ``presets show`` says ("the maintenance margin is ... with {words}").
        in_rate: the taker rate is added to the tier's maintenance rate (OKX, Bitget).
        estimated: an estimated fee to close at the bankruptcy price sits in initial and
            maintenance margin and is still held at the bankruptcy price (Bybit UTA).
    """

    name: str
    words: str
    in_rate: bool = False
    estimated: bool = False

    @overload
    def rate_extra(self, taker: Decimal) -> Decimal: ...
    @overload
    def rate_extra(self, taker: float) -> float: ...
    def rate_extra(self, taker: Decimal | float) -> Decimal | float:
        """What is added to a tier's maintenance rate: the taker rate, or 0 (in the taker's
        form: Decimal for the core, float for the book)."""
        return taker if self.in_rate else taker * 0

    def rate_words(self, taker: str) -> str:
        """The rate's addition in a maintenance-margin note (``" + taker 0.05%"``, or "")."""
        return f" + taker {taker}" if self.in_rate else ""

    @overload
    def reserve_rate(self, taker: Decimal) -> Decimal: ...
    @overload
    def reserve_rate(self, taker: float) -> float: ...
    def reserve_rate(self, taker: Decimal | float) -> Decimal | float:
        """The fraction of the notional still held as equity at the bankruptcy price (the
        taker rate with the estimated fee, else 0; in the taker's form)."""
        return taker if self.estimated else taker * 0

    @overload
    def reserved(self, notional: Decimal, taker: Decimal) -> Decimal: ...
    @overload
    def reserved(self, notional: Array, taker: float) -> Array: ...
    def reserved(self, notional: Decimal | Array, taker: Decimal | float) -> Decimal | Array:
        """What a margin must exceed to leave any leverage: the fee to close at the entry
        notional (Bybit UTA), else 0 (Decimal, or an array of zeros)."""
        return notional * taker if self.estimated else notional * 0  # type: ignore[operator]

    def fee(self, s: int, size: Decimal, entry: Decimal, leverage: Decimal | None, taker: Decimal) -> Decimal:
        """The estimated fee to close (Decimal form; 0 unless ``estimated``).

        Docs (Bybit UTA isolated): "Initial Margin = (Position Value / Leverage) + Estimated
        Fee to Close Position", "Maintenance Margin = (Position Value x MMR) - Maintenance
        Margin Deduction + Estimated Fee to Close Position"
        https://www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account
        "Closing fee = number of contracts x bankruptcy price x taker fee rate", bankruptcy
        price = entry x (1 -/+ 1/leverage): https://mobie.io/faq/how-much-is-the-commission-fee-of-usdt-perpetual-contract-on-bybit
        Without a leverage (cross, no --leverage) the fee is estimated at the entry price. A
        long below 1x has no bankruptcy price (it would be below zero): the fee to close there
        is 0, never negative (so is an inverse short's, in its reciprocal twin).
        """
        if not self.estimated:
            return ZERO
        price = entry if leverage is None else entry * (ONE - div(Decimal(s), leverage))
        return size * max(price, ZERO) * taker

    def fees(self, s: Array, size: Array, entry: Array, leverage: Array, taker: float) -> Array:
        """:meth:`fee` for arrays (``leverage`` ``nan``: none, the fee at the entry price)."""
        import numpy as np

        if not self.estimated:
            return np.zeros(np.shape(size))
        none = np.isnan(leverage)
        price = np.where(none, entry, entry * (1 - s / np.where(none, 1.0, leverage)))
        return size * np.maximum(price, 0.0) * taker

    def cross_fee(self, size: Decimal, bankruptcy: Decimal | None, taker: Decimal) -> Decimal:
        """The estimated fee to close a cross position at its ``bankruptcy`` price (0 without
        one, or without the estimated fee): ``Calculator.cross_close_fee``."""
        if not self.estimated or bankruptcy is None:
            return ZERO
        return size * bankruptcy * taker

    def cross_fees(self, size: Array, bankruptcy: Array, taker: float) -> Array:
        """:meth:`cross_fee` for arrays (``bankruptcy`` ``nan``: none)."""
        import numpy as np

        if not self.estimated:
            return np.zeros(np.shape(size))
        fees: Array = size * np.nan_to_num(bankruptcy, nan=0.0) * taker
        return fees

    def implied_leverage(self, s: int, notional: Decimal, margin: Decimal, taker: Decimal) -> Decimal:
        """The leverage at which the initial margin equals ``margin`` (the caller checks that
        ``margin`` exceeds :meth:`reserved`). With the estimated fee, margin = notional/L +
        notional x (1 - s/L) x taker, so 1/L = (margin - notional x taker) / (notional x (1 - s x taker)).
        A long below 1x pays no fee at a bankruptcy price below zero (:meth:`fee`): margin =
        notional / L there, and the formula's leverage is then below 1 too."""
        if not self.estimated:
            return div(notional, margin)
        leverage = div(notional * (ONE - s * taker), margin - notional * taker)
        return div(notional, margin) if s > 0 and leverage < ONE else leverage

    def implied_leverages(self, s: Array, notional: Array, margin: Array, taker: float) -> Array:
        """:meth:`implied_leverage` for arrays (division by zero gives ``inf``/``nan``)."""
        import numpy as np

        if not self.estimated:
            return notional / margin
        leverage = notional * (1 - s * taker) / (margin - notional * taker)
        return np.where((s > 0) & (leverage < 1), notional / margin, leverage)


#: Every ``close_fee`` a preset can name.
CLOSE_FEES: dict[str, CloseFeeRule] = {
    rule.name: rule
    for rule in (
        CloseFeeRule("none", "no closing fee"),
        CloseFeeRule("taker_rate", "the taker rate added to the tier rate", in_rate=True),
        CloseFeeRule("estimated_close_at_bankruptcy",
                     "the estimated fee to close at the bankruptcy price (also in initial margin)", estimated=True),
    )
}


def close_fee_rule(name: CloseFee | str) -> CloseFeeRule:
    """The rule a preset's ``close_fee`` names."""
    return CLOSE_FEES[name]


# -- the ADL ranking ----------------------------------------------------------------------


class RankingRule:
    """How a venue orders the winning side's ADL queue (``[adl] ranking``).

    Class attributes:
        name: the preset's string.
        ranks: whether positions are scored (False: no order, the queue is a walk).
        choosable: offered by ``adl-risk --ranking``.
        deleverages: the venue has an ADL queue at all (False: ``none``, a clearing house).
        explained: the words of ``adl-risk``'s explanation ("ranked by {explained}").
        summary: the words of ``presets show`` ("ADL: ranked by {summary}").
        short: the compare table's cell.
    """

    name: ClassVar[str]
    ranks: ClassVar[bool] = True
    choosable: ClassVar[bool] = True
    deleverages: ClassVar[bool] = True
    explained: ClassVar[str] = ""
    summary: ClassVar[str]
    short: ClassVar[str]

    def score(self, h: Holder) -> Decimal | None:
        """``h``'s score (Decimal form; the caller sets the precision); None when the formula
        leaves it out, or when the rule does not rank."""
        return None

    def factors(self, side: Side, entry: Decimal, mark: Decimal, bankruptcy: Decimal | None) -> tuple[Decimal, Decimal] | None:
        """The score's two factors per unit of size where the explanation shows them (PnL% and
        effective leverage for ``pnl_x_leverage``); None for the other rules."""
        return None

    def scores(self, priced: Priced, rows: Array, mark: Array) -> tuple[Array, Array]:
        """Each row's score at ``mark`` and whether the formula ranks it (array form)."""
        import numpy as np

        return np.zeros(np.shape(rows)), np.ones(np.shape(rows), dtype=bool)

    def prepared_scores(self, prepared: Prepared, mark: Array | float, unrealized: Array) -> tuple[Array, Array | None]:
        """The array form on a side prepared once for a sweep (:class:`liqcalc.core.book.Prepared`:
        what does not depend on the mark, computed once), at ``mark`` (one price for every row, or
        each row's), given ``unrealized`` = side x size x (mark - entry): bit for bit the values of
        :meth:`scores` on the same rows (``tests/core/test_rules.py``); whether the formula ranks
        each row, or None when it ranks every row. A rule without a prepared form of its own
        computes :meth:`scores`."""
        import numpy as np

        rows = prepared.priced.cols.side
        return self.scores(prepared.priced, np.arange(rows.size), np.broadcast_to(mark, rows.shape))


class PnlXLeverage(RankingRule):
    """BitMEX's ranking, also Bybit's and OKX's "leverage PnL%".

    Docs (BitMEX): "Ranking = PNL Percentage * Effective Leverage (if PNL percentage > 0)
    = PNL Percentage / Effective Leverage (if PNL percentage < 0); Effective Leverage =
    abs(Mark Value) / (Mark Value - Bankrupt Value); PNL percentage = (Mark Value - Avg Entry
    Value) / abs(Avg Entry Value)" https://bitmex.com/app/autoDeleveraging
    """

    name = "pnl_x_leverage"
    explained = ("PnL% × effective leverage (PnL% ÷ effective leverage for a loss), highest first; effective "
                 "leverage = mark value / (mark value − bankruptcy value), so profit and leverage both move a "
                 "position forward")
    summary = "PnL% x effective leverage when in profit, PnL% / effective leverage otherwise (BitMEX lineage)"
    short = "PnL% x eff. leverage"

    def score(self, h: Holder) -> Decimal | None:
        """The Decimal form (the formula below, with its sources)."""
        return pnl_x_leverage(h.side, h.size, h.entry, h.mark, h.bankruptcy_price)

    def factors(self, side: Side, entry: Decimal, mark: Decimal, bankruptcy: Decimal | None) -> tuple[Decimal, Decimal] | None:
        """PnL% and effective leverage (:func:`pnl_x_leverage_factors`)."""
        return pnl_x_leverage_factors(side, entry, mark, bankruptcy)

    def scores(self, priced: Priced, rows: Array, mark: Array) -> tuple[Array, Array]:
        """The array form, line by line as the Decimal form."""
        import numpy as np

        cols = priced.cols
        s, q, entry = cols.side[rows], cols.size[rows], cols.entry[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            mark_value = s * q * mark
            avg_entry_value = s * q * entry
            bankrupt_value = s * q * np.nan_to_num(priced.bankruptcy[rows], nan=0.0)
            ok = mark_value - bankrupt_value > 0
            effective_leverage = np.abs(mark_value) / (mark_value - bankrupt_value)
            pnl_percentage = (mark_value - avg_entry_value) / np.abs(avg_entry_value)
            value = np.where(pnl_percentage > 0, pnl_percentage * effective_leverage, pnl_percentage / effective_leverage)
        return value, ok


class BinanceLeveragePnl(RankingRule):
    """Binance's "Leverage Pnl".

    https://dev.binance.vision/t/how-to-caculating-leverage-pnl-quantile/17801
    """

    name = "binance_leverage_pnl"
    explained = ("unrealized profit / wallet balance × margin ratio (maintenance margin / margin balance), "
                 "highest first: profit and leverage both move a position forward, and a losing position "
                 "scores 0")
    summary = "unrealized PnL / wallet balance x margin ratio (Binance LeveragePnL)"
    short = "PnL/wallet x margin ratio"

    def score(self, h: Holder) -> Decimal | None:
        """The Decimal form (the formula below, with its sources)."""
        return binance_leverage_pnl(h.unrealized_pnl, h.wallet_balance, h.maintenance_margin)

    def scores(self, priced: Priced, rows: Array, mark: Array) -> tuple[Array, Array]:
        """The array form, line by line as the Decimal form."""
        import numpy as np

        cols = priced.cols
        wallet_balance = priced.backing[rows]
        unrealized = cols.side[rows] * cols.size[rows] * (mark - cols.entry[rows])
        with np.errstate(divide="ignore", invalid="ignore"):
            maintenance = priced.maintenance(rows, mark)
            pnl_percent = np.maximum(0.0, unrealized) / np.maximum(1.0, wallet_balance)
            margin_balance = wallet_balance + unrealized
            margin_ratio = np.where(margin_balance <= 0, 0.0, maintenance / margin_balance)
            value = pnl_percent * margin_ratio
        return value, np.ones(np.shape(rows), dtype=bool)

    def prepared_scores(self, prepared: Prepared, mark: Array | float, unrealized: Array) -> tuple[Array, Array | None]:
        """The array form above on a prepared side: max(1, wallet balance) and the maintenance
        margin's tier read once, the temporaries reused (the same operations, in the same order)."""
        import numpy as np

        with np.errstate(divide="ignore", invalid="ignore"):
            maintenance = prepared.maintenance(mark)
            margin_balance = prepared.backing + unrealized
            margin_ratio = np.divide(maintenance, margin_balance, out=maintenance)
            np.copyto(margin_ratio, 0.0, where=margin_balance <= 0)
            del margin_balance  # (before the next array: a sweep's peak memory is here)
            pnl_percent = np.maximum(0.0, unrealized)
            pnl_percent /= prepared.wallet_floor
            pnl_percent *= margin_ratio
        return pnl_percent, None


class HyperliquidIndex(RankingRule):
    """Hyperliquid's sorting index.

    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging
    """

    name = "hyperliquid"
    explained = "(mark / entry) × (notional / account value), highest first"
    summary = "(mark / entry) x (notional / account value)"
    short = "mark/entry x notional/equity"

    def score(self, h: Holder) -> Decimal | None:
        """The Decimal form (the formula below, with its sources)."""
        return hyperliquid_index(h.mark, h.entry, h.notional, h.wallet_balance + h.unrealized_pnl)

    def scores(self, priced: Priced, rows: Array, mark: Array) -> tuple[Array, Array]:
        """The array form, line by line as the Decimal form."""
        import numpy as np

        cols = priced.cols
        q, entry = cols.size[rows], cols.entry[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            account_value = priced.backing[rows] + cols.side[rows] * q * (mark - entry)
            value = (mark / entry) * (q * mark / account_value)
        return value, account_value > 0


class BitgetScore(RankingRule):
    """Bitget's cross-margin ADL score: https://www.bitget.cloud/support/articles/12560603800805
    (the isolated formula was not retrieved)."""

    name = "bitget"
    explained = ("ROI × account maintenance-margin rate (ROI ÷ that rate for a loss), highest first; ROI = unrealized "
                 "PnL / entry value")
    summary = "ROI x account maintenance-margin rate when in profit, ROI / that rate otherwise"
    short = "ROI x/÷ account MMR"

    def score(self, h: Holder) -> Decimal | None:
        """The Decimal form (the formula below, with its sources)."""
        return bitget_score(h.unrealized_pnl, h.size * h.entry, h.maintenance_margin, h.wallet_balance + h.unrealized_pnl)

    def scores(self, priced: Priced, rows: Array, mark: Array) -> tuple[Array, Array]:
        """The array form, line by line as the Decimal form."""
        import numpy as np

        cols = priced.cols
        q, entry = cols.size[rows], cols.entry[rows]
        unrealized = cols.side[rows] * q * (mark - entry)
        with np.errstate(divide="ignore", invalid="ignore"):
            maintenance = priced.maintenance(rows, mark)
            equity = priced.backing[rows] + unrealized
            position_roi = unrealized / np.abs(q * entry)
            account_mmr = maintenance / equity
            value = np.where(position_roi > 0, position_roi * account_mmr, position_roi / account_mmr)
        return value, (equity > 0) & (maintenance > 0)

    def prepared_scores(self, prepared: Prepared, mark: Array | float, unrealized: Array) -> tuple[Array, Array | None]:
        """The array form above on a prepared side (the entry value and the maintenance margin's
        tier read once)."""
        import numpy as np

        with np.errstate(divide="ignore", invalid="ignore"):
            maintenance = prepared.maintenance(mark)
            equity = prepared.backing + unrealized
            position_roi = unrealized / prepared.entry_value
            account_mmr = maintenance / equity
            value = np.where(position_roi > 0, position_roi * account_mmr, position_roi / account_mmr)
        return value, (equity > 0) & (maintenance > 0)


class RandomStart(RankingRule):
    """dYdX v4: no ranking; deleveraging walks the side from a pseudo-random start
    (:func:`liqcalc.core.adl.random_start`)."""

    name = "random_start"
    ranks = False
    summary = "no ranking: counterparties from a random start"
    short = "random start"


class NoRanking(RankingRule):
    """A venue without ADL (a clearing house): no queue."""

    name = "none"
    ranks = False
    choosable = False
    deleverages = False
    summary = "no ADL"
    short = "none"


#: Every ``ranking`` a preset can name, in the order ``--ranking``'s help lists them.
RANKINGS: dict[str, RankingRule] = {
    rule.name: rule
    for rule in (PnlXLeverage(), BinanceLeveragePnl(), HyperliquidIndex(), BitgetScore(), RandomStart(), NoRanking())
}
#: The rankings ``adl-risk --ranking`` accepts.
CHOOSABLE_RANKINGS: tuple[str, ...] = tuple(name for name, rule in RANKINGS.items() if rule.choosable)


def ranking_rule(name: Ranking | str) -> RankingRule:
    """The rule a preset's (or ``--ranking``'s) ranking names."""
    return RANKINGS[name]


# -- the ADL price ------------------------------------------------------------------------


@dataclass(frozen=True)
class AdlPriceRule:
    """Where ADL closes the counterparties (``[adl] price``).

    Attributes:
        name: the preset's string.
        at_bankruptcy: at the liquidated order's bankruptcy price ("The trader's positions will
            be closed out at the bankruptcy price of the initial liquidated order",
            https://www.binance.com/en/support/faq/360033525471 ): each counterparty gives up
            the gap to the mark, so the counterparties cover what a closed unit lacks at the mark.
        at_mark: at the mark ("closed at the previous mark price",
            https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging ; OKX:
            "forcibly closed at the mark price", https://www.okx.com/help/iv-introduction-to-auto-deleveraging-adl ):
            the winners give up nothing against it, and the deficit stays with the preset's
            ``unabsorbed_by``.
        words: where the explanation says ADL closes ("at {words}").
    """

    name: str
    words: str
    at_bankruptcy: bool = False
    at_mark: bool = False

    @property
    def closes(self) -> bool:
        """Whether ADL closes anyone (False: ``none``)."""
        return self.at_bankruptcy or self.at_mark

    def closes_at(self, bankruptcy: Decimal | None, mark: Decimal) -> Decimal | None:
        """The ADL price of an order with ``bankruptcy`` price filled around ``mark`` (Decimal
        form; None where the venue has no ADL)."""
        if self.at_bankruptcy:
            return bankruptcy
        return mark if self.at_mark else None

    def closes_at_array(self, bankruptcy: Array, mark: Array) -> Array:
        """:meth:`closes_at` for arrays (a ``nan`` bankruptcy price, none, closes at 0)."""
        import numpy as np

        return np.nan_to_num(bankruptcy, nan=0.0) if self.at_bankruptcy else mark


#: Every ADL ``price`` a preset can name.
ADL_PRICES: dict[str, AdlPriceRule] = {
    rule.name: rule
    for rule in (AdlPriceRule("bankruptcy", "the bankruptcy price", at_bankruptcy=True),
                 AdlPriceRule("mark", "the mark price", at_mark=True), AdlPriceRule("none", "no price"))
}


def adl_price_rule(name: AdlPrice | str) -> AdlPriceRule:
    """The rule a preset's ADL ``price`` names."""
    return ADL_PRICES[name]


# -- the scores' Decimal formulas ---------------------------------------------------------
# (imported under these names by liqcalc.core.adl, where they were first written)


def pnl_x_leverage(side: Side, size: Decimal, entry: Decimal, mark: Decimal, bankruptcy: Decimal | None) -> Decimal | None:
    """BitMEX's ranking, also Bybit's and OKX's "leverage PnL%".

    Docs (BitMEX): "Ranking = PNL Percentage * Effective Leverage (if PNL percentage > 0)
    = PNL Percentage / Effective Leverage (if PNL percentage < 0); Effective Leverage =
    abs(Mark Value) / (Mark Value - Bankrupt Value); PNL percentage = (Mark Value - Avg Entry
    Value) / abs(Avg Entry Value)" https://bitmex.com/app/autoDeleveraging
    Bybit: "derived in order of highest profit and effective leverage use"
    https://help.bybit.com/hc/en-us/articles/900000031623-What-is-Auto-Deleveraging-ADL- ;
    OKX: "leverage PnL% = position's PnL% x effective leverage"
    https://www.ouchyi.work/en-gb/help/iv-introduction-to-auto-deleveraging-adl

    Values are signed (a short's value is negative), so the same lines serve both sides. A 1x
    long has no positive bankruptcy price: its bankrupt value is 0. None when the mark is at
    or beyond the bankruptcy price (effective leverage undefined: the position is itself
    being liquidated, not ranked).
    """
    s = side_sign(side)
    mark_value = s * size * mark
    avg_entry_value = s * size * entry
    bankrupt_value = s * size * (bankruptcy if bankruptcy is not None else ZERO)
    if mark_value - bankrupt_value <= 0:
        return None
    effective_leverage = abs(mark_value) / (mark_value - bankrupt_value)
    pnl_percentage = (mark_value - avg_entry_value) / abs(avg_entry_value)
    if pnl_percentage > 0:
        return pnl_percentage * effective_leverage
    return pnl_percentage / effective_leverage


def binance_leverage_pnl(unrealized_profit: Decimal, wallet_balance: Decimal, maintenance_margin: Decimal) -> Decimal:
    """Binance's "Leverage Pnl" (STATED-3P, the FAQ's table as quoted on Binance's forum):
    "Pnl Percent = max(0, Unrealized Profit) / max(1, Wallet Balance); Margin Ratio = 0 if
    (WB + UPnL) <= 0, = Maintenance Margin / (Wallet Balance + Unrealized Profit) otherwise;
    Leverage Pnl = Pnl Percent x Margin Ratio"
    https://dev.binance.vision/t/how-to-caculating-leverage-pnl-quantile/17801
    (the FAQ: https://www.binance.com/en/support/faq/360033525471).
    """
    pnl_percent = max(ZERO, unrealized_profit) / max(ONE, wallet_balance)
    margin_balance = wallet_balance + unrealized_profit
    margin_ratio = ZERO if margin_balance <= 0 else maintenance_margin / margin_balance
    return pnl_percent * margin_ratio


def hyperliquid_index(mark_price: Decimal, entry_price: Decimal, notional_position: Decimal, account_value: Decimal) -> Decimal | None:
    """Hyperliquid's sorting index.

    Docs: "(mark_price / entry_price) * (notional_position / account_value)"
    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging

    The docs give one formula for both sides; it is applied as written. ``account_value`` is
    the position's margin plus its unrealized PnL; None when it is not positive ("If a user's
    account value ... becomes negative" that user is the one being deleveraged against).
    """
    if account_value <= 0:
        return None
    return (mark_price / entry_price) * (notional_position / account_value)


def bitget_score(unrealized_pnl: Decimal, entry_value: Decimal, maintenance_margin: Decimal, equity: Decimal) -> Decimal | None:
    """Bitget's cross-margin ADL score.

    Docs: "Profitable position: ADL score = position ROI x account
    maintenance margin rate; Loss-making position: ADL score = position ROI / account
    maintenance margin rate; Position ROI = unrealized PnL / abs (position value calculated at
    average entry price)" https://www.bitget.cloud/support/articles/12560603800805

    The isolated-margin formula was not retrieved (venues.md §14); this cross formula is used
    for every position. The account maintenance margin rate is read as maintenance margin /
    equity (liquidation at 100%), the same ratio as ``liqcalc position``'s margin ratio.
    None when equity is not positive.
    """
    if equity <= 0 or maintenance_margin <= 0:
        return None
    position_roi = unrealized_pnl / abs(entry_value)
    account_mmr = maintenance_margin / equity
    if position_roi > 0:
        return position_roi * account_mmr
    return position_roi / account_mmr


def pnl_x_leverage_factors(side: Side, entry: Decimal, mark: Decimal,
                           bankruptcy: Decimal | None) -> tuple[Decimal, Decimal] | None:
    """The two factors of :func:`pnl_x_leverage` per unit of size: the PnL percentage (as a
    fraction) and the effective leverage; None where the score has none (the mark at or beyond
    the bankruptcy price)."""
    s = side_sign(side)
    mark_value = s * mark
    bankrupt_value = s * (bankruptcy if bankruptcy is not None else ZERO)
    if mark_value - bankrupt_value <= 0:
        return None
    return (mark_value - s * entry) / entry, abs(mark_value) / (mark_value - bankrupt_value)
