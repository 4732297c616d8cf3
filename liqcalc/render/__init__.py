"""Rendering: JSON envelopes and rich tables from the same result objects.

The command picks an :class:`OutputFormat` once; it never branches on the format itself.
"""

from __future__ import annotations

from enum import Enum


class OutputFormat(str, Enum):
    """How results are written to stdout."""

    table = "table"
    json = "json"
