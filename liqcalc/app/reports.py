"""The typed reports the API returns and the CLI writes: one per command.

Each report is frozen, holds the core's results (Decimal fields) and the warnings as data, and
``to_dict()`` is exactly the object ``--json`` prints. The JSON shape itself is the renderer's
(``liqcalc.render``), imported on first use so that building a report stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liqcalc.app.request import Request
    from liqcalc.core.model import SymbolSpec, Venue
    from liqcalc.core.position import PositionResult
    from liqcalc.presets.loader import Preset


@dataclass(frozen=True)
class PresetInfo:
    """What the output says about the preset used."""

    name: str
    title: str
    as_of: str
    path: str | None
    """The file, for user and ad-hoc presets (None for built-in ones: the name says it)."""
    origin: str
    illustrative: bool

    def as_json(self) -> dict[str, Any]:
        """The JSON's ``preset`` object."""
        return {
            "name": self.name, "title": self.title, "as_of": self.as_of, "path": self.path,
            "origin": self.origin, "illustrative": self.illustrative,
        }


@dataclass(frozen=True)
class PositionReport:
    """One ``position`` call: the preset, the echoed inputs and one result per leverage.

    Attributes:
        preset: the preset used.
        venue: the venue's rules, as the core evaluated them.
        symbol: the symbol, with its quote asset and tier table.
        inputs: the inputs as checked (the ``inputs`` key of the JSON).
        results: one :class:`~liqcalc.core.position.PositionResult` per leverage.
        warnings: the preset's staleness warning, if any (the results carry their own).
    """

    preset: PresetInfo
    venue: Venue
    symbol: SymbolSpec
    inputs: dict[str, Any]
    results: list[PositionResult]
    warnings: list[str] = field(default_factory=list)

    @property
    def in_coin(self) -> bool:
        """Whether the amounts are in a coin (an inverse contract's margin asset)."""
        return self.symbol.inverse

    @property
    def result(self) -> PositionResult:
        """The one result of a call with one leverage (or a margin)."""
        if len(self.results) != 1:
            raise ValueError(f"this report has {len(self.results)} results (one per leverage); use .results")
        return self.results[0]

    @property
    def liquidation_price(self) -> Decimal | None:
        """The one result's liquidation price (see :attr:`result`)."""
        return self.result.liquidation_price

    @property
    def bankruptcy_price(self) -> Decimal | None:
        """The one result's bankruptcy price (see :attr:`result`)."""
        return self.result.bankruptcy_price

    @property
    def all_warnings(self) -> list[str]:
        """Every warning, the preset's and each result's, each once (the JSON's ``warnings``)."""
        return list(dict.fromkeys([*self.warnings, *(w for r in self.results for w in r.warnings)]))

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        from liqcalc.render.position import report_json

        return report_json(self)


@dataclass(frozen=True)
class AccountReport:
    """One cross account (``position --account``): every position's liquidation price with
    the others held at their marks.

    Attributes:
        preset: the preset used.
        venue: the venue's rules.
        wallet: the cross wallet balance.
        results: one result per position, in the file's order.
        warnings: the preset's staleness warning and each position's remarks (``SYMBOL: ...``).
        margin_asset: the asset of the wallet and every amount.
        in_coin: whether it is a coin (inverse contracts).
    """

    preset: PresetInfo
    venue: Venue
    wallet: Decimal
    results: list[PositionResult]
    warnings: list[str] = field(default_factory=list)
    margin_asset: str = ""
    """The asset of the wallet and of every amount (the positions share it)."""
    in_coin: bool = False
    """Whether that asset is a coin (the positions are inverse contracts)."""

    @property
    def margin_balance(self) -> Decimal:
        """The wallet after funding (every position's evaluation carries the account's)."""
        return self.results[0].margin_balance

    @property
    def unrealized_pnl(self) -> Decimal:
        """The unrealized PnL of every position at its mark."""
        return sum((r.unrealized_pnl for r in self.results), Decimal(0))

    @property
    def equity(self) -> Decimal:
        """Margin balance + unrealized PnL of every position."""
        return self.results[0].equity

    @property
    def maintenance_margin(self) -> Decimal:
        """The positions' maintenance margin at their marks."""
        return sum((r.maintenance_margin for r in self.results), Decimal(0))

    @property
    def margin_ratio(self) -> Decimal | None:
        """Maintenance margin / equity (liquidation at 1); None when equity is not positive."""
        return self.results[0].margin_ratio

    @property
    def all_warnings(self) -> list[str]:
        """The warnings, as the JSON's ``warnings`` lists them."""
        return list(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        from liqcalc.render.account import account_json

        return account_json(self)


@dataclass(frozen=True)
class VenueRow:
    """One venue's answer in a comparison, or why it cannot take the trade."""

    name: str
    preset: Preset | None
    symbol: SymbolSpec | None
    result: PositionResult | None
    error: str | None
    notes: list[str] = field(default_factory=list)
    """Remarks about this venue alone (an option that does not apply to it)."""
    sizing: list[str] = field(default_factory=list)
    """Remarks about the size this venue takes (a number of contracts that is not whole)."""

    @property
    def ok(self) -> bool:
        """Whether the venue took the trade."""
        return self.error is None and self.result is not None


@dataclass(frozen=True)
class CompareReport:
    """The same trade on several venues (``compare``).

    Attributes:
        request: the trade as checked (its ``inputs`` are the JSON's).
        rows: one :class:`VenueRow` per venue, in the order compared.
        warnings: the presets' staleness warnings (each venue's remarks are on its row).
    """

    request: Request
    rows: list[VenueRow]
    warnings: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> dict[str, Any]:
        """The JSON's ``inputs``."""
        return {k: v for k, v in self.request.inputs.items() if k not in ("preset", "can_pay")}

    @property
    def all_warnings(self) -> list[str]:
        """The staleness warnings, then each venue's remarks, each once with the venues it
        concerns (``... (binance, bybit)``): what the table prints on stderr."""
        venues: dict[str, list[str]] = {}
        for row in self.rows:
            for remark in row.result.warnings if row.result is not None else ():
                venues.setdefault(remark, []).append(row.name)
        return [*self.warnings, *(f"{remark} ({', '.join(where)})" for remark, where in venues.items())]

    @property
    def refused(self) -> bool:
        """True when no venue compared could take the trade."""
        return bool(self.rows) and all(row.result is None for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        from liqcalc.render.compare import compare_json

        return compare_json(self)
