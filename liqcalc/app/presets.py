"""Presets for the Python API."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liqcalc.presets.loader import Preset


def load_preset(name_or_path: str | os.PathLike[str]) -> Preset:
    """A venue preset: a built-in or user preset's name (``binance``), or a ``.toml`` file.

    The preset holds the venue's rules (``.venue``) and its symbols (``.symbol("BTC")``).
    Raises :class:`~liqcalc.core.errors.PresetError` when it is missing or invalid.
    """
    from liqcalc.core.errors import LiqcalcError
    from liqcalc.presets.loader import load

    try:
        return load(os.fspath(name_or_path))
    except LiqcalcError as error:  # the input is this function's argument: name_or_path=, not --preset
        raise error.renamed(lambda key: "name_or_path=" if key == "preset" else key + "=") from None
