"""The one place a command's report is written: the format is chosen once, here.

Each format has a formatter that returns the text from the report (:data:`FORMATTERS`); the
table is rich's, printed on the console it measures. JSON is the report's ``to_dict()``; the
other formats first write the report's warnings, each once, on stderr. CSV writes the command's
main table (``csv_table``), markdown every table (``tables``), both from the row builders the
rich tables use (:mod:`liqcalc.render.rows`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol, assert_never

from liqcalc.render import OutputFormat


class Report(Protocol):
    """What every command's report offers the writer."""

    def to_dict(self) -> dict[str, Any]: ...


#: Each report's renderers, in the module that holds them (imported on first use: rich is slow):
#: the rich table (prints itself), CSV's one table and every table (row builders), the title.
RENDERERS: dict[str, tuple[str, str, str, str, str]] = {
    "PositionReport": ("liqcalc.render.position", "render_table", "csv_table", "tables", "title"),
    "AccountReport": ("liqcalc.render.account", "render_account", "csv_table", "tables", "title"),
    "CompareReport": ("liqcalc.render.compare", "render_compare", "csv_table", "tables", "title"),
    "AdlReport": ("liqcalc.render.adl", "render_table", "csv_table", "tables", "title"),
    "PresetList": ("liqcalc.render.presets", "list_table", "list_csv", "list_tables", "list_title"),
    "PresetShow": ("liqcalc.render.presets", "show_table", "show_csv", "show_tables", "show_title"),
}


def renderer(report: Any, part: int) -> Any:
    """Function ``part`` (1 the table, 2 CSV's rows, 3 every table's rows, 4 the title) of
    ``report``'s :data:`RENDERERS`."""
    import importlib

    names = RENDERERS[type(report).__name__]
    return getattr(importlib.import_module(names[0]), names[part])


def warnings_of(report: Any) -> list[str]:
    """The report's warnings, each once (what every format but JSON writes on stderr)."""
    found = getattr(report, "all_warnings", None)
    return list(found if found is not None else getattr(report, "warnings", ()))


def as_json(report: Report) -> str:
    """The report's ``to_dict()``, one JSON object on a line."""
    from liqcalc.render.numbers import dumps

    return dumps(report.to_dict()) + "\n"


def as_csv(report: Report) -> str:
    """The command's main table as CSV, numbers plain."""
    from liqcalc.render.rows import to_csv

    return to_csv(renderer(report, 2)(report))


def as_markdown(report: Report) -> str:
    """Every table of the command as markdown, under its title."""
    from liqcalc.render.rows import to_markdown

    return to_markdown(renderer(report, 3)(report), renderer(report, 4)(report))


def table(report: Report) -> None:
    """The rich tables and their sentences, printed on the console (rich measures it)."""
    renderer(report, 1)(report)


def formatter(output: OutputFormat) -> Callable[[Report], str] | None:
    """The formatter of ``output``: the text it writes on stdout (None: the rich table, which
    prints itself)."""
    if output is OutputFormat.json:
        return as_json
    if output is OutputFormat.csv:
        return as_csv
    if output is OutputFormat.markdown:
        return as_markdown
    if output is OutputFormat.table:
        return None
    assert_never(output)


def emit(report: Report, output: OutputFormat) -> None:
    """Write ``report`` in the chosen format: warnings once on stderr (not with JSON, which
    carries them), then the text on stdout."""
    write = formatter(output)
    if output is not OutputFormat.json:
        for warning in warnings_of(report):
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
    if write is None:
        table(report)
        return
    sys.stdout.write(write(report))
