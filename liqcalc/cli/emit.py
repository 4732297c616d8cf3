"""The one place a command's report is written: the format is chosen once, here.

Each format has a formatter (:func:`formatter`) that returns the text from the report (the
table's is what rich would print on the console, with its width and colours). JSON is the
report's ``to_dict()``; the other formats first write the report's warnings, each once, on
stderr. CSV writes the command's main table, markdown every table, both from the row builders
the rich tables use (:mod:`liqcalc.render.rows`).

A new format: a member of :class:`~liqcalc.render.OutputFormat`, a formatter here (mypy's
``assert_never`` in :func:`formatter` names the one missing), and for a table format a writer
of :class:`~liqcalc.render.rows.Rows` beside ``to_csv``. A new report: one line of
:data:`RENDERERS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, assert_never

from liqcalc.render import OutputFormat


class Report(Protocol):
    """What every command's report offers the writer."""

    def to_dict(self) -> dict[str, Any]: ...


class Renderers(NamedTuple):
    """A report's renderers: functions of one module, named (the module is imported on first
    use: rich is slow)."""

    module: str
    table: str
    """Prints the rich tables and their sentences on :func:`liqcalc.render.console.console`."""
    csv: str
    """Returns the :class:`~liqcalc.render.rows.Rows` CSV writes, numbers plain."""
    tables: str
    """Returns every table's :class:`~liqcalc.render.rows.Rows`, cells as the table shows them."""
    title: str
    """Returns the title line of the tables."""


RENDERERS: dict[str, Renderers] = {
    "PositionReport": Renderers("liqcalc.render.position", "render_table", "csv_table", "tables", "title"),
    "AccountReport": Renderers("liqcalc.render.account", "render_account", "csv_table", "tables", "title"),
    "CompareReport": Renderers("liqcalc.render.compare", "render_compare", "csv_table", "tables", "title"),
    "AdlReport": Renderers("liqcalc.render.adl", "render_table", "csv_table", "tables", "title"),
    "PresetList": Renderers("liqcalc.render.presets", "list_table", "list_csv", "list_tables", "list_title"),
    "PresetShow": Renderers("liqcalc.render.presets", "show_table", "show_csv", "show_tables", "show_title"),
}
"""Each report's renderers, by the report's class name."""


def renderer(report: Any, part: str) -> Any:
    """The renderer ``part`` (``table``, ``csv``, ``tables`` or ``title``) of ``report``."""
    import importlib

    names = RENDERERS[type(report).__name__]
    return getattr(importlib.import_module(names.module), getattr(names, part))


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

    return to_csv(renderer(report, "csv")(report))


def as_markdown(report: Report) -> str:
    """Every table of the command as markdown, under its title."""
    from liqcalc.render.rows import to_markdown

    return to_markdown(renderer(report, "tables")(report), renderer(report, "title")(report))


def table(report: Report) -> str:
    """The rich tables and their sentences, as the console would show them (its width, its
    colours)."""
    from liqcalc.render.console import as_text

    return as_text(renderer(report, "table"), report)


def formatter(output: OutputFormat) -> Callable[[Report], str]:
    """The formatter of ``output``: the text it writes on stdout."""
    if output is OutputFormat.json:
        return as_json
    if output is OutputFormat.csv:
        return as_csv
    if output is OutputFormat.markdown:
        return as_markdown
    if output is OutputFormat.table:
        return table
    assert_never(output)


#: stdout is written in pieces of at most this many characters: when its reader goes away
#: (``| head -1``), a large text handed to the kernel in one write can be taken as written, and
#: the closed pipe only shows on a write that follows.
PIECE = 64 * 1024


def out(text: str) -> None:
    """Write ``text`` to stdout in pieces of :data:`PIECE` (a closed pipe is then an error here,
    which the boundary turns into a quiet exit 1)."""
    write = sys.stdout.write
    for start in range(0, len(text), PIECE):
        write(text[start : start + PIECE])


def emit(report: Report, output: OutputFormat) -> None:
    """Write ``report`` in the chosen format: warnings once on stderr (not with JSON, which
    carries them), then the text on stdout."""
    write = formatter(output)
    if output is not OutputFormat.json:
        for warning in warnings_of(report):
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
    from liqcalc.core.numbers import coin_amounts

    with coin_amounts(bool(getattr(report, "in_coin", False))):  # amounts to the satoshi in a coin
        parts = getattr(report, "json_parts", None) if output is OutputFormat.json else None
        if parts is None:
            out(write(report))
            return
        for part in parts():  # a report that streams its JSON (adl-risk's queue): the same text, written as made
            out(part)
