"""The typed reports the API returns and the CLI writes: one per command.

``position``'s report is here; ``AccountReport`` is in :mod:`liqcalc.app.account`,
``CompareReport`` in :mod:`liqcalc.app.compare` and ``AdlReport`` in :mod:`liqcalc.app.adl`,
each beside the command that builds it (a class costs its module's import a few tenths of a
millisecond, and ``position`` starts without them). Each report is frozen, holds the core's results (Decimal fields) and the warnings as data, and
``to_dict()`` is exactly the object ``--json`` prints (in plain dicts and lists, the caller's to
change). A report is read-only all the way down: whatever its builder passes, its sequences
become tuples and its mappings :class:`FrozenDict` in ``__post_init__``. The JSON shape itself is the renderer's
(``liqcalc.render``), imported on first use so that building a report stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liqcalc.core.frozen import FrozenDict as FrozenDict
from liqcalc.core.frozen import frozen as frozen
from liqcalc.core.frozen import thawed as thawed

if TYPE_CHECKING:
    from liqcalc.app.account import AccountReport as AccountReport
    from liqcalc.app.compare import CompareReport as CompareReport
    from liqcalc.app.compare import VenueRow as VenueRow
    from liqcalc.core.model import SymbolSpec, Venue
    from liqcalc.core.position import PositionResult

#: Reports defined beside the command that builds them (as ``AdlReport`` in ``app/adl.py``), so
#: that ``position`` does not create their classes at every start; still importable from here.
_ELSEWHERE = {"AccountReport": "liqcalc.app.account", "CompareReport": "liqcalc.app.compare",
              "VenueRow": "liqcalc.app.compare"}


def __getattr__(name: str) -> Any:
    """``AccountReport``, ``CompareReport`` and ``VenueRow`` from their modules (PEP 562)."""
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def fix_fields(report: Any, **values: Any) -> None:
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
        fix_fields(self, inputs=frozen(self.inputs), results=tuple(self.results), warnings=tuple(self.warnings))

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

        return plain_inputs(report_json(self))


def plain_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """The ``--json`` object with its ``inputs`` a plain dict again (the caller's to change)."""
    if "inputs" in data:
        data["inputs"] = thawed(data["inputs"])
    return data
