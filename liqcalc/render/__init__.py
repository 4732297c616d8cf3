"""Rendering: JSON envelopes and rich tables from the same result objects.

The command picks an :class:`OutputFormat` once; it never branches on the format itself.
"""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    """How results are written to stdout."""

    table = "table"
    json = "json"
