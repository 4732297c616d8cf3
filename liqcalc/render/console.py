"""The rich console the tables are printed on, and tables that fit it without cutting a figure."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


_TARGET: ContextVar[io.StringIO | None] = ContextVar("_TARGET", default=None)


def console() -> Console:
    """A console on stdout; 120 columns when stdout is not a terminal (pipes, README
    examples) unless ``COLUMNS`` says otherwise. Inside :func:`as_text` it writes to text
    instead, with the width and colours of that console."""
    from rich.console import Console

    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    real = Console(highlight=False, width=120 if wide else None, soft_wrap=False)
    target = _TARGET.get()
    if target is None:
        return real
    return Console(file=target, highlight=False, width=real.width, soft_wrap=False, force_terminal=real.is_terminal,
                   color_system=real.color_system, no_color=real.no_color)  # type: ignore[arg-type]


def as_text(render: Callable[[Any], None], report: Any) -> str:
    """What ``render`` prints of ``report`` on the console, as text: the table formatter
    returns it and the one writer writes it, as for every other format."""
    buffer = io.StringIO()
    token = _TARGET.set(buffer)
    try:
        render(report)
    finally:
        _TARGET.reset(token)
    return buffer.getvalue()


@dataclass(frozen=True)
class Column:
    """A column of a table that :func:`fit` may fold: ``wrap`` for words (a venue's rules),
    not for figures, which are never wrapped nor cut."""

    header: str
    justify: Literal["left", "right"] = "right"
    wrap: bool = False


def _widths(column: Column, cells: Sequence[str]) -> tuple[int, int]:
    """The narrowest a column can be (its longest figure, or its longest word; a header
    wraps between words) and its natural width (everything on one line)."""
    from rich.cells import cell_len

    words = column.header.split()
    for cell in cells:
        words.extend(cell.split() if column.wrap else [cell])
    narrowest = max((cell_len(w) for w in words), default=1)
    natural = max([cell_len(column.header), *(cell_len(c) for c in cells)])
    return narrowest, natural


def fit(title: str | None, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int,
        keep: int = 1) -> list[Table]:
    """``rows`` as one table, or, when that would not fit in ``width`` without cutting a
    figure, as several tables one below the other, each repeating the first ``keep`` columns
    (the row's name). Every column gets a fixed width between its narrowest and its natural
    one, so rich never shortens a figure nor ellipsizes it; only a terminal too narrow for a
    single figure folds it (never cuts it)."""
    from rich.table import Table

    sizes = [_widths(c, [row[i] for row in rows]) for i, c in enumerate(columns)]
    # rich draws a border before each column and one after the last, and pads a cell by 1 on each side
    base = 1 + sum(sizes[i][0] + 3 for i in range(keep))
    groups: list[list[int]] = []
    used = base
    for i in range(keep, len(columns)):
        cost = sizes[i][0] + 3
        if not groups or used + cost > width:
            groups.append([])
            used = base
        groups[-1].append(i)
        used += cost
    tables = []
    for n, group in enumerate(groups or [[]]):
        shown = [*range(keep), *group]
        widths = {i: sizes[i][0] for i in shown}
        slack = width - 1 - sum(widths[i] + 3 for i in shown)
        from rich.cells import cell_len

        for i in shown:  # the room left puts the row's name and the headers on one line first,
            wanted = sizes[i][1] if i < keep else cell_len(columns[i].header)
            grow = max(0, min(slack, wanted - widths[i], sizes[i][1] - widths[i]))
            widths[i] += grow
            slack -= grow
        while slack > 0:  # then widens the column that most needs it, one cell at a time
            short = max(shown, key=lambda i: sizes[i][1] - widths[i])
            if sizes[short][1] <= widths[short]:
                break
            widths[short] += 1
            slack -= 1
        table = Table(title=title if n == 0 else None, title_justify="left")
        for i in shown:
            table.add_column(columns[i].header, justify=columns[i].justify, width=widths[i], overflow="fold")
        for row in rows:
            table.add_row(*(row[i] for i in shown))
        tables.append(table)
    return tables
