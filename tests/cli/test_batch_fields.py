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
    valid = ", ".join(batch.FIELDS)
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


def test_a_line_of_several_leverages_gives_a_row_each() -> None:
    lines = ('{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": [5, 10, 20]}\n'
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": "5,20", "mark": 59000}\n')
    result = run("--format", "csv", "--fields", "line,symbol,leverage,liquidation_price", stdin=lines)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "line,symbol,leverage,liquidation_price,error",
        "1,BTCUSDT,5,48192.7710843373,", "1,BTCUSDT,10,54216.8674698795,", "1,BTCUSDT,20,57228.9156626506,",
        "2,BTCUSDT,5,48192.7710843373,", "2,BTCUSDT,20,57228.9156626506,",
    ]
    # each row is the full object's envelope and that leverage's result
    full = json.loads(run(stdin=lines.splitlines()[0] + "\n").stdout)
    rows = [json.loads(line) for line in run("--fields", "line,preset,inputs,mark,leverage,margin_balance",
                                             stdin=lines.splitlines()[0] + "\n").stdout.splitlines()]
    assert rows == [{"line": 1, "preset": full["preset"], "inputs": full["inputs"], "mark": r["mark"],
                     "leverage": r["leverage"], "margin_balance": r["margin_balance"]} for r in full["results"]]


def test_several_leverages_as_a_command_line_default_give_a_row_each_and_results_one_row() -> None:
    line = '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1}\n'
    result = run("--leverage", "5,20", "--format", "csv", "--fields", "line,leverage,bankruptcy_price", stdin=line)
    assert result.stdout.splitlines()[1:] == ["1,5,48000,", "1,20,57000,"]
    # asked for, the results stay one row's list
    one = run("--leverage", "5,20", "--fields", "line,results", stdin=line)
    assert [r["leverage"] for r in json.loads(one.stdout)["results"]] == [5, 20]


def test_csv_cells_escape_control_characters_so_a_row_is_one_line() -> None:
    lines = ('{"symbol": "BTC\\nUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20}\n'
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20, "a\\u0007b": 1}\n'
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20}\n')
    result = run("--format", "csv", "--fields", "line,symbol", stdin=lines)
    rows = result.stdout.splitlines()
    assert len(rows) == 4 and [row[:2] for row in rows[1:]] == ["1,", "2,", "3,"]
    assert rows[1].startswith('1,,"symbol: BTC\\nUSDT is not a symbol')
    assert rows[2].startswith('2,,"a\\x07b: unknown field')
    assert rows[3] == "3,BTCUSDT,"


def test_a_lines_keys_win_over_the_defaults_of_their_other_way() -> None:
    lines = ('{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "margin": 6000}\n'
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "notional": 30000}\n'
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000}\n')
    fields = "line,size,leverage,margin_balance,error"
    want = ['{"line": 1, "size": 1, "leverage": 10, "margin_balance": 6000, "error": null}',
            '{"line": 2, "size": 0.5, "leverage": 20, "margin_balance": 1500, "error": null}',
            '{"line": 3, "size": 2, "leverage": 20, "margin_balance": 6000, "error": null}']
    result = run("--leverage", "20", "--size", "2", "--fields", fields, stdin=lines)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == want
    # the full objects agree
    full = [json.loads(line) for line in run("--leverage", "20", "--size", "2", stdin=lines).stdout.splitlines()]
    assert [(obj["size"], obj["leverage"]) for obj in full] == [(1, 10), (0.5, 20), (2, 20)]
    # a line's mode drops the default that mode refuses: isolated the wallet, cross the margin
    modes = ('{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "mode": "isolated", "leverage": 10}\n'
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "mode": "cross", "wallet": 9000}\n')
    crossed = run("--mode", "cross", "--wallet", "5000", "--fields", "line,leverage,error", stdin=modes.splitlines()[0])
    assert crossed.stdout == '{"line": 1, "leverage": 10, "error": null}\n'
    margined = run("--margin", "3000", "--fields", "line,margin_balance,error", stdin=modes.splitlines()[1])
    assert margined.exit_code == 0, margined.output


def test_fields_take_error_null_on_a_line_that_priced() -> None:
    result = run("--fields", "line,error")
    assert result.stdout.splitlines()[:2] == ['{"line": 1, "error": null}', '{"line": 3, "error": null}']
    assert json.loads(result.stdout.splitlines()[2])["error"].startswith("leverage: give leverage or margin")
    csv = run("--format", "csv", "--fields", "error,line", stdin=LINES.splitlines()[3] + "\n" + LINES.splitlines()[0])
    assert csv.stdout.splitlines() == ["error,line", "leverage: give leverage or margin (the isolated margin),1", ",2"]
