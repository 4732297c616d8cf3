"""``--format table|json|csv|markdown`` on every command: one writer, formatters per format, and
CSV and markdown tables built by the same row builders as the rich tables."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.cli.emit import RENDERERS, emit, formatter, renderer
from liqcalc.render import OutputFormat
from liqcalc.render.numbers import json_number
from liqcalc.render.rows import Rows, csv_cell, to_markdown

runner = CliRunner()

POSITION = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1"]
LEVERAGES = [*POSITION, "--leverage", "5,10,20", "--fill", "50000", "--no-stale-warning"]
ONE = [*POSITION, "--leverage", "20", "--no-stale-warning"]
ACCOUNT = ["position", "--account", "tests/assets/accounts/binance-cross.json", "--no-stale-warning"]
COMPARE = ["compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "10", "--leverage", "10",
           "--fill", "52000", "--insurance-fund", "5000", "--no-stale-warning"]
ADL = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
       "--leverage", "20", "--mark", "66000", "--book", "sample:btcusdt", "--no-stale-warning"]
SWEEP = [*ADL, "--shock", "2:10:2", "--insurance-fund", "20000"]
NO_BOOK = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry", "60000", "--size", "1",
           "--leverage", "20", "--liquidated-size", "3", "--bankruptcy-price", "61000", "--no-stale-warning"]
COMMANDS = {
    "position": ONE, "leverages": LEVERAGES, "account": ACCOUNT, "compare": COMPARE, "adl-queue": ADL,
    "adl-sweep": SWEEP, "adl-no-book": NO_BOOK, "presets-list": ["presets", "list"], "presets-show": ["presets", "show", "binance", "-s", "BTCUSDT"],
}


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def as_json(args: list[str]) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def as_csv(args: list[str]) -> list[dict[str, str]]:
    result = run(*args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def number(value: Any) -> str:
    """A JSON number as CSV writes it (the JSON's own literal)."""
    return "" if value is None else json_number(Decimal(str(value)))


# -- every format, every command ------------------------------------------------------------------


def test_every_output_format_has_a_formatter() -> None:
    """Like pip-audit's test_to_format_is_exhaustive: a new member without a formatter fails here."""
    for member in OutputFormat:
        assert callable(formatter(member)), member


@pytest.mark.parametrize("report", sorted(RENDERERS))
def test_every_report_has_every_renderer(report: str) -> None:
    for part in ("table", "csv", "tables", "title"):
        stub = type(report, (), {})()
        assert callable(renderer(stub, part)), (report, part)


@pytest.mark.parametrize("output", list(OutputFormat))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_writes_every_format(command: str, output: OutputFormat) -> None:
    result = run(*COMMANDS[command], "--format", output.value)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    if output is OutputFormat.json:
        assert json.loads(result.stdout)["schema_version"] == 1
    elif output is OutputFormat.csv:
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)
    elif output is OutputFormat.markdown:
        assert result.stdout.startswith("# ") and "\n## " in result.stdout and "\n| --" in result.stdout


def test_emit_calls_the_chosen_formatter_once(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    called: list[str] = []
    for name, member in (("table", "table"), ("as_json", "json"), ("as_csv", "csv"), ("as_markdown", "markdown")):
        monkeypatch.setattr(f"liqcalc.cli.emit.{name}", lambda report, m=member: called.append(m) or f"{m}\n")
    for member in OutputFormat:
        emit(None, member)  # type: ignore[arg-type]
    assert called == [m.value for m in OutputFormat]
    assert capsys.readouterr().out == "".join(f"{m.value}\n" for m in OutputFormat)


# -- the option ---------------------------------------------------------------------------------------


def test_json_is_the_alias_of_format_json() -> None:
    both = run(*ONE, "--json", "--format", "json")
    assert both.exit_code == 0, both.output
    assert json.loads(both.stdout) == as_json(ONE) == json.loads(run(*ONE, "--format", "json").stdout)


@pytest.mark.parametrize("command", ["position", "compare", "adl-queue", "presets-list", "presets-show"])
def test_json_with_another_format_is_a_usage_error(command: str) -> None:
    result = run(*COMMANDS[command], "--json", "--format", "csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "liqcalc: error: --json is --format json; it cannot be combined with --format csv\n"


def test_input_writes_json_lines_and_refuses_markdown() -> None:
    # issue 12: --format csv with --input writes one row a line (tests/cli/test_batch_fields.py)
    result = run(*POSITION, "--input", "-", "--format", "markdown")
    assert result.exit_code == 2
    assert result.stderr == "liqcalc: error: --input writes JSON lines (or CSV); --format markdown cannot be combined with it\n"


def test_warnings_go_to_stderr_once_with_csv_and_markdown() -> None:
    args = [*POSITION, "--leverage", "5,10,20", "--fill", "50000"]  # the fill is on the profitable side at 5x
    for output in ("csv", "markdown"):
        result = run(*args, "--format", output)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("--fill 50,000 is on the profitable side") == 1
        assert "warning" not in result.stdout


def test_csv_and_markdown_do_not_import_rich() -> None:
    code = ("import sys\nfrom liqcalc.cli import main\nsys.argv = ['liqcalc', *sys.argv[1:]]\n"
            "import atexit\natexit.register(lambda: sys.stderr.write('RICH' if 'rich' in sys.modules else 'NORICH'))\n"
            "main()\n")
    for output in ("json", "csv", "markdown"):
        # from another folder: in the repository's root, the source tree (no liqcalc._presets) would be imported
        done = subprocess.run([sys.executable, "-c", code, *ONE, "--format", output], capture_output=True, text=True,
                              check=False, cwd=tempfile.gettempdir())
        assert done.returncode == 0, done.stderr
        assert done.stderr.endswith("NORICH"), (output, done.stderr)


# -- CSV: the main table, numbers as the JSON has them -------------------------------------------------


def test_position_csv_is_its_rows_with_the_jsons_numbers() -> None:
    data, rows = as_json(ONE), as_csv(ONE)
    by_field = {row["field"]: row["value"] for row in rows}
    assert by_field["liquidation price"] == number(data["liquidation_price"]) == "57228.9156626506"
    assert by_field["initial margin"] == number(data["initial_margin"]) == "3000"
    assert by_field["margin ratio"] == number(data["margin_ratio"])
    assert by_field["leverage"] == number(data["leverage"])
    assert "," not in by_field["notional"]


def test_leverage_csv_is_the_leverage_table() -> None:
    data, rows = as_json(LEVERAGES), as_csv(LEVERAGES)
    assert list(rows[0]) == ["leverage", "initial margin", "maint. margin", "tier", "liquidation", "to liq.", "bankruptcy",
                             "to bkr.", "liq. fee", "asset"]
    for row, result in zip(rows, data["results"], strict=True):
        assert row["asset"] == data["margin_asset"] == "USDT"
        assert row["leverage"] == number(result["leverage"])
        assert row["liquidation"] == number(result["liquidation_price"])
        assert row["to liq."] == number(result["liquidation_distance"]["percent"])
        assert row["liq. fee"] == number(result["liquidation_fee_paid"])


def test_account_csv_is_the_positions() -> None:
    data, rows = as_json(ACCOUNT), as_csv(ACCOUNT)
    assert [row["symbol"] for row in rows] == [p["symbol"] for p in data["positions"]]
    for row, position in zip(rows, data["positions"], strict=True):
        assert row["liquidation"] == number(position["liquidation_price"])
        assert row["unrealized PnL"] == number(position["unrealized_pnl"])


def test_compare_csv_is_the_venue_rows() -> None:
    data, rows = as_json(COMPARE), as_csv(COMPARE)
    assert [row["venue"] for row in rows] == [r["preset"] for r in data["results"]]
    for row, result in zip(rows, data["results"], strict=True):
        assert row["liquidation"] == number(result["liquidation_price"])
        assert row["initial margin"] == number(result["initial_margin"])
        assert row["max lev."] == number(result["max_leverage"])


def test_adl_csv_is_the_sweep_with_a_sweep() -> None:
    data, rows = as_json(SWEEP), as_csv(SWEEP)
    assert len(rows) == len(data["sweep"]) == 5
    for row, step in zip(rows, data["sweep"], strict=True):
        assert row["shock"] == number(step["shock"])
        assert row["shortfall"] == number(step["shortfall"])
        assert row["fund paid"] == number(step["fund_paid"])
        assert row["ADL covered"] == number(step["adl_covered"])


@pytest.mark.parametrize("top", [None, "3"])
def test_adl_csv_is_the_queue_as_the_json_has_it(top: str | None) -> None:
    args = ADL if top is None else [*ADL, "--top", top]
    data, rows = as_json(args), as_csv(args)
    assert [row["id"] for row in rows] == [r["id"] for r in data["queue"]]
    for row, queued in zip(rows, data["queue"], strict=True):
        assert row["score"] == number(queued["score"])
        assert row["size"] == number(queued["size"])
        assert row["rank"] == str(queued["rank"])


def test_adl_csv_without_a_book_is_your_facts() -> None:
    data, rows = as_json(NO_BOOK), as_csv(NO_BOOK)
    by_field = {row["field"]: row["value"] for row in rows}
    assert by_field["ADL price"] == number(data["you"]["adl_price"]) == "61000"
    assert by_field["realized PnL"] == number(data["you"]["realized_pnl"]) == "-1000"
    assert by_field["rank"] == ""


def test_presets_csv() -> None:
    data, rows = as_json(["presets", "list"]), as_csv(["presets", "list"])
    assert [row["name"] for row in rows] == [p["name"] for p in data["presets"]]
    assert [row["age"] for row in rows] == [str(p["age_days"]) for p in data["presets"]]
    show = ["presets", "show", "binance", "-s", "BTCUSDT"]
    tiers = as_json(show)["symbol"]["tiers"]
    rows = as_csv(show)
    assert [row["MMR"] for row in rows] == [number(t["mmr"]) for t in tiers]
    assert [row["cap"] for row in rows] == [number(t["cap"]) for t in tiers]


# -- markdown: every table, the cells the table shows -----------------------------------------------------


def markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """The pipe tables of a markdown text by heading: header row, then the rows (the separator left out)."""
    found: dict[str, list[list[str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:]
            found[heading] = []
        elif line.startswith("| ") and not line.startswith("| --"):
            found[heading].append([cell.strip() for cell in line[2:-2].split(" | ")])
    return found


@pytest.mark.parametrize("command", ["position", "leverages", "account", "compare", "adl-queue", "adl-sweep", "presets-show"])
def test_markdown_has_the_cells_of_the_table(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # every column in the rich table
    args = COMMANDS[command]
    table = run(*args)
    markdown = run(*args, "--format", "markdown")
    assert table.exit_code == markdown.exit_code == 0, markdown.output
    tables = markdown_tables(markdown.stdout)
    assert len(tables) >= (1 if command == "account" else 2)
    for rows in tables.values():
        for row in rows[1:]:
            for cell in row:
                for part in cell.replace("\\|", "|").split("<br>"):
                    assert part.strip() in table.stdout, (command, part)


def test_markdown_headings_name_every_table() -> None:
    text = run(*SWEEP, "--format", "markdown").stdout
    assert list(markdown_tables(text)) == [
        "You", "ADL queue of the longs at +2% (mark 67,320.00): 13 ranked", "Queue against pro-rata",
        "Shock sweep (5 steps): who pays the shortfall (USDT; unabsorbed: the venue itself)",
        "Shock sweep: your position (queue policy)",
    ]
    compare = run(*COMPARE, "--format", "markdown").stdout
    assert list(markdown_tables(compare)) == ["Venues", "At a fill of 52,000.00: who pays the shortfall",
                                              "Where the money goes"]


def test_markdown_escapes_pipes_in_cells() -> None:
    text = to_markdown([Rows("a|b", ("x|y", "n"), (("1|2", "3"), ("multi\nline", "-")))])
    assert text.splitlines() == ["## a\\|b", "", "| x\\|y | n |", "| --- | ---: |", "| 1\\|2 | 3 |",
                                 "| multi<br>line | - |"]


def test_the_table_and_csv_share_a_row_builder() -> None:
    """One builder per table: the rich table's columns are the CSV's header (CSV adds the
    amounts' asset, which the table says in words)."""
    data = run(*LEVERAGES, "--format", "csv").stdout.splitlines()[0].split(",")
    table = run(*LEVERAGES).stdout
    assert data[-1] == "asset" and "amounts in USDT" in table
    assert all(header in table for header in data[:-1])


def test_compare_csv_says_why_a_venue_cannot_take_the_trade() -> None:
    """Seen: `dydx,,,,,,,` with no reason (the JSON had it): CSV's error column holds it."""
    import csv
    import io

    args = ["compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1", "--leverage", "60",
            "--no-stale-warning"]
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    errors = {r["preset"]: r["error"] for r in json.loads(run(*args, "--json").stdout)["results"]}
    # an error that starts with "--leverage" is guarded against formula injection: "'--leverage: ..."
    assert {r["venue"]: r["error"] for r in rows} == {name: csv_cell(error or "") for name, error in errors.items()}
    assert rows and any(r["error"] for r in rows) and any(not r["error"] for r in rows)
