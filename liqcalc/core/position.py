"""Liquidation and bankruptcy prices of one position, isolated or cross, by the venue's rules.

The generic model (reference: Binance's published formula, which the other venues' formulas
are special cases of):

    equity(P) = A + side * q * (P - E)
    MM(P)     = notional_mm(P) * (mmr + fee_rate) - maint_amount + fee_amount

``A`` is what backs the position: the isolated margin after added margin and funding, or in
cross mode the wallet balance less the other positions' maintenance margin plus their
unrealized PnL. The liquidation price solves ``equity(P) = MM(P)``; the bankruptcy price
solves ``equity(P) = 0`` (or the reserved closing fee on Bybit UTA).

Docs (Binance, variable list of the LP formula; "If your position (calculated at the
liquidation price) and the current position (calculated at the opening price) are of
different levels, then you must substitute ... the maintenance margin rate and the
maintenance margin amount of the position level, to recalculate the liquidation price"):
https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext
from typing import Literal

from liqcalc.core.errors import InputError, LeverageError, Note, PresetError, TierError, UsageError, is_key
from liqcalc.core.model import Party, Side, SymbolSpec, Tier, Venue, Waterfall, side_sign
from liqcalc.core.numbers import ONE, ZERO, context, div, given, money_text, price_text, size_text
from liqcalc.core.rules import (
    added_margin_rule,
    close_fee_rule,
    contract_rule,
    maintenance_basis_rule,
    maintenance_rate_rule,
    tier_basis_rule,
)
from liqcalc.core.rules import adl_price_rule as adl_price_rule_of
from liqcalc.core.tiers import beyond_last_tier, tier_for
from liqcalc.core.waterfall import check_caps, settle

Mode = Literal["isolated", "cross"]

#: The digits an inverse contract's value in the coin is read at against the tier bounds (the
#: core computes with 34; its reciprocal price carries a rounding in the last of them).
VALUE_DIGITS = Context(prec=30)


@dataclass(frozen=True, slots=True)
class PositionSpec:
    """A position and its margin, as the trader states it.

    Attributes:
        side: ``long`` or ``short``.
        size: base quantity (``q``).
        entry: average entry price (``E``).
        mark: current mark price (defaults to entry in the CLI).
        leverage: the leverage the position is opened with (isolated: sets the margin).
        margin: the isolated margin in quote currency (instead of leverage).
        add_margin: margin added to an isolated position after opening.
        funding: funding paid out of the margin so far (negative when received).
        mmr: a maintenance rate that overrides the tier table (a what-if).
        maint_amount: the maintenance amount that goes with ``mmr``.
        mode: ``isolated`` or ``cross``.
        wallet: the cross wallet balance.
        liquidation_fee: a liquidation-fee rate that overrides the preset's.
    """

    side: Side
    size: Decimal
    entry: Decimal
    mark: Decimal
    leverage: Decimal | None = None
    margin: Decimal | None = None
    add_margin: Decimal = ZERO
    funding: Decimal = ZERO
    mmr: Decimal | None = None
    maint_amount: Decimal | None = None
    mode: Mode = "isolated"
    wallet: Decimal | None = None
    liquidation_fee: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PositionResult:
    """Everything ``liqcalc position`` reports about one position.

    Attributes:
        symbol: the symbol, in the venue's spelling.
        spec: the position as given.
        notional: entry notional ``q x E``.
        leverage: the leverage given, or implied by the margin (None in cross without one).
        initial_margin: margin needed to open at that leverage (with Bybit's closing fee).
        margin_balance: what backs the position: isolated margin after added margin and
            funding, or the cross wallet after funding.
        tier: the tier the liquidation price was solved in.
        tier_at_entry: the tier of the entry notional.
        tier_overridden: ``True`` when ``--mmr`` replaced the table.
        tier_at_mark: the tier whose rate and amount make ``maintenance_margin`` (the mark
            notional's tier where the venue reads the tier at the liquidation notional, else
            the tier the price is solved in).
        maintenance_margin: maintenance margin at the mark price (in cross mode, this
            position's; ``margin_ratio`` adds the other positions').
        maintenance_margin_at_liquidation: maintenance margin at the liquidation price.
        unrealized_pnl: this position's PnL at the mark, ``side x q x (mark - E)``.
        others_pnl: in a cross account, the other positions' unrealized PnL (else 0).
        equity: what backs the position at the mark: margin balance plus unrealized PnL (in
            a cross account, plus the other positions' unrealized PnL).
        margin_ratio: maintenance margin (all of the account's, in cross) / ``equity``
            (liquidation at 1); None when equity is not positive.
        liquidation_price: where equity falls to maintenance margin; None when it cannot
            (a long backed by its whole notional or more).
        bankruptcy_price: where equity falls to zero; None when it is not a positive price.
        liquidation_fee_rate: the rate used for the liquidation fee.
        liquidation_fee: the fee at the liquidation price (before capping at what is left).
        liquidation_fee_paid: the fee actually taken at the liquidation price: capped at what
            is left, 0 when the backstop takes the position (None without a liquidation price).
        open_fee: taker fee to open the position.
        close_fee: Bybit UTA's estimated fee to close at the bankruptcy price, inside initial
            and maintenance margin (0 elsewhere).
        waterfalls: where the money goes at the liquidation price, the bankruptcy price and
            the given fill.
        warnings: non-fatal remarks.
    """

    symbol: str
    spec: PositionSpec
    notional: Decimal
    leverage: Decimal | None
    initial_margin: Decimal | None
    margin_balance: Decimal
    tier: Tier
    tier_at_entry: Tier | None
    tier_overridden: bool
    tier_at_mark: Tier
    maintenance_margin: Decimal
    maintenance_margin_at_liquidation: Decimal | None
    unrealized_pnl: Decimal
    others_pnl: Decimal
    equity: Decimal
    margin_ratio: Decimal | None
    liquidation_price: Decimal | None
    bankruptcy_price: Decimal | None
    liquidation_fee_rate: Decimal
    liquidation_fee: Decimal | None
    liquidation_fee_paid: Decimal | None
    open_fee: Decimal
    close_fee: Decimal
    waterfalls: tuple[Waterfall, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Maintenance:
    """``MM(P) = slope * P + constant`` within one tier."""

    tier: Tier
    slope: Decimal
    constant: Decimal

    def at(self, price: Decimal) -> Decimal:
        return self.slope * price + self.constant


class Calculator:
    """Evaluates positions of one symbol under one venue's rules."""

    def __init__(self, venue: Venue, symbol: SymbolSpec) -> None:
        self.venue = venue
        self.symbol = symbol
        self.close_rule = close_fee_rule(venue.margin.close_fee)
        self.contract = contract_rule(symbol.contract_type)
        self.added_margin = added_margin_rule(venue.margin.added_margin)
        self.rate_rule = maintenance_rate_rule(venue.margin.maintenance_rate)
        if self.rate_rule.scales and tier_basis_rule(venue.margin.tier_basis).ranged(symbol):
            # the preset schema refuses this too; a venue built by hand gets the same words
            raise PresetError(f"{venue.name}: a size-scaled margin reads the size at the entry (tier_basis = "
                             "\"entry_notional\"), not at the liquidation notional")

    # -- the contract: the core's linear terms ------------------------------------------

    def to_core(self, side: Side, size: Decimal, *prices: Decimal) -> tuple[Side, Decimal, tuple[Decimal, ...]]:
        """The core's side, size and prices of a position as the trader states it (the same
        for a linear contract; for an inverse one, the opposite side, contracts x face, and
        reciprocal prices: :class:`liqcalc.core.rules.ContractRule`)."""
        contract = self.contract
        return (contract.side(side), contract.size(size, self.symbol.face_value),
                tuple(contract.price(price) for price in prices))

    def shown_size(self, size: Decimal) -> Decimal:
        """A core size as the trader counts it (contracts for an inverse contract)."""
        return div(size, self.symbol.face_value) if self.contract.inverse else size

    def shown_bound(self, bound: Decimal) -> str:
        """A core price's upper bound as the trader's price: "at most P", or for an inverse
        contract (reciprocal prices) "at least 1/P"."""
        if self.contract.inverse:
            return f"at least {price_text(div(ONE, bound), ROUND_CEILING)}"
        return f"at most {price_text(bound, ROUND_FLOOR)}"

    # -- margin --------------------------------------------------------------------------

    def close_fee(self, side: Side, size: Decimal, entry: Decimal, leverage: Decimal | None) -> Decimal:
        """Bybit UTA's estimated fee to close at the bankruptcy price, else 0 (the venue's
        closing-fee rule, :mod:`liqcalc.core.rules`, where its sources are quoted)."""
        return self.close_rule.fee(side_sign(side), size, entry, leverage, self.venue.fees.taker)

    def initial_margin(self, side: Side, size: Decimal, entry: Decimal, leverage: Decimal) -> Decimal:
        """``q x E / leverage`` plus, on Bybit UTA, the estimated closing fee."""
        return div(size * entry, leverage) + self.close_fee(side, size, entry, leverage)

    def implied_leverage(self, side: Side, size: Decimal, entry: Decimal, margin: Decimal) -> Decimal:
        """The leverage at which ``initial_margin`` equals ``margin`` (inverts the formula above)."""
        notional = size * entry
        taker = self.venue.fees.taker
        reserved = self.close_rule.reserved(notional, taker)
        if self.close_rule.estimated and margin <= reserved:
            raise InputError(
                "margin",
                f"{given(margin)} does not cover the estimated closing fee {money_text(reserved)}; give more margin",
                key=True,
            )
        return self.close_rule.implied_leverage(side_sign(side), notional, margin, taker)

    def maintenance(self, tier: Tier, size: Decimal, entry: Decimal, close_fee: Decimal) -> _Maintenance:
        """The maintenance margin of a position in ``tier`` as a line in the price."""
        # Docs: "Maintenance Margin = Notional Position Value * Maintenance Margin Rate -
        # Maintenance Amount" https://www.binance.com/en/futures/trading-rules/perpetual/portfolio-margin/notional-limit
        # OKX: "(Tiered margin rate + fee rate)" https://open-lib.com/11556.html ;
        # Bitget: "[position size x (MMR + TakerFeeRatio - position direction)]"
        # https://www.bjxnyj.com/asia/support/articles/12560603808759 (the closing-fee rule's taker rate)
        rate = tier.mmr + self.close_rule.rate_extra(self.venue.fees.taker)
        constant = close_fee - tier.maint_amount
        # valued at the price, or at the entry (Bybit; the maintenance-basis rule)
        slope, intercept = maintenance_basis_rule(self.venue.margin.maintenance_basis).line(size, entry, rate, constant)
        return _Maintenance(tier, slope, intercept)

    def tier_at(self, size: Decimal, price: Decimal, what: str, *, field: str = "size") -> Tier:
        """The tier of a position of ``size`` valued at ``price`` in this symbol's table: the
        table's row, as the venue's rate rule makes it for that position (Deribit's rates grow
        with the size: :class:`liqcalc.core.rules.MaintenanceRateRule`); ``field`` names the
        input a size beyond what the rates allow comes from (an account row's)."""
        measure = self.symbol.measure(size, price)
        if self.contract.inverse:
            # the value in the coin, contracts x face x (1/price): the reciprocal is rounded at the
            # 34th digit, so 3,000 contracts of 100 USD at 60,000 come out 5.000...01 BTC, above a
            # 5 BTC cap they are exactly at; the value to 30 digits is what the inputs carry
            measure = VALUE_DIGITS.plus(measure)
        row = tier_for(self.symbol, measure, what if self.symbol.tier_unit == "quote" else "size")
        limit = self.rate_rule.limit(row)
        if limit is not None and measure >= limit:
            symbol = self.symbol
            raise InputError(field, (
                f"{symbol.name}: {size_text(measure)} {symbol.base} is beyond the largest position its rates allow: the "
                f"initial margin rate grows with the size and reaches 100% at {size_text(limit)} {symbol.base}; give a "
                "smaller size"), key=is_key(field))
        return self.rate_rule.tier_at(row, measure)

    def tier_words(self, tier: Tier, size: Decimal, price: Decimal) -> str:
        """Which tier a maximum leverage comes from, in a message: "tier 2", or under a rate that
        grows with the size, the initial rate at it ("initial margin 2.125% at 25 BTC")."""
        if not self.rate_rule.scales:
            return f"tier {tier.number}"
        measure = self.symbol.measure(size, price)
        rate = (div(ONE, tier.max_leverage) * 100).quantize(Decimal("1e-8")).normalize()
        return f"initial margin {rate:f}% at {size_text(measure)} {self.symbol.base}"

    def override_tier(self, mmr: Decimal, maint_amount: Decimal | None, max_leverage: Decimal) -> Tier:
        """A one-row table from ``--mmr``/``--maint-amount``: the tier for every notional."""
        return Tier(0, ZERO, None, max_leverage, mmr, maint_amount or ZERO)

    # -- prices --------------------------------------------------------------------------

    def solve_liquidation(
        self,
        side: Side,
        size: Decimal,
        entry: Decimal,
        backing: Decimal,
        lines: Sequence[_Maintenance],
        ranged: bool,
        valid: Callable[[], str] | None = None,
    ) -> tuple[Decimal | None, _Maintenance]:
        """The liquidation price: the first price, moving against the position, where equity
        reaches maintenance margin.

        ``lines`` holds the maintenance margin of each candidate tier. With ``ranged`` (tier
        read at the liquidation notional) a tier's solution counts only inside the prices
        where the position's notional is in that tier: the tier that holds its own solution
        is the fixed point Binance's re-substitution rule converges to, found directly.

        Beyond the last tier: a complete table's last tier holds every larger notional (the
        entry is inside the table, so the venue holds the position and shows its price; see
        :meth:`extends_last_tier`); a table known only in part cannot say which tier follows,
        and the position is refused (``valid()`` says what would be inside it).
        """
        s = side_sign(side)
        extend = self.extends_last_tier(ranged)
        last = self.symbol.tiers[-1]
        best: tuple[Decimal, _Maintenance] | None = None
        beyond: Decimal | None = None
        for line in lines:
            # equity(P) - MM(P) = backing + s*q*(P - E) - slope*P - constant = 0
            gradient = s * size - line.slope
            if gradient == 0:
                continue
            root = div(line.constant - backing + s * size * entry, gradient)
            tier = line.tier
            low = div(tier.floor, size) if ranged else ZERO
            high = div(tier.cap, size) if ranged and tier.cap is not None else None
            if high is not None and root > high and tier == last:
                if not extend:
                    beyond = root
                    if s > 0:
                        raise beyond_last_tier(self.symbol, root * size, "notional at the liquidation price",
                                               valid() if valid else "")
                    continue
                high = None
            if s > 0:
                # long: equity - MM rises with P; liquidatable where P <= root
                if root <= low or root <= 0:
                    continue
                candidate = root if high is None or root <= high else high
                if best is None or candidate > best[0]:
                    best = (candidate, line)
            else:
                # short: equity - MM falls with P; liquidatable where P >= root
                if high is not None and root > high:
                    continue
                candidate = max(root, low)
                if best is None or candidate < best[0]:
                    best = (candidate, line)
        if best is None:
            if s < 0:
                at = size * (beyond if beyond is not None else entry)
                raise beyond_last_tier(self.symbol, at, "notional at the liquidation price", valid() if valid else "")
            return None, lines[0]
        return best

    def extends_last_tier(self, ranged: bool) -> bool:
        """Whether a notional beyond the last tier is read in the last tier (with a warning).

        Where the tier is read at the notional at the liquidation price, a short's notional
        grows on its way to liquidation and may leave the table while the entry is inside it.
        Binance's own calculator then still shows a price, in its last bracket (issue 7); the
        venue holds the position (its entry is inside the table), so it has a liquidation
        price, and the last tier is the only rate the venue states for it. Only for complete
        tables: for a table known in part, the next tier's rate is unknown.
        """
        return ranged and self.symbol.complete

    def tier_at_price(self, size: Decimal, price: Decimal, what: str, ranged: bool, warnings: list[str]) -> Tier:
        """The tier of ``size`` valued at ``price``; beyond a complete table (with ``ranged``),
        its last tier, with a warning appended to ``warnings``."""
        try:
            return self.tier_at(size, price, what)
        except TierError:
            if not self.extends_last_tier(ranged):
                raise
        last = self.symbol.tiers[-1]
        warnings.append(self.beyond_last_warning(size * price, what))
        return last

    def entry_beyond(self, size: Decimal, entry: Decimal) -> InputError:
        """The error for a position whose entry notional (or size, for tiers in the base asset)
        is beyond the table: it names the size and the largest size the table holds."""
        last, symbol = self.symbol.tiers[-1], self.symbol
        assert last.cap is not None  # a tier without a cap holds every larger position
        if symbol.tier_unit == "base":
            error = beyond_last_tier(symbol, size, "size", f"give a size of at most {size_text(last.cap, ROUND_FLOOR)} {symbol.base}")
        elif self.contract.inverse:
            # value (coin) = contracts x face / price <= cap: contracts <= cap x price / face (the
            # price read back at the digits the value is read at, as tier_at does: 60,000, not 59,999.99...)
            price = VALUE_DIGITS.plus(div(ONE, entry))
            error = beyond_last_tier(
                symbol, size * entry, "entry value",
                f"give a size of at most {size_text(div(last.cap * price, symbol.face_value), ROUND_FLOOR)} contracts at "
                f"the entry {price_text(price)} ({money_text(last.cap)} {symbol.margin_asset} x {price_text(price)} / "
                f"{given(symbol.face_value)} {symbol.quote} a contract)",
            )
        else:
            error = beyond_last_tier(
                symbol, size * entry, "entry notional",
                f"give a size of at most {size_text(div(last.cap, entry), ROUND_FLOOR)} at the entry {given(entry)} "
                f"({money_text(last.cap)} {symbol.quote} / {given(entry)})",
            )
        return InputError("size", error.template, key=True)

    @staticmethod
    def backing_option(spec: PositionSpec) -> str:
        """The input that sets what backs ``spec``: ``wallet``, ``margin`` or ``leverage``."""
        return "wallet" if spec.mode == "cross" else "margin" if spec.margin is not None else "leverage"

    def liquidation_valid(self, spec: PositionSpec) -> str:
        """What keeps ``spec``'s liquidation price inside a table known in part: at or below the
        last known cap over the size, and which way the backing moves it there."""
        cap = self.symbol.tiers[-1].cap
        if cap is None or self.symbol.tier_unit == "base":
            return ""
        option = self.backing_option(spec)
        towards = ({"leverage": "a higher leverage", "margin": "less margin", "wallet": "a smaller wallet"}
                   if spec.side == "short" else
                   {"leverage": "a lower leverage", "margin": "more margin", "wallet": "a larger wallet"})[option]
        if self.contract.inverse:
            return (f"the liquidation price must be {self.shown_bound(div(cap, spec.size))} (size "
                    f"{size_text(self.shown_size(spec.size))} x {given(self.symbol.face_value)} {self.symbol.quote} / "
                    f"{money_text(cap)} {self.symbol.margin_asset}): {towards} brings it there")
        return (f"the liquidation price must be at most {price_text(div(cap, spec.size), ROUND_FLOOR)} ({money_text(cap)} "
                f"{self.symbol.quote} / size {size_text(spec.size)}): {towards} brings it there")

    def tier_at_mark(self, size: Decimal, mark: Decimal, ranged: bool, warnings: list[str], *,
                     field: str = "mark") -> Tier:
        """The tier of the notional at ``mark`` (with ``ranged``: the venue reads the tier at the
        notional, which moves with the mark).

        Beyond a complete table: its last tier, with a warning (:meth:`extends_last_tier`; Binance's
        calculator extends its last bracket, and the venue values the maintenance margin at the
        mark in the tier that notional is in, so the last tier is the only rate it states for it).
        Beyond a table known in part the next tier's rate is unknown: an :class:`InputError`
        naming ``field`` (the input key or file field the mark comes from) and the largest mark the
        known tiers hold, as the position core refuses a liquidation notional there.
        """
        try:
            return self.tier_at_price(size, mark, "notional at the mark price", ranged, warnings)
        except TierError:
            pass
        last = self.symbol.tiers[-1]
        assert last.cap is not None  # a tier without a cap holds every larger notional
        unit = self.symbol.unit
        if self.contract.inverse:
            limit = (f"give a mark of {self.shown_bound(div(last.cap, size))} (size {size_text(self.shown_size(size))} x "
                     f"{given(self.symbol.face_value)} {self.symbol.quote} / {money_text(last.cap)} {unit})")
        else:
            limit = (f"give a mark of at most {price_text(div(last.cap, size), ROUND_FLOOR)} ({money_text(last.cap)} {unit} / size "
                     f"{size_text(size)})")
        error = beyond_last_tier(self.symbol, size * mark, "notional at the mark price", limit)
        raise InputError(field, error.template, key=is_key(field))

    def beyond_last_warning(self, notional: Decimal, what: str) -> str:
        """The warning for a notional read in the extended last tier."""
        last, unit = self.symbol.tiers[-1], self.symbol.unit
        return (
            f"the {what}, {money_text(notional)} {unit}, is beyond {self.symbol.name}'s last tier (tier {last.number}, "
            f"up to {money_text(last.cap or ZERO)} {unit}); its rate is used beyond its cap, as Binance's calculator "
            "extends its last bracket"
        )

    def reserve_rate(self) -> Decimal:
        """The fraction of the notional still held as equity at the bankruptcy price: Bybit
        UTA's estimated closing fee (taker rate at the bankruptcy price), else 0."""
        return self.close_rule.reserve_rate(self.venue.fees.taker)

    def bankruptcy(self, side: Side, size: Decimal, entry: Decimal, backing: Decimal) -> Decimal | None:
        """Where equity is zero; on Bybit UTA, where equity equals the reserved closing fee.

        Docs (Bybit): "BP(long) = Entry Price x (1 - Initial Margin Rate)"; with the closing
        fee in the margin this is where margin left equals ``q x P x taker``.
        https://www.bybitx.global/fil-PH/help-center/search-result?page=46&pageSize=10&query=trade
        Isolated Binance equivalent: ``BP = E - side x WB / q`` (venues.md §2.2, derived).
        """
        s = side_sign(side)
        reserve = self.reserve_rate()
        # backing + s*q*(P - E) = q*P*reserve
        price = div(s * size * entry - backing, s * size - size * reserve)
        return price if price > 0 else None

    # -- the whole evaluation ------------------------------------------------------------

    def evaluate(
        self,
        spec: PositionSpec,
        *,
        fill: Decimal | None = None,
        caps: Mapping[Party, Decimal] | None = None,
        others_maintenance: Decimal = ZERO,
        others_pnl: Decimal = ZERO,
    ) -> PositionResult:
        """Evaluate ``spec``; ``others_*`` carry the rest of a cross account.

        An inverse contract is evaluated as its linear twin (:meth:`to_core`) and its prices
        are turned back: every amount of the result is in the margin asset either way.
        """
        with localcontext(context()):
            if not self.contract.inverse:
                return self._evaluate(spec, fill, caps or {}, others_maintenance, others_pnl)
            side, size, (entry, mark) = self.to_core(spec.side, spec.size, spec.entry, spec.mark)
            twin = replace(spec, side=side, size=size, entry=entry, mark=mark)
            price = self.contract.price_or_none
            result = self._evaluate(twin, price(fill), caps or {}, others_maintenance, others_pnl, given_fill=fill)
            return replace(
                result,
                spec=spec,
                notional=self.symbol.notional(spec.size, spec.entry),  # contracts x face / entry, not x's rounding
                liquidation_price=price(result.liquidation_price),
                bankruptcy_price=price(result.bankruptcy_price),
                waterfalls=tuple(
                    # the fill as given, not its reciprocal's reciprocal (55,999.999...9 for 56,000)
                    replace(w, fill_price=fill if w.label == "fill" and fill is not None else self.contract.price(w.fill_price),
                            adl_price=price(w.adl_price))
                    for w in result.waterfalls
                ),
            )

    def cross_close_fee(self, side: Side, size: Decimal, entry: Decimal, backing: Decimal) -> Decimal:
        """The estimated fee to close a cross position: at the account's bankruptcy price for
        it (``backing`` is the wallet after funding plus the other positions' PnL), as
        Bybit's inverse cross example estimates it ("Bankruptcy Price = 1.00075 x 10000 /
        (10000/8000 + (0.5 - 0))", the fee at that price in the liquidation price,
        https://help.bybit.com/hc/en-us/articles/360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-
        ); 0 where there is no bankruptcy price (nothing to close at a price of 0) or no estimated fee."""
        if not self.close_rule.estimated:
            return ZERO
        return self.close_rule.cross_fee(size, self.bankruptcy(side, size, entry, backing), self.venue.fees.taker)

    def _evaluate(
        self,
        spec: PositionSpec,
        fill: Decimal | None,
        caps: Mapping[Party, Decimal],
        others_maintenance: Decimal,
        others_pnl: Decimal,
        *,
        given_fill: Decimal | None = None,
    ) -> PositionResult:
        """:meth:`evaluate` in the core's terms; ``given_fill`` is the fill as the trader gave it
        (for an inverse contract ``fill`` is its reciprocal), for the messages."""
        check_caps(self.venue, caps)
        warnings: list[str] = []
        q, entry, mark, side = spec.size, spec.entry, spec.mark, spec.side
        s = side_sign(side)
        notional = q * entry

        # The entry tier: the table must hold the position, unless the user gives the tier.
        try:
            tier_at_entry: Tier | None = self.tier_at(q, entry, "entry notional")
        except TierError:
            if spec.mmr is None:
                raise self.entry_beyond(q, entry) from None
            tier_at_entry = None

        leverage = spec.leverage
        if spec.mode == "isolated":
            if (spec.leverage is None) == (spec.margin is None):
                raise UsageError("give exactly one of {leverage} and {margin} for an isolated position", "leverage")
            if spec.wallet is not None:
                raise UsageError("{wallet} is for {mode=cross}; an isolated position is backed by {leverage} or {margin}", "wallet")
            if spec.margin is not None:
                leverage = self.implied_leverage(side, q, entry, spec.margin)
        else:
            if spec.wallet is None:
                raise UsageError("{mode=cross} needs {wallet} (the cross wallet balance)", "wallet")
            if spec.margin is not None:
                raise UsageError("{margin} is for isolated positions; in cross mode give {wallet}", "margin")

        if leverage is not None and tier_at_entry is not None and leverage > tier_at_entry.max_leverage:
            raise LeverageError(
                "leverage" if spec.margin is None else "margin", size_text(leverage),
                f"is above the maximum {size_text(tier_at_entry.max_leverage)}x for {self.symbol.name} at "
                f"{money_text(notional)} {self.symbol.margin_asset} notional ({self.tier_words(tier_at_entry, q, entry)})",
                margin=None if spec.margin is None else given(spec.margin),
            )
        if tier_at_entry is None:
            warnings.append(
                f"the entry notional is beyond {self.symbol.name}'s known tiers; the maximum "
                "leverage was not checked"
            )

        initial_margin = None if leverage is None else self.initial_margin(side, q, entry, leverage)
        if spec.mode == "isolated":
            posted = spec.margin if spec.margin is not None else initial_margin
            assert posted is not None
        else:
            assert spec.wallet is not None
            posted = spec.wallet
        margin_balance = posted + self.added_margin.counted(spec.add_margin, self.venue.fees.taker) - spec.funding
        if margin_balance <= 0:
            raise InputError(
                "funding",
                f"funding {given(spec.funding)} leaves {money_text(margin_balance)} {self.symbol.margin_asset} of margin: the "
                "position is already bankrupt",
                key=True,
            )
        backing = margin_balance - others_maintenance + others_pnl
        backing_bankruptcy = margin_balance + others_pnl
        if spec.mode == "cross":
            close_fee = self.cross_close_fee(side, q, entry, backing_bankruptcy)
        else:
            close_fee = self.close_fee(side, q, entry, leverage)

        # Tiers: the override, the entry tier, or the whole table read at the liquidation notional.
        overridden = spec.mmr is not None
        ranged = False
        if spec.mmr is not None:
            max_lev = tier_at_entry.max_leverage if tier_at_entry else Decimal("Infinity")
            tiers: tuple[Tier, ...] = (self.override_tier(spec.mmr, spec.maint_amount, max_lev),)
        elif not tier_basis_rule(self.venue.margin.tier_basis).ranged(self.symbol):
            assert tier_at_entry is not None
            tiers = (tier_at_entry,)
        else:
            tiers = self.symbol.tiers
            ranged = True
        lines = [self.maintenance(t, q, entry, close_fee) for t in tiers]
        try:
            liquidation, line = self.solve_liquidation(side, q, entry, backing, lines, ranged,
                                                       lambda: self.liquidation_valid(spec))
        except TierError as error:
            raise InputError(self.backing_option(spec), error.template, key=True) from None
        cap = line.tier.cap
        if ranged and liquidation is not None and cap is not None and q * liquidation > cap:
            warnings.append(self.beyond_last_warning(q * liquidation, "notional at the liquidation price"))

        # Maintenance margin now: at the mark, in the mark notional's tier where the tier moves.
        if ranged:
            mark_tier = self.tier_at_mark(q, mark, ranged, warnings)
            mark_line = self.maintenance(mark_tier, q, entry, close_fee)
        else:
            mark_line = lines[0]
        if liquidation is None:
            # No liquidation price: the tier shown is the one that makes the maintenance margin shown.
            line = mark_line
        mm_now = mark_line.at(mark)
        unrealized = s * q * (mark - entry)
        equity_now = backing_bankruptcy + unrealized
        margin_ratio = div(mm_now + others_maintenance, equity_now) if equity_now > 0 else None
        if equity_now <= 0:
            warnings.append("the position is already bankrupt at the mark price")
        elif liquidation is not None and s * (mark - liquidation) <= 0:
            warnings.append("the mark price is already at or beyond the liquidation price")

        bankruptcy = self.bankruptcy(side, q, entry, backing_bankruptcy)
        rate = spec.liquidation_fee if spec.liquidation_fee is not None else (
            self.symbol.liquidation_fee if self.symbol.liquidation_fee is not None else self.venue.fees.liquidation
        )
        adl_price_rule = adl_price_rule_of(self.venue.adl.price)

        def waterfall(label: str, price: Decimal) -> Waterfall:
            liquidated = q * price
            if label == "bankruptcy":
                # Equity there is, by definition, exactly what the bankruptcy price solves for
                # (zero, or Bybit's reserved closing fee), not its value re-computed from the
                # price rounded to 34 digits, which leaves a residue of about 1e-27.
                with localcontext(Context(prec=100)):
                    equity = liquidated * self.reserve_rate()
            else:
                equity = backing_bankruptcy + s * q * (price - entry)
            adl_price = adl_price_rule.closes_at(bankruptcy, price)
            return settle(
                self.venue,
                label=label,
                fill_price=price,
                equity=equity,
                maintenance_margin=line.at(price) + others_maintenance,
                liquidated_notional=liquidated,
                liquidation_fee_rate=rate,
                caps=caps,
                adl_price=adl_price,
            )

        if fill is not None and liquidation is not None and s * (fill - liquidation) > 0:
            shown = self.contract.price
            warnings.append(Note(
                f"{{fill}} {given(fill if given_fill is None else given_fill)} is on the profitable side of the liquidation price "
                f"{price_text(shown(liquidation))}: a liquidation order fills at or beyond the liquidation price; the "
                "waterfall at it is a what-if"
            ))
        waterfalls: list[Waterfall] = []
        if liquidation is not None:
            waterfalls.append(waterfall("liquidation", liquidation))
        if bankruptcy is not None:
            waterfalls.append(waterfall("bankruptcy", bankruptcy))
        if fill is not None:
            waterfalls.append(waterfall("fill", fill))

        return PositionResult(
            symbol=self.symbol.name,
            spec=spec,
            notional=notional,
            leverage=leverage,
            initial_margin=initial_margin,
            margin_balance=margin_balance,
            tier=line.tier,
            tier_at_entry=tier_at_entry,
            tier_overridden=overridden,
            tier_at_mark=mark_line.tier,
            maintenance_margin=mm_now,
            maintenance_margin_at_liquidation=None if liquidation is None else line.at(liquidation),
            unrealized_pnl=unrealized,
            others_pnl=others_pnl,
            equity=equity_now,
            margin_ratio=margin_ratio,
            liquidation_price=liquidation,
            bankruptcy_price=bankruptcy,
            liquidation_fee_rate=rate,
            liquidation_fee=None if liquidation is None else rate * q * liquidation,
            liquidation_fee_paid=None if liquidation is None else waterfalls[0].liquidation_fee,
            open_fee=notional * self.venue.fees.taker,
            close_fee=close_fee,
            waterfalls=tuple(waterfalls),
            warnings=tuple(warnings),
        )


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One position of a cross account file.

    Attributes:
        symbol: the symbol as the venue spells it.
        side: ``long`` or ``short``.
        size: base quantity.
        entry: average entry price.
        mark: current mark price.
        mmr: optional maintenance rate overriding the table.
        maint_amount: optional maintenance amount going with ``mmr``.
        leverage: optional leverage (for the initial margin and Bybit's closing fee).
    """

    symbol: SymbolSpec
    side: Side
    size: Decimal
    entry: Decimal
    mark: Decimal
    mmr: Decimal | None = None
    maint_amount: Decimal | None = None
    leverage: Decimal | None = None


#: The page whose cross-margin formula :func:`evaluate_account` applies, to every venue: Binance's
#: liquidation-price FAQ (TMM1, UPNL1). A preset citing it states that rule as its own.
CROSS_FORMULA_SOURCE = "https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"


def cross_formula_is_the_venues(venue: Venue) -> bool:
    """Whether the cross formula liqcalc applies is ``venue``'s own (its preset cites the page)."""
    return CROSS_FORMULA_SOURCE in venue.sources


def evaluate_account(venue: Venue, wallet: Decimal, rows: Sequence[AccountRow], *, funding: Decimal = ZERO) -> list[PositionResult]:
    """Cross-margin liquidation price of every position of an account.

    Docs (Binance): "TMM1: Maintenance margin of all other contracts, excluding Contract 1",
    "UPNL1: Unrealized PNL of all other contracts, excluding Contract 1"; each position's LP
    is the price where the account's margin balance meets the account's maintenance margin,
    the other positions held at their mark prices.
    https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93
    liqcalc applies this formula to every venue, with the venue's own tiers and margin rules
    (:func:`cross_formula_is_the_venues` tells whether the venue states it as its own).
    """
    with localcontext(context()):
        return _evaluate_account(venue, wallet, rows, funding)


def _evaluate_account(venue: Venue, wallet: Decimal, rows: Sequence[AccountRow], funding: Decimal) -> list[PositionResult]:
    assets = {row.symbol.margin_asset for row in rows}
    if len(assets) > 1:
        first = rows[0].symbol
        n, other = next((n, row.symbol) for n, row in enumerate(rows) if row.symbol.margin_asset != first.margin_asset)
        raise InputError(
            f"positions[{n}].symbol",
            f"{other.name} is margined in {other.margin_asset} and {first.name} in {first.margin_asset}: a cross "
            "account shares one wallet in one asset; give the positions of each margin asset as their own account",
        )
    calcs = [Calculator(venue, row.symbol) for row in rows]
    # each row in the core's terms (an inverse contract's linear twin: Calculator.to_core)
    cores = [calc.to_core(row.side, row.size, row.entry, row.mark) for calc, row in zip(calcs, rows, strict=True)]
    pnl = [side_sign(side) * size * (mark - entry) for side, size, (entry, mark) in cores]
    total_pnl = sum(pnl, ZERO)
    maintenance: list[Decimal] = []
    specs: list[PositionSpec] = []
    for n, (row, calc, (side, size, (entry, mark))) in enumerate(zip(rows, calcs, cores, strict=True)):
        spec = PositionSpec(
            side=row.side, size=row.size, entry=row.entry, mark=row.mark, leverage=row.leverage,
            mmr=row.mmr, maint_amount=row.maint_amount, mode="cross", wallet=wallet, funding=funding,
        )
        specs.append(spec)
        if row.mmr is not None:
            tier = calc.override_tier(row.mmr, row.maint_amount, Decimal("Infinity"))
        else:
            ranged = tier_basis_rule(venue.margin.tier_basis).ranged(row.symbol)
            # beyond a complete table: its last tier (the row's own evaluation below warns); beyond
            # a table known in part: an error naming the row's mark
            if ranged:
                tier = calc.tier_at_mark(size, mark, ranged, [], field=f"positions[{n}].mark")
            else:
                tier = calc.tier_at(size, entry, "entry notional", field=f"positions[{n}].size")
        # the estimated closing fee at the row's own bankruptcy price, the others at their marks
        # (as its evaluation below computes it: Calculator.cross_close_fee)
        fee = calc.cross_close_fee(side, size, entry, wallet - funding + total_pnl - pnl[n])
        maintenance.append(calc.maintenance(tier, size, entry, fee).at(mark))
    total_mm = sum(maintenance, ZERO)
    results = []
    for n, calc in enumerate(calcs):
        try:
            results.append(
                calc.evaluate(
                    specs[n],
                    others_maintenance=total_mm - maintenance[n],
                    others_pnl=total_pnl - pnl[n],
                )
            )
        except InputError as error:  # an option's name, for a row of an account: the row's field
            if not error.key:
                raise
            name = error.field
            raise InputError(f"positions[{n}].{name}" if name != "wallet" else "wallet", error.problem) from None
    return results
