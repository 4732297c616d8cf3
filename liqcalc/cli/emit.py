"""The one place a command's report is written: the format is chosen once, here.

JSON is the report's ``to_dict()`` on stdout; a table is the renderer's, after the report's
warnings, each once on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol

from liqcalc.render import OutputFormat


class Report(Protocol):
    """What every command's report offers the writer."""

    @property
    def all_warnings(self) -> list[str]: ...

    def to_dict(self) -> dict[str, Any]: ...


#: Each report's table renderer, as (module, function): imported on first use (rich is slow).
TABLES = {
    "PositionReport": ("liqcalc.render.position", "render_table"),
    "AccountReport": ("liqcalc.render.account", "render_account"),
    "CompareReport": ("liqcalc.render.compare", "render_compare"),
}


def _table(report: Report) -> Callable[[Any], None]:
    """The table renderer of the report's command."""
    import importlib

    module, function = TABLES[type(report).__name__]
    renderer: Callable[[Any], None] = getattr(importlib.import_module(module), function)
    return renderer


def emit(report: Report, output: OutputFormat) -> None:
    """Write ``report`` in the chosen format."""
    if output is OutputFormat.json:
        from liqcalc.render.numbers import dumps

        sys.stdout.write(dumps(report.to_dict()) + "\n")
        return
    if output is OutputFormat.table:
        for warning in report.all_warnings:
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
        _table(report)(report)
        return
    raise AssertionError(f"unhandled output format {output!r}")
