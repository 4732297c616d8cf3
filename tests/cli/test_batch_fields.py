"""``position --input --fields`` and ``--format csv`` (issue 12): only the keys asked for, in
their order; CSV with a header and an error column; an unknown field named in one stderr line."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

from typer.testing import CliRunner

from liqcalc.app import batch
from liqcalc.cli import app

LINES = "\n".join([
    '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20}',
    "",
    '{"symbol": "ETHUSDT", "side": "short", "entry": 3000, "size": 2, "leverage": 10, "fill": 3200}',
    '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1}',
    '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20, "=cmd": 1}',
]) + "\n"
BASE = ["position", "--preset", "binance", "--no-stale-warning", "--input", "-"]


def run(*args: str, stdin: str = LINES) -> object:
    return CliRunner().invoke(app, [*BASE, *args], input=stdin)


def test_fields_pick_the_keys_in_their_order() -> None:
    result = run("--fields", "liquidation_price,line,symbol")
    assert result.exit_code == 1  # two lines failed, as without --fields
    lines = result.stdout.splitlines()
    assert lines[0] == '{"liquidation_price": 57228.9156626506, "line": 1, "symbol": "BTCUSDT"}'
    assert list(json.loads(lines[1])) == ["liquidation_price", "line", "symbol"]
    assert json.loads(lines[2]) == {"line": 4, "error": "leverage: give leverage or margin (the isolated margin)"}
    assert json.loads(lines[3])["line"] == 5 and "unknown field" in json.loads(lines[3])["error"]
    assert result.stderr == "liqcalc: error: --input: 2 lines failed; see the error objects on stdout\n"


def test_fields_equal_the_full_objects_keys() -> None:
    full = [json.loads(line) for line in run().stdout.splitlines()]
    fields = ("line", "symbol", "notional", "maintenance_margin", "liquidation_price", "bankruptcy_price", "waterfall", "tier")
    picked = [json.loads(line) for line in run("--fields", ",".join(fields)).stdout.splitlines()]
    for whole, part in zip(full, picked, strict=True):
        want = {"line": whole["line"], "error": whole["error"]} if "error" in whole else {f: whole[f] for f in fields}
        assert part == want


def test_an_unknown_field_is_one_usage_line_naming_the_valid_ones() -> None:
    result = run("--fields", "line,liq_price")
    assert result.exit_code == 2
    assert result.stdout == ""
    valid = ", ".join(f for f in batch.FIELDS if f != "error")
    assert result.stderr == f"liqcalc: error: --fields: unknown field 'liq_price'; valid fields: {valid}\n"


def test_fields_without_input_is_refused() -> None:
    result = CliRunner().invoke(app, ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long",
                                      "--entry", "60000", "--size", "1", "--leverage", "20", "--fields", "line"])
    assert result.exit_code == 2
    assert result.stderr == ("liqcalc: error: --fields picks the keys of each line of --input; for one position use "
                             "--json (and jq)\n")


def test_csv_has_a_header_the_rows_and_an_error_column() -> None:
    result = run("--format", "csv", "--fields", "line,symbol,liquidation_price")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == ["line,symbol,liquidation_price,error", "1,BTCUSDT,57228.9156626506,", lines[2]]
    assert lines[3] == "4,,,leverage: give leverage or margin (the isolated margin)"
    # the error text starts with the line's own key: the formula guard keeps a spreadsheet from running it
    assert lines[4].startswith("5,,,\"'=cmd: unknown field")
    assert result.stderr == "liqcalc: error: --input: 2 lines failed; see the error column on stdout\n"


def test_csv_without_fields_writes_the_compact_set() -> None:
    result = run("--format", "csv", stdin=LINES.splitlines()[0] + "\n")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header == ",".join([*batch.COMPACT, "error"])
    assert row == "1,BTCUSDT,long,60000,1,60000,60000,20,3000,3000,240,USDT,57228.9156626506,57000,linear,"


def test_the_one_position_start_does_not_import_numpy_or_the_batch() -> None:
    code = ("import sys\nfrom liqcalc.cli import main\nsys.argv = ['liqcalc', *sys.argv[1:]]\nimport atexit\n"
            "atexit.register(lambda: sys.stderr.write(repr(sorted(m for m in ('numpy', 'liqcalc.app.batch') if m in sys.modules))))\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, "position", "--preset", "binance", "--symbol", "BTCUSDT", "--side",
                           "long", "--entry", "60000", "--size", "1", "--leverage", "20", "--json"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir(), check=False)
    assert done.stderr.endswith("[]"), done.stderr


def test_the_help_names_the_compact_set_the_batch_uses() -> None:
    from liqcalc.cli import position

    assert position.COMPACT == batch.COMPACT
    assert batch.VECTOR_FIELDS.issuperset(batch.COMPACT)
