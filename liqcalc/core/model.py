"""Immutable records of the core: a venue's rules, a symbol's tier table, a position.

These are frozen dataclasses rather than pydantic models on purpose: the core is on the
start-up path of every ``liqcalc position`` call, and defining fifteen pydantic models costs
about 50 ms where these cost about 6 ms (measured; see README, "Performance"). Pydantic
validates at the boundaries instead: preset files (``liqcalc.presets.schema``) and inputs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, get_args, overload

if TYPE_CHECKING:
    from numpy.typing import NDArray

Side = Literal["long", "short"]
Party = Literal[
    "trader",
    "insurance_fund",
    "backstop_vault",
    "liquidator",
    "adl_counterparties",
    "socialized_loss",
    "clearing_member",
    "guaranty_fund",
]
PARTIES: tuple[str, ...] = get_args(Party)

TierBasis = Literal["liquidation_notional", "entry_notional"]
MaintenanceBasis = Literal["liquidation_price", "entry_price"]
#: How a tier's maintenance rate is given: stated per tier; half the initial rate at the tier's
#: maximum leverage (Hyperliquid); or growing with the position's size (Deribit: IM = base +
#: size x factor, MM likewise, one row and no tiers).
MaintenanceRate = Literal["tier", "half_initial_at_max_leverage", "size_scaled"]
CloseFee = Literal["none", "taker_rate", "estimated_close_at_bankruptcy"]
Ranking = Literal[
    "pnl_x_leverage", "binance_leverage_pnl", "hyperliquid", "bitget", "random_start", "none"
]
AdlPrice = Literal["bankruptcy", "mark", "none"]
#: What the ADL indicator's bands divide: the count of ranked positions (Binance, Bybit), or
#: their size, cumulated from the head of the queue (BitMEX's printed percentiles).
IndicatorBasis = Literal["count", "size"]
#: Who bears the part of a shortfall that neither the fund nor the ADL counterparties pay
#: (``[adl] unabsorbed_by`` of a preset): the venue itself, a backstop vault, the fund, or the
#: day's winners under socialized loss.
Bearer = Literal["venue", "insurance_fund", "backstop_vault", "socialized_loss"]
SymbolKind = Literal["perpetual", "delivery"]
TierUnit = Literal["quote", "base"]
#: A linear contract is worth a quantity of the base asset and settles in the quote; an
#: inverse contract is worth a fixed amount of the quote (USD, ``face_value``) and settles in
#: the base coin: PnL = contracts x face x (1/entry - 1/exit) for a long.
ContractType = Literal["linear", "inverse"]
#: How margin added to an isolated position counts: as given, or divided by 1 + taker rate
#: (Bybit's UTA inverse isolated formula, ``[margin] added_margin``).
AddedMargin = Literal["as_is", "divided_by_one_plus_taker"]


def side_sign(side: Side) -> int:
    """+1 for a long, -1 for a short (the ``side`` of every venue's formula)."""
    return 1 if side == "long" else -1


@dataclass(frozen=True, slots=True)
class Tier:
    """One row of a venue's tier (bracket, risk-limit) table.

    Attributes:
        number: 1-based position in the table (Binance "bracket", Bybit risk id order).
        floor: notional above which the tier applies (quote currency, exclusive).
        cap: notional up to which it applies (inclusive); ``None`` where the venue states no cap.
        max_leverage: the highest leverage allowed for a position in this tier.
        mmr: maintenance-margin rate of the tier.
        maint_amount: the amount subtracted from ``notional x mmr`` (Binance "maintenance
            amount", Bybit "mmDeduction", Hyperliquid "maintenance_deduction").
        imr_per_size: under the ``size_scaled`` rate rule, what each unit of size (in the base
            coin) adds to the initial-margin rate ``1 / max_leverage`` (Deribit "Increase
            Factor"); 0 elsewhere.
        mmr_per_size: likewise for the maintenance rate ``mmr``; 0 elsewhere.
    """

    number: int
    floor: Decimal
    cap: Decimal | None
    max_leverage: Decimal
    mmr: Decimal
    maint_amount: Decimal
    imr_per_size: Decimal = Decimal(0)
    mmr_per_size: Decimal = Decimal(0)

    def contains(self, notional: Decimal) -> bool:
        """``floor < notional <= cap``; the first tier also holds a notional of 0."""
        above_floor = notional > self.floor or (self.floor == 0 and notional >= 0)
        return above_floor and (self.cap is None or notional <= self.cap)


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """A tradable contract of a venue and its tier table.

    Attributes:
        name: the venue's own spelling (``BTCUSDT``, ``BTC-USDT-SWAP``, ``BTC``).
        base: the base asset (``BTC``).
        quote: the quote (and margin) currency of notionals and prices.
        kind: ``perpetual`` or ``delivery``.
        complete: ``False`` when only the first tiers are known; a position beyond them is an
            error rather than a guess.
        liquidation_fee: this symbol's liquidation-fee rate where it differs from the venue's.
        tiers: the tier table, sorted by floor, contiguous.
        tier_unit: what the tier bounds measure: the notional in the margin asset (the quote
            of a linear contract; for an inverse one, its value in the settle coin, contracts
            x face / price), or the position size in the base asset (OKX states its tiers in
            contracts, a fixed base quantity each).
        contract_type: ``linear`` (size in the base asset, money in the quote) or ``inverse``
            (size in contracts of ``face_value`` quote each, money in the base coin).
        face_value: the quote amount one inverse contract is worth (1 for linear, unused).
    """

    name: str
    base: str
    quote: str
    kind: SymbolKind
    complete: bool
    liquidation_fee: Decimal | None
    tiers: tuple[Tier, ...]
    tier_unit: TierUnit = "quote"
    contract_type: ContractType = "linear"
    face_value: Decimal = Decimal(1)

    @property
    def inverse(self) -> bool:
        """Whether the contract is inverse (coin-margined)."""
        return self.contract_type == "inverse"

    @property
    def margin_asset(self) -> str:
        """The asset margin, PnL, fees and every amount are in: the quote, or an inverse
        contract's base coin."""
        return self.base if self.contract_type == "inverse" else self.quote

    @property
    def size_unit(self) -> str:
        """What a size counts: the base asset, or an inverse contract's contracts."""
        return "contracts" if self.contract_type == "inverse" else self.base

    def notional(self, size: Decimal, price: Decimal) -> Decimal:
        """A position's notional at ``price`` in the margin asset: ``size x price``, or for
        an inverse contract its value in the coin, ``contracts x face / price``."""
        return size * self.face_value / price if self.contract_type == "inverse" else size * price

    def size_of(self, quote_notional: Decimal, entry: Decimal) -> Decimal:
        """The size of a position worth ``quote_notional`` of the quote at ``entry``: base
        quantity ``notional / entry``, or contracts ``notional / face`` (an inverse contract's
        quote value does not move with the price)."""
        return quote_notional / self.face_value if self.contract_type == "inverse" else quote_notional / entry

    def quote_notional(self, size: Decimal, entry: Decimal) -> Decimal:
        """What ``size`` is worth in the quote at ``entry`` (the inverse of :meth:`size_of`)."""
        return size * self.face_value if self.contract_type == "inverse" else size * entry

    def measure(self, size: Decimal, price: Decimal) -> Decimal:
        """What the tier table is read with: ``size x price``, or ``size`` for base-unit tiers."""
        return size if self.tier_unit == "base" else size * price

    @property
    def unit(self) -> str:
        """The unit of the tier bounds (``USDT``, ``BTC``)."""
        return self.base if self.tier_unit == "base" else self.margin_asset


@dataclass(frozen=True, slots=True)
class MarginRules:
    """How a venue turns a tier table into maintenance margin.

    Attributes:
        tier_basis: where the tier is read: at the notional at the liquidation price
            (solved to a fixed point, Binance) or at the entry notional (Bybit, OKX, Bitget).
        maintenance_basis: the price the maintenance margin is valued at: the liquidation
            price (Binance, OKX, Bitget, Hyperliquid, dYdX) or the entry price (Bybit).
        close_fee: the closing fee inside the maintenance margin: none; the taker rate added
            to the tier rate (OKX, Bitget); or the estimated fee to close at the bankruptcy
            price, added to initial and maintenance margin (Bybit UTA).
        source: the page the rules come from.
        added_margin: how margin added to an isolated position counts (Bybit UTA inverse:
            divided by 1 + taker rate).
        maintenance_rate: how a tier's rates are given; ``size_scaled`` (Deribit): the one
            row's rates grow with the position's size (:class:`liqcalc.core.rules.MaintenanceRateRule`).
    """

    tier_basis: TierBasis
    maintenance_basis: MaintenanceBasis
    close_fee: CloseFee
    source: str
    added_margin: AddedMargin = "as_is"
    maintenance_rate: MaintenanceRate = "tier"


@dataclass(frozen=True, slots=True)
class FeeRules:
    """Fee rates, as fractions of notional.

    Attributes:
        maker: maker rate.
        taker: taker rate (used in the closing-fee rules).
        liquidation: liquidation (clearance) fee rate on the liquidated notional.
        liquidation_fee_to: the party that receives the liquidation fee.
        source: the page the rates come from.
    """

    maker: Decimal
    taker: Decimal
    liquidation: Decimal
    liquidation_fee_to: Party
    source: str


@dataclass(frozen=True, slots=True)
class SurplusRule:
    """Where the margin left after a liquidation that fills better than bankruptcy goes.

    Attributes:
        to: the recipient (insurance fund, trader, ...).
        backstop_below_mm: ``(numerator, denominator)``: when equity at the fill is below this
            fraction of maintenance margin, the backstop takes the position (Hyperliquid 2/3).
        backstop_to: who receives the margin in a backstop liquidation.
        source: the page the rule comes from.
    """

    to: Party
    backstop_below_mm: tuple[int, int] | None
    backstop_to: Party | None
    source: str

    @property
    def has_backstop(self) -> bool:
        """Whether a backstop can take the position (both its fraction and its recipient given)."""
        return self.backstop_below_mm is not None and self.backstop_to is not None

    @overload
    def backstop_takes(self, equity: Decimal, maintenance_margin: Decimal) -> bool: ...
    @overload
    def backstop_takes(self, equity: NDArray[Any], maintenance_margin: NDArray[Any]) -> NDArray[Any]: ...
    def backstop_takes(self, equity: Decimal | NDArray[Any], maintenance_margin: Decimal | NDArray[Any]) -> bool | NDArray[Any]:
        """Whether the backstop takes a liquidation with ``equity`` (at least 0) at the fill:
        equity below its fraction of ``maintenance_margin`` (Decimal form, or elementwise on
        the book's arrays)."""
        if self.backstop_below_mm is None or self.backstop_to is None:
            return False
        numerator, denominator = self.backstop_below_mm
        return equity * denominator < maintenance_margin * numerator

    def received(self, party: Party, fee_to: Party, surplus: Any, fee: Any, backstop: Any) -> Any:
        """What ``party`` receives of each liquidation's ``surplus`` (array form of the flows
        :func:`liqcalc.core.waterfall.settle` builds): all of it from a backstop liquidation
        when ``party`` is the backstop's recipient; else the liquidation fee ``fee`` (capped at
        the surplus) when it is ``fee_to``, and the rest when it is ``to``."""
        import numpy as np

        received = np.zeros(np.shape(surplus))
        if self.backstop_to == party:
            received += np.where(backstop, surplus, 0.0)
        if fee_to == party:
            received += np.where(backstop, 0.0, fee)
        if self.to == party:
            received += np.where(backstop, 0.0, surplus - fee)
        return received


@dataclass(frozen=True, slots=True)
class ShortfallRule:
    """Who pays what is missing when the liquidation fills beyond the bankruptcy price.

    Attributes:
        waterfall: the payers, in order; the last one takes whatever is left.
        source: the page the rule comes from.
    """

    waterfall: tuple[Party, ...]
    source: str


@dataclass(frozen=True, slots=True)
class AdlRule:
    """How the venue auto-deleverages winners.

    Attributes:
        ranking: the queue's ranking formula (``random_start``: no ranking, dYdX v4).
        price: where the deleveraged positions are closed: the liquidated order's bankruptcy
            price, or the mark price.
        indicator_min: lowest value of the venue's ADL indicator (Binance 0, Bybit 1).
        indicator_max: highest value (Binance 4, Bybit 5).
        source: the page the rule comes from.
        unabsorbed_by: who bears what the ADL counterparties do not (the size the other side
            cannot absorb; under the mark-price rule, the deficit of what ADL closes at the
            mark). None: the preset does not say.
        indicator_basis: what the indicator's bands divide: the count of ranked positions,
            or their size cumulated from the head (BitMEX).
    """

    ranking: Ranking
    price: AdlPrice
    indicator_min: int
    indicator_max: int
    source: str
    unabsorbed_by: Bearer | None = None
    indicator_basis: IndicatorBasis = "count"

    @property
    def deficit_bearer(self) -> Bearer | None:
        """Who bears the deficit of what ADL closes, when the ADL counterparties do not.

        At the bankruptcy price the counterparties pay it: each is closed at the liquidated
        order's bankruptcy price instead of the mark ("The trader's positions will be closed out
        at the bankruptcy price of the initial liquidated order",
        https://www.binance.com/en/support/faq/360033525471 ); None. At the mark ("closed at the
        previous mark price", https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging ;
        OKX: "forcibly closed at the mark price", https://www.okx.com/help/iv-introduction-to-auto-deleveraging-adl )
        the winners give up nothing against it, and the deficit stays with ``unabsorbed_by``
        (None when the preset does not say: the ADL counterparties are then left as its payer).
        """
        from liqcalc.core.rules import adl_price_rule  # rules import this module

        return self.unabsorbed_by if adl_price_rule(self.price).at_mark else None


@dataclass(frozen=True, slots=True)
class Venue:
    """A venue's rules, as a preset states them (the tier tables live in :class:`SymbolSpec`).

    Attributes:
        name: the preset's name (``binance``).
        title: a human title.
        as_of: the date of the newest source the rules were checked against.
        illustrative: ``True`` for a model whose numbers are not a venue's.
        main_quote: the quote whose perpetual ``--symbol BTC`` picks.
        sources: every page the preset rests on.
        notes: caveats worth showing.
    """

    name: str
    title: str
    as_of: dt.date
    illustrative: bool
    main_quote: str
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    margin: MarginRules
    fees: FeeRules
    surplus: SurplusRule
    shortfall: ShortfallRule
    adl: AdlRule

    @property
    def fund_party(self) -> Party | None:
        """The fund that ``--insurance-fund`` caps: the first fund in the shortfall waterfall."""
        for party in self.shortfall.waterfall:
            if party in ("insurance_fund", "backstop_vault"):
                return party
        return None


@dataclass(frozen=True, slots=True)
class Flow:
    """Money moving in a liquidation: ``amount`` from ``source`` to ``target``.

    A surplus flows from ``"margin"`` to its recipients; a shortfall flows from its payers
    to ``"deficit"``. ``what`` names the flow (``liquidation fee``, ``surplus``, ``backstop``,
    ``shortfall``) where two flows share a source and a target.
    """

    source: str
    target: str
    amount: Decimal
    what: str = ""


@dataclass(frozen=True, slots=True)
class Waterfall:
    """Where the money goes when the liquidation fills at ``fill_price``.

    Attributes:
        label: which fill this is (``liquidation``, ``bankruptcy``, ``fill``).
        fill_price: the average price the liquidation order fills at.
        equity: the position's equity at that fill, before any fee (may be negative).
        surplus: what is left of the margin (0 when the fill is beyond bankruptcy).
        shortfall: what is missing (0 when the fill is better than bankruptcy).
        flows: the movements, adding up exactly to the surplus or the shortfall.
        backstop: ``True`` when the venue's backstop takes the position (Hyperliquid).
        adl_price: where ADL counterparties are closed, when they pay part of a shortfall.
        liquidation_fee: the liquidation fee actually taken: the rate times the liquidated
            notional, capped at what is left (0 in a backstop liquidation or a shortfall).
        adl_covered: the part of the shortfall the ADL counterparties give up (closed at the
            bankruptcy price instead of the fill, which stands for the mark), as ``adl-risk``'s
            ``adl_covered``.
        unabsorbed: the part left to ADL that the counterparties do not give up: under the
            mark rule, all of it (closed at the mark, they give up nothing against it).
        unabsorbed_by: who bears ``unabsorbed``: the preset's ``[adl] unabsorbed_by`` (None when it
            does not say), as in ``adl-risk``.
    """

    label: str
    fill_price: Decimal
    equity: Decimal
    surplus: Decimal
    shortfall: Decimal
    flows: tuple[Flow, ...]
    backstop: bool
    adl_price: Decimal | None
    liquidation_fee: Decimal = Decimal(0)
    adl_covered: Decimal = Decimal(0)
    unabsorbed: Decimal = Decimal(0)
    unabsorbed_by: str | None = None

    @property
    def handed_to_adl(self) -> Decimal:
        """What the payers before ADL leave to it: ``adl_covered + unabsorbed``."""
        return self.adl_covered + self.unabsorbed
