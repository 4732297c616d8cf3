"""One row builder per table: a header and cells, as text, in one of two styles.

The rich table and the markdown writer take the cells as the table shows them
(:data:`SHOWN`: ``57,228.92``, ``20x``, ``+1.23%``); CSV takes them plain (:data:`PLAIN`:
``57228.92``, ``20``, ``1.2345``: numbers without thousands separators, units or signs added,
rounded like the JSON). A builder is written once against :class:`Style`, so the formats cannot
drift apart. Nothing here imports rich: ``--format csv`` and ``--format markdown`` do not load it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from liqcalc.render.numbers import json_number


class Rows:
    """One table: its name (the markdown heading), its header and its rows of cells.

    A plain class, not a dataclass: this module is imported on the JSON path (by the renderers'
    modules), where a dataclass's generated methods cost a measurable part of a millisecond.
    """

    __slots__ = ("header", "name", "rows")

    def __init__(self, name: str, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
        self.name = name
        self.header = header
        self.rows = rows

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rows) and (self.name, self.header, self.rows) == (other.name, other.header, other.rows)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({self.name!r}, {self.header!r}, {len(self.rows)} rows)"

    def column(self, header: str) -> list[str]:
        """The cells of the column named ``header``."""
        i = self.header.index(header)
        return [row[i] for row in self.rows]


class Style:
    """How a builder writes a number: as the table shows it, or plain for CSV.

    Attributes:
        plain: True for CSV (numbers as the JSON writes them; a missing value is empty).
        money: an amount of quote currency.
        price: a price.
        qty: a base quantity.
        signed: an amount with its sign (PnL).
        leverage: a leverage (``20x``).
        pct: a figure already in percent, with its sign (``+1.23%``).
        missing: what a missing value is (``-`` in tables, empty in CSV).
    """

    __slots__ = ("leverage", "missing", "money", "pct", "plain", "price", "qty", "signed")

    def __init__(self, *, plain: bool, money: Callable[[Decimal | None], str], price: Callable[[Decimal | None], str],
                 qty: Callable[[Decimal], str], signed: Callable[[Decimal | None], str],
                 leverage: Callable[[Decimal | None], str], pct: Callable[[Decimal | None], str], missing: str) -> None:
        self.plain = plain
        self.money = money
        self.price = price
        self.qty = qty
        self.signed = signed
        self.leverage = leverage
        self.pct = pct
        self.missing = missing


def plain_number(value: Decimal | float | None) -> str:
    """A number for CSV: the JSON's literal (at most 10 decimals, no exponent, no grouping);
    empty for a missing value."""
    if value is None:
        return ""
    text = json_number(value)
    return "" if text == "null" else text


def _shown_money(value: Decimal | None) -> str:
    from liqcalc.render.numbers import money

    return money(value)


def _shown_price(value: Decimal | None) -> str:
    from liqcalc.render.numbers import price

    return price(value)


def _shown_qty(value: Decimal) -> str:
    from liqcalc.render.position import size_text

    return size_text(value)


def _shown_signed(value: Decimal | None) -> str:
    from liqcalc.render.position import signed_money

    return "-" if value is None else signed_money(value)


def _shown_leverage(value: Decimal | None) -> str:
    from liqcalc.render.position import leverage_text

    return leverage_text(value)


def _shown_pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:+.2f}%"


SHOWN = Style(plain=False, money=_shown_money, price=_shown_price, qty=_shown_qty, signed=_shown_signed,
              leverage=_shown_leverage, pct=_shown_pct, missing="-")
"""Cells as the rich table (and the markdown table) shows them."""

PLAIN = Style(plain=True, money=plain_number, price=plain_number, qty=plain_number, signed=plain_number,
              leverage=plain_number, pct=plain_number, missing="")
"""Cells as CSV writes them."""


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"), the full-width
#: forms included (some spreadsheets fold them to their ASCII forms).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: A number as CSV writes it (:func:`plain_number`): a spreadsheet reads it as that number.
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
#: What makes a CSV cell quoted: the RFC 4180 characters, and the other separators a
#: spreadsheet may split on (``;`` in locales whose decimal mark is a comma, a tab), so that a
#: cell cannot start a new cell, a formula, in the middle.
_QUOTED = re.compile(r'[,";\t\r\n]')


def csv_cell(text: str) -> str:
    """A cell as CSV writes it, safe to open in a spreadsheet: text that a spreadsheet would run
    as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``) gets a leading apostrophe, which
    the spreadsheet reads as "this is text"; a number, negative ones included, stays a number."""
    if text.startswith(_FORMULA_START) and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def _csv_field(text: str) -> str:
    """One field of a CSV line: quoted (quotes doubled) when it holds a separator, a quote or a
    line break."""
    text = csv_cell(text)
    return '"' + text.replace('"', '""') + '"' if _QUOTED.search(text) else text


def _csv_line(cells: Sequence[str]) -> str:
    if len(cells) == 1 and not cells[0]:
        return '""\n'  # one empty cell, not an empty line (as the csv module writes it)
    return ",".join(_csv_field(cell) for cell in cells) + "\n"


def to_csv(table: Rows) -> str:
    """``table`` as CSV: one header line, ``\\n`` line ends as a Unix tool writes them; a cell
    with a comma, a quote, a line break, a semicolon or a tab is quoted (RFC 4180), and a text
    cell that a spreadsheet would run as a formula starts with an apostrophe (:func:`csv_cell`)."""
    return _csv_line(table.header) + "".join(_csv_line(row) for row in table.rows)


#: HTML in a markdown cell, written as entities so that it shows as text.
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def markdown_cell(text: str) -> str:
    """A cell of a pipe table: ``\\`` and ``|`` escaped, ``&``, ``<`` and ``>`` as HTML entities
    (a preset's title or a symbol cannot inject markup), line breaks as ``<br>``."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").translate(_HTML)
    return text.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def to_markdown(tables: Sequence[Rows], title: str | None = None) -> str:
    """``tables`` as markdown: an optional title line, then each table under a ``##`` heading
    as a pipe table (figures right-aligned: a column whose cells all start with a digit, a sign
    or a dash)."""
    parts: list[str] = [] if title is None else [f"# {markdown_cell(title)}", ""]
    for table in tables:
        parts.append(f"## {markdown_cell(table.name)}")
        parts.append("")
        parts.append("| " + " | ".join(markdown_cell(h) or " " for h in table.header) + " |")
        aligns = []
        for i in range(len(table.header)):
            cells = [row[i] for row in table.rows if row[i] not in ("", "-")]
            numeric = bool(cells) and all(c[:1].isdigit() or c[:1] in "+-<>" for c in cells)
            aligns.append("---:" if numeric else "---")
        parts.append("| " + " | ".join(aligns) + " |")
        parts.extend("| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in table.rows)
        parts.append("")
    return "\n".join(parts)
