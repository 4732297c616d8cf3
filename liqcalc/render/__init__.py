"""Rendering: JSON envelopes, rich tables, CSV and markdown from the same result objects.

The command picks an :class:`OutputFormat` once; it never branches on the format itself.
"""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    """How results are written to stdout.

    ``table``: rich tables and the sentences that explain them. ``json``: one JSON object.
    ``csv``: one table per command (its main one), numbers plain (``57228.92``, rounded like
    the JSON). ``markdown``: every table of the command as a pipe table under a heading line,
    cells as the table shows them.
    """

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
