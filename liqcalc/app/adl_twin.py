"""``adl-risk`` for an inverse (coin-margined) contract: its linear twin, there and back.

An inverse contract of ``N`` contracts of face ``F`` is the core's linear model in the
reciprocal price ``x = 1/P``, with size ``N x F`` and the opposite side; money (margin, PnL,
fees, notionals) is in the coin in both (:class:`liqcalc.core.rules.ContractRule`). BitMEX's
ranking factors are the twin's linear ones: PnL% = (mark value - entry value) / |entry value|
and effective leverage = |mark value| / (mark value - bankrupt value), each value the coin
worth ``N x F / P`` (https://www.bitmex.com/app/autoDeleveraging ). So the queue, the cascade,
the sweep and the distributions run unchanged on the twin: :func:`twin_inputs` turns the
trader's position, book, event, shocks and moves into it, and :func:`to_trader` turns the
report back (prices ``1/x``, sizes in contracts, sides flipped, the trader's shocks, price gaps
in the trader's price); amounts stay as they are, in the coin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from liqcalc.core.model import Side, SymbolSpec
from liqcalc.core.numbers import ONE, ZERO, div

if TYPE_CHECKING:
    from liqcalc.app.adl import AdlInputs, AdlReport, EventInfo, QueueRow, You
    from liqcalc.app.books import Book
    from liqcalc.core.book import Columns
    from liqcalc.core.exposure import Distribution
    from liqcalc.core.position import Calculator, PositionResult

HUNDRED = Decimal(100)


def flip(side: Side) -> Side:
    """The other side."""
    return "short" if side == "long" else "long"


def shock_in(shock: Decimal) -> Decimal:
    """A move of ``shock`` percent of the price P as a move of x = 1/P: ``100/(1 + r/100) - 100``."""
    return div(HUNDRED, ONE + shock / HUNDRED) - HUNDRED


def move_in(move: float) -> float:
    """:func:`shock_in` of a float move (a distribution's)."""
    return 100.0 / (1.0 + move / 100.0) - 100.0


def linear_twin(symbol: SymbolSpec) -> SymbolSpec:
    """The inverse ``symbol``'s twin: the same tiers, linear, its amounts in the coin (the twin's
    quote) and its sizes in the quote currency (the twin's base)."""
    return replace(symbol, base=symbol.quote, quote=symbol.base, contract_type="linear", face_value=ONE)


@dataclass(frozen=True)
class Twin:
    """The trader's inverse contract, and the terms of its linear twin.

    Attributes:
        symbol: the trader's (inverse) symbol; calc its calculator.
        mark: the market's mark, in the trader's price.
        columns: the trader's book as read (the balance warning counts its contracts).
    """

    symbol: SymbolSpec
    calc: Calculator
    mark: Decimal
    columns: Columns | None = None
    shocks: tuple[Decimal, ...] = ()
    """The trader's shocks, in order (a sweep's)."""
    moves: Mapping[float, float] | None = None
    """Each twin move of a distribution, and the trader's move it is."""
    digits: int = 30
    """The significant digits a price turned back keeps: 30 on the Decimal path, the float
    book's 12 on the vectorized one (its x carries no more)."""

    def magnitude(self, twin_moves: Any) -> Any:
        """How far each twin move (an array) is in the trader's price: ``|r|``, by which the
        smallest move that reaches you is chosen."""
        import numpy as np

        return np.abs(100.0 / (1.0 + np.asarray(twin_moves, dtype=np.float64) / 100.0) - 100.0)

    @property
    def face(self) -> Decimal:
        """The quote one contract is worth."""
        return self.symbol.face_value

    def price_in(self, price: Decimal) -> Decimal:
        """The trader's price as the twin's (the reciprocal, to the core's precision)."""
        return div(ONE, price)

    def price(self, price: Decimal) -> Decimal:
        """The twin's price as the trader's: the reciprocal to 30 significant digits, so that
        the reciprocal of 1/70,000 is 70000, not 69999.99999999999999999999999999998."""
        back = DecimalContext(prec=self.digits)
        return back.plus(div(ONE, price)).normalize(back) + ZERO

    def price_or_none(self, price: Decimal | None) -> Decimal | None:
        """:meth:`price` of a price that may be missing."""
        return None if price is None else self.price(price)

    def size_in(self, size: Decimal) -> Decimal:
        """Contracts as the twin's size (x face)."""
        return size * self.face

    def size_out(self, size: Decimal) -> Decimal:
        """The twin's size as contracts."""
        return div(size, self.face)

    def size_out_or_none(self, size: Decimal | None) -> Decimal | None:
        """:meth:`size_out` of a size that may be missing."""
        return None if size is None else self.size_out(size)

    def result(self, result: PositionResult) -> PositionResult:
        """A position's result (the trader's, from :meth:`Calculator.evaluate`) as the twin's."""
        spec = result.spec
        side, size, (entry, mark) = self.calc.to_core(spec.side, spec.size, spec.entry, spec.mark)
        return replace(result, spec=replace(spec, side=side, size=size, entry=entry, mark=mark),
                       liquidation_price=self.calc.contract.price_or_none(result.liquidation_price),
                       bankruptcy_price=self.calc.contract.price_or_none(result.bankruptcy_price))

    def book(self, book: Book) -> Book:
        """The book's columns as the twin's (the rows' text stays the trader's: the Decimal
        path evaluates each row on the trader's contract and turns the result)."""
        import numpy as np

        from liqcalc.core.book import Columns

        c = book.columns
        with np.errstate(divide="ignore"):
            columns = Columns(c.ids, -c.side, c.size * float(self.face), 1.0 / c.entry, 1.0 / c.mark, c.margin,
                              c.leverage, c.wallet)
        return replace(book, columns=columns)

    def inputs(self, inputs: AdlInputs, mark: Decimal) -> AdlInputs:
        """The inputs the twin's computation reads (the report echoes the trader's)."""
        return replace(
            inputs, mark=mark,
            liquidated_size=None if inputs.liquidated_size is None else self.size_in(inputs.liquidated_size),
            bankruptcy_price=None if inputs.bankruptcy_price is None else self.price_in(inputs.bankruptcy_price),
            liquidated_side=None if inputs.liquidated_side is None else flip(cast(Side, inputs.liquidated_side)),
            hedge_size=None if inputs.hedge_size is None else self.size_in(inputs.hedge_size),
        )

    def distribution(self, distribution: Distribution) -> tuple[Distribution, dict[float, float]]:
        """The distribution's moves of P as moves of x (the same weights, in the same order),
        and each twin move's trader move."""
        twin = tuple(move_in(m) for m in distribution.moves)
        return replace(distribution, moves=twin), dict(zip(twin, distribution.moves, strict=True))

    # -- back to the trader ---------------------------------------------------------------

    def _row(self, row: QueueRow) -> QueueRow:
        out = dict(row)
        out.update(side=flip(row["side"]), size=self.size_out(row["size"]), entry=self.price(row["entry"]),
                   mark=self.price(row["mark"]), bankruptcy_price=self.price_or_none(row["bankruptcy_price"]),
                   adl_size=self.size_out(row["adl_size"]), adl_price=self.price_or_none(row["adl_price"]))
        out["by_policy"] = {name: {**p, "adl_size": self.size_out(p["adl_size"]), "adl_price": self.price_or_none(p["adl_price"])}
                            for name, p in row["by_policy"].items()}
        return cast("QueueRow", out)

    def _you(self, you: You, mine: PositionResult, inputs: AdlInputs) -> You:
        from liqcalc.app.adl import r8

        out: dict[str, Any] = dict(you)
        mark = self.price(you["mark"])
        adl_price = self.price_or_none(you["adl_price"])
        residual = -self.size_out(you["residual_exposure"])
        out.update(
            side=mine.spec.side, size=mine.spec.size, entry=mine.spec.entry, mark=mark,
            liquidation_price=mine.liquidation_price, bankruptcy_price=mine.bankruptcy_price,
            adl_size=self.size_out_or_none(you["adl_size"]), adl_price=adl_price,
            pnl_basis_size=self.size_out(you["pnl_basis_size"]), remaining_size=self.size_out(you["remaining_size"]),
            hedge_size=inputs.hedge_size, residual_exposure=residual + ZERO,
            # a signed value in the coin: the sign is the trader's side's
            residual_notional=-you["residual_notional"] + ZERO,
            adl_price_vs_mark=None if adl_price is None else {
                "price": r8(adl_price - mark), "percent": r8((adl_price - mark) / mark * 100)},
        )
        return cast("You", out)

    def _event(self, event: EventInfo, inputs: AdlInputs, shock: Decimal | None) -> EventInfo:
        return replace(
            event, liquidated_side=None if event.liquidated_side is None else flip(cast(Side, event.liquidated_side)),
            liquidated_size=self.size_out_or_none(event.liquidated_size),
            bankruptcy_price=inputs.bankruptcy_price if event.kind == "liquidation" else None,
            adl_price=self.price_or_none(event.adl_price), deleveraged_size=self.size_out(event.deleveraged_size),
            handed_size=self.size_out(event.handed_size), shock=shock,
            mark_after=None if shock is None else self.mark * (1 + shock / HUNDRED),
        )


def to_trader(report: AdlReport, twin: Twin, inputs: AdlInputs, mine: PositionResult | None) -> AdlReport:
    """The twin's report in the trader's terms: ``inputs`` as given, ``mine`` your position's
    result as evaluated on the trader's contract."""
    from liqcalc.app.adl import Rows

    shocks, moves = twin.shocks, twin.moves

    chosen_twin: dict[float, Decimal] = {}
    if report.event is not None and report.event.shock is not None:
        twin_shocks = [shock_in(s) for s in shocks]
        chosen_twin = {float(t): s for t, s in zip(twin_shocks, shocks, strict=True)}

    def back(shock: Decimal | None) -> Decimal | None:
        if shock is None:
            return None
        if moves is not None:
            return Decimal(repr(moves.get(float(shock), float(shock))))
        return chosen_twin.get(float(shock), shock)

    queue = report.queue
    fields: dict[str, Any] = {
        "inputs": inputs, "symbol": twin.symbol.name, "queue_side": flip(report.queue_side),
        "queue": Rows(len(queue), lambda n: twin._row(queue.row(n))),
        "contract": twin.symbol,
    }
    fields["policies"] = {name: {**p, "closed_size": twin.size_out(p["closed_size"]),
                                 "uncovered_size": twin.size_out(p["uncovered_size"])}
                          for name, p in report.policies.items()}
    event = report.event
    if event is not None:
        fields["event"] = twin._event(event, inputs, back(event.shock))
    if report.you is not None and mine is not None:
        fields["you"] = twin._you(report.you, mine, inputs)
    if report.sweep:
        rows = []
        for i, row in enumerate(report.sweep):
            shock = shocks[i] if i < len(shocks) else back(row["shock"]) or row["shock"]
            out: dict[str, Any] = dict(row)
            out.update(shock=shock, mark=twin.mark * (1 + shock / HUNDRED),
                       deleveraged_size=twin.size_out(row["deleveraged_size"]),
                       you_adl_size=twin.size_out(row["you_adl_size"]),
                       you_adl_price=twin.price_or_none(row["you_adl_price"]),
                       you_remaining_size=twin.size_out_or_none(row["you_remaining_size"]),
                       you_residual_exposure=None if row["you_residual_exposure"] is None
                       else -twin.size_out(row["you_residual_exposure"]) + ZERO)
            rows.append(out)
        fields["sweep"] = tuple(rows)
        if report.reaches_you is not None and moves is None:
            # the smallest shock that reaches you, by the trader's percent
            first = min((r for r in rows if r["you_adl_size"] > 0), key=lambda r: (abs(r["shock"]), rows.index(r)))
            fields["reaches_you"] = {
                "shock": first["shock"], "mark": first["mark"], "adl_size": first["you_adl_size"],
                "adl_price": first["you_adl_price"], "loss_vs_mark": first["you_loss_vs_mark"],
                "loss_vs_mark_roe_percent": first["you_loss_vs_mark_roe_percent"]}
    reaches = report.reaches_you
    if reaches is not None and "reaches_you" not in fields:
        at = back(reaches["shock"])
        assert at is not None
        fields["reaches_you"] = {**reaches, "shock": at, "mark": twin.mark * (1 + at / HUNDRED),
                                 "adl_size": twin.size_out(reaches["adl_size"]),
                                 "adl_price": twin.price_or_none(reaches["adl_price"])}
    if report.expected is not None:
        block = dict(report.expected)
        block.update(expected_adl_size=twin.size_out(block["expected_adl_size"]),
                     expected_residual_exposure=-twin.size_out(block["expected_residual_exposure"]) + ZERO,
                     shown_at=back(block["shown_at"]))
        fields["expected"] = block
    if report.fund_needed_for is not None:
        fields["fund_needed_for"] = {**report.fund_needed_for, "shock": back(report.fund_needed_for.get("shock"))}
    if report.curve is not None and moves is not None:
        curve = report.curve
        order = sorted(range(len(curve["move"])), key=lambda k: moves.get(curve["move"][k], curve["move"][k]))
        face = float(twin.face)
        fields["curve"] = {
            key: tuple((moves.get(values[k], values[k]) if key == "move" else
                        values[k] / face if key == "adl_size" else values[k]) for k in order)
            for key, values in curve.items()
        }
    return replace(report, **fields)
