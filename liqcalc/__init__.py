"""liqcalc: exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures.

The Python API, one function per command, with keywords named like the options::

    import liqcalc

    report = liqcalc.position(preset="binance", symbol="BTCUSDT", side="long",
                              entry=60000, size=1, leverage=20)
    report.liquidation_price     # a Decimal
    report.to_dict()             # what `liqcalc position ... --json` prints (numbers unrounded)

- :func:`position`, :func:`account`, :func:`compare`, :func:`adl_risk` return typed, frozen
  reports whose ``to_dict()`` is the command's ``--json`` object (its numbers unrounded
  Decimals); warnings are data in them.
- :func:`load_preset` loads a venue preset by name or path.
- Every error is a :class:`LiqcalcError`, one of: :class:`InputError` (a bad value; ``field``
  names the keyword, ``entry=``), :class:`UsageError` (values that cannot go together),
  :class:`TierError` (beyond the tier table), :class:`LeverageError` (above the tier's maximum),
  :class:`PresetError` (a preset missing or invalid), :class:`SymbolError` (not in the preset).

The names are imported on first use (PEP 562), so ``import liqcalc`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it, imported on first access.
_LAZY = {
    "position": "liqcalc.app.position",
    "account": "liqcalc.app.account",
    "compare": "liqcalc.app.compare",
    "adl_risk": "liqcalc.app.adl",
    "synth_book": "liqcalc.app.synth",
    "load_preset": "liqcalc.app.presets",
    "Session": "liqcalc.app.session",
    "PositionReport": "liqcalc.app.reports",
    "AccountReport": "liqcalc.app.account",
    "CompareReport": "liqcalc.app.compare",
    "AdlReport": "liqcalc.app.adl",
    "LiqcalcError": "liqcalc.core.errors",
    "InputError": "liqcalc.core.errors",
    "UsageError": "liqcalc.core.errors",
    "TierError": "liqcalc.core.errors",
    "LeverageError": "liqcalc.core.errors",
    "PresetError": "liqcalc.core.errors",
    "SymbolError": "liqcalc.core.errors",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:
    from liqcalc.app.account import AccountReport as AccountReport
    from liqcalc.app.account import account as account
    from liqcalc.app.adl import AdlReport as AdlReport
    from liqcalc.app.compare import CompareReport as CompareReport
    from liqcalc.app.compare import compare as compare
    from liqcalc.app.position import position as position
    from liqcalc.app.presets import load_preset as load_preset
    from liqcalc.app.reports import PositionReport as PositionReport
    from liqcalc.app.session import Session as Session
    from liqcalc.app.synth import synth_book as synth_book
    from liqcalc.core.errors import InputError as InputError
    from liqcalc.core.errors import LeverageError as LeverageError
    from liqcalc.core.errors import LiqcalcError as LiqcalcError
    from liqcalc.core.errors import PresetError as PresetError
    from liqcalc.core.errors import SymbolError as SymbolError
    from liqcalc.core.errors import TierError as TierError
    from liqcalc.core.errors import UsageError as UsageError


def __getattr__(name: str) -> Any:
    """The API's names, imported when first used (PEP 562)."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r} ({module_name} is not in this version)") from None
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
