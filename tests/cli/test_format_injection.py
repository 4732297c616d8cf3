"""CSV and markdown output cannot be turned into formulas or markup by what a user file holds:
a preset's title, a symbol, a preset file's name. CSV follows OWASP's "CSV Injection" advice (a
text cell a spreadsheet would run as a formula starts with an apostrophe; numbers stay numbers);
markdown writes ``|`` and HTML as text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.render.rows import Rows, csv_cell, markdown_cell, to_csv, to_markdown

runner = CliRunner()

ROOT = Path(__file__).resolve().parents[2]
TITLE = '=HYPERLINK("http://evil.example";"<b>click</b>") | a & b'
SYMBOL = "@SUM(1+1)"
BASE = "-2+3"
FILE = "=cmd|<img src=x>"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user preset folder with a preset whose title, symbol and base are formulas and markup,
    and a copy of it under a hostile file name (listed as invalid: its name is not a preset name)."""
    text = (ROOT / "presets" / "dydx.toml").read_text(encoding="utf-8")
    escaped = TITLE.replace('"', '\\"')
    text = text.replace('name = "dydx"', 'name = "evil"')
    text = text.replace('title = "dYdX Chain (v4) perpetuals (USDC collateral)"', f'title = "{escaped}"')
    text = text.replace("[symbols.BTC-USD]", f'[symbols."{SYMBOL}"]').replace('base = "BTC"', f'base = "{BASE}"', 1)
    (tmp_path / "evil.toml").write_text(text, encoding="utf-8")
    (tmp_path / f"{FILE}.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("LIQCALC_PRESETS_DIR", str(tmp_path))
    return tmp_path


def output(*args: str) -> str:
    result = runner.invoke(app, [*args, "--no-stale-warning"] if args[0] == "position" else list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula(text: str) -> None:
    for cell in cells(text):
        if cell.startswith(FORMULA_START):
            float(cell)  # only a number may start with a sign


def test_csv_cell_guards_formulas_and_keeps_numbers() -> None:
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+1+1") == "'+1+1"
    assert csv_cell("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("\t=1") == "'\t=1"
    assert csv_cell("\r=1") == "'\r=1"
    assert csv_cell("\uff1d1+1") == "'\uff1d1+1"  # a full-width equals sign
    for number in ("-12.5", "-4.6184738956", "0", "57228.9156626506", "-3"):
        assert csv_cell(number) == number
    for text in ("", "BTCUSDT", "a=b", "isolated margin"):
        assert csv_cell(text) == text


def test_csv_quotes_a_cell_with_another_separator() -> None:
    """A cell holding ``;`` (the separator of spreadsheets in comma-decimal locales) or a tab is
    quoted, so it cannot open a new cell that starts a formula."""
    text = to_csv(Rows("t", ("a", "b"), (("x;=1+1", "y\t@SUM(1)"), ("-1.5", 'say "hi"'))))
    assert text == 'a,b\n"x;=1+1","y\t@SUM(1)"\n-1.5,"say ""hi"""\n'
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["x;=1+1", "y\t@SUM(1)"], ["-1.5", 'say "hi"']]


def test_csv_writes_what_the_csv_module_writes_for_plain_cells() -> None:
    rows = (("1", "", "a,b"), ("x\ny", "-2", ""), ("", "", ""))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([("h", "i", "j"), *rows])
    assert to_csv(Rows("t", ("h", "i", "j"), rows)) == out.getvalue()
    assert to_csv(Rows("t", ("h",), (("",),))) == 'h\n""\n'


def test_markdown_cell_escapes_html_and_pipes() -> None:
    assert markdown_cell('<img src=x onerror="alert(1)"> | a & b') == (
        '&lt;img src=x onerror="alert(1)"&gt; \\| a &amp; b')
    assert markdown_cell("a\r\nb\rc\nd") == "a<br>b<br>c<br>d"
    text = to_markdown([Rows("<h1>x</h1>", ("<b>",), (("<script>",),))], title="a & <i>b</i>")
    assert "<" not in text.replace("<br>", "") and ">" not in text
    assert text.splitlines()[0] == "# a &amp; &lt;i&gt;b&lt;/i&gt;"


def test_presets_list_csv_guards_the_title_and_the_file_name(hostile: Path) -> None:
    text = output("presets", "list", "--format", "csv")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["evil"]["venue"] == "'" + TITLE
    assert rows["'" + FILE]["origin"].startswith("user: ")
    assert_no_formula(text)


def test_presets_list_markdown_escapes_the_title_and_the_file_name(hostile: Path) -> None:
    text = output("presets", "list", "--format", "markdown")
    assert "<b>" not in text and "<img" not in text
    assert '=HYPERLINK("http://evil.example";"&lt;b&gt;click&lt;/b&gt;") \\| a &amp; b' in text
    assert "| =cmd\\|&lt;img src=x&gt; |" in text


def test_presets_show_guards_the_symbol(hostile: Path) -> None:
    args = ("presets", "show", "evil", "--symbol", SYMBOL)
    assert_no_formula(output(*args, "--format", "csv"))
    markdown = output(*args, "--format", "markdown")
    assert "<b>" not in markdown and f"## {SYMBOL} tiers" in markdown


def test_position_csv_guards_its_notes_and_keeps_negative_numbers(hostile: Path) -> None:
    args = ("position", "--preset", "evil", "--symbol", SYMBOL, "--side", "long", "--entry", "100", "--size", "1",
            "--leverage", "5,10")
    text = output(*args, "--format", "csv")
    assert_no_formula(text)
    to_liq = [row["to liq."] for row in csv.DictReader(io.StringIO(text))]
    assert to_liq and all(cell.startswith("-") and float(cell) < 0 for cell in to_liq)
    one = output(*args[:-1], "5", "--format", "csv")
    notes = {row["field"]: row["note"] for row in csv.DictReader(io.StringIO(one))}
    assert notes["liquidation price"] == "'-19.028 (-19.03%) from mark"
    markdown = output(*args, "--format", "markdown")
    assert "<b>" not in markdown and "&lt;b&gt;click&lt;/b&gt;" in markdown
