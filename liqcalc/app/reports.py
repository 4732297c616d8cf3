"""The typed reports the API returns and the CLI writes: one per command.

Each report is frozen, holds the core's results (Decimal fields) and the warnings as data, and
``to_dict()`` is exactly the object ``--json`` prints (in plain dicts and lists, the caller's to
change). A report is read-only all the way down: whatever its builder passes, its sequences
become tuples and its mappings :class:`FrozenDict` in ``__post_init__``. The JSON shape itself is the renderer's
(``liqcalc.render``), imported on first use so that building a report stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from liqcalc.app.request import Request
    from liqcalc.core.model import SymbolSpec, Venue
    from liqcalc.core.position import PositionResult
    from liqcalc.presets.loader import Preset


class FrozenDict(dict[str, Any]):
    """A dict that refuses every change: a report's mapping (its ``inputs``), read-only like
    the report. Still a dict, so that ``--json`` writes it as before and it compares equal to one;
    :func:`thawed` gives a plain copy."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a report is read-only; copy it (dict(...)) to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle build it whole, never by __setitem__
        return (FrozenDict, (dict(self),))


def frozen(value: Any) -> Any:
    """``value`` with every dict a :class:`FrozenDict` and every list a tuple, all the way down."""
    if isinstance(value, dict):
        return FrozenDict({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    return value


def thawed(value: Any) -> Any:
    """A plain copy of a :func:`frozen` value: dicts and lists again (the JSON's shapes)."""
    if isinstance(value, dict):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    return value


def _fix(report: Any, **values: Any) -> None:
    """Set fields of a frozen report from its ``__post_init__``."""
    for name, value in values.items():
        object.__setattr__(report, name, value)


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
    inputs: Mapping[str, Any]
    results: Sequence[PositionResult]
    warnings: Sequence[str] = ()

    def __post_init__(self) -> None:  # read-only: tuples and a FrozenDict, whatever was passed
        _fix(self, inputs=frozen(self.inputs), results=tuple(self.results), warnings=tuple(self.warnings))

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

        return _plain(report_json(self))


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
    """

    preset: PresetInfo
    venue: Venue
    wallet: Decimal
    results: Sequence[PositionResult]
    warnings: Sequence[str] = ()

    def __post_init__(self) -> None:
        _fix(self, results=tuple(self.results), warnings=tuple(self.warnings))

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
    notes: Sequence[str] = ()
    """Remarks about this venue alone (an option that does not apply to it)."""

    def __post_init__(self) -> None:
        _fix(self, notes=tuple(self.notes))

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
    rows: Sequence[VenueRow]
    warnings: Sequence[str] = ()

    def __post_init__(self) -> None:
        _fix(self, rows=tuple(self.rows), warnings=tuple(self.warnings))

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

        return _plain(compare_json(self))


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """The ``--json`` object with its ``inputs`` a plain dict again (the caller's to change)."""
    if "inputs" in data:
        data["inputs"] = thawed(data["inputs"])
    return data
