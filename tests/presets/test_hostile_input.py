"""Issue 7 §5 and §6: dates and names that can be trusted; hostile input gives one named line.

Every error here is asserted to be exactly one stderr line, with no traceback and no
"internal error", and exit code 1 or 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.cli.errors import escape
from liqcalc.core.errors import InputError, PresetError
from liqcalc.core.numbers import to_decimal
from liqcalc.presets.loader import load_path, parse, user_dir
from liqcalc.presets.writer import write_atomic

RESPONSES = Path(__file__).parent.parent / "assets" / "responses"
runner = CliRunner()
POSITION = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000",
            "--size", "1", "--leverage", "20"]


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def one_line_error(result: Any, code: int = 1) -> str:
    """The single stderr line of a failed run (asserting there is exactly one, named, no trace)."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    line: str = result.stderr
    assert line.startswith("liqcalc: error: ")
    return line


# -- §6: presets validate inside the boundary, only regular files, named limits ----------


def test_validate_names_an_integer_of_5000_digits(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text("schema_version = 1\nname = " + "9" * 5000 + "\n")
    result = run("presets", "validate", str(path))
    assert result.exit_code == 1
    assert f"{path}: an integer has more than 4,300 digits" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_validate_names_100000_nested_arrays(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("schema_version = 1\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = run("presets", "validate", str(path))
    assert result.exit_code == 1
    assert f"{path}: arrays or tables nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_names_numbers_beyond_1e30_with_their_field(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    text = (Path(__file__).parent.parent / "assets" / "presets" / "valid-minimal.toml").read_text()
    path.write_text(text.replace("schema_version = 1", "schema_version = 1\n", 1) + "\n[extra]\nfloor = 1e400\n")
    with pytest.raises(PresetError, match=r"extra\.floor: .*out of range"):
        parse(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_validate_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result = run("presets", "validate", str(fifo))  # would hang forever if the FIFO were opened for reading
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{fifo}: is a FIFO (named pipe), not a regular file; give a file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_validate_refuses_a_symlink_to_dev_zero_at_once(tmp_path: Path) -> None:
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    result = run("presets", "validate", str(link))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{link}: is a character device, not a regular file; give a file"
    line = one_line_error(run(*POSITION[:1], "--preset", str(link), *POSITION[3:]))
    assert "is a character device, not a preset file" in line


def test_preset_files_have_a_stated_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    with path.open("wb") as stream:
        stream.truncate(16 * 1024 * 1024 + 1)
    with pytest.raises(PresetError, match=r"is 16,777,217 bytes, above the 16 MiB limit"):
        parse(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_account_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "account.json"
    os.mkfifo(fifo)
    line = one_line_error(run("position", "--account", str(fifo)))
    assert line == f"liqcalc: error: --account: {fifo}: is a FIFO (named pipe), not a regular file; give a file\n"


def test_an_account_with_a_5000_digit_integer_is_named(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text('{"preset": "binance", "wallet": ' + "1" * 5000 + ', "positions": []}')
    line = one_line_error(run("position", "--account", str(path)))
    assert "an integer has more than 4,300 digits" in line


# -- §6: one bad user preset has its own row ---------------------------------------------


def _bad_user_folder() -> Path:
    folder = user_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_one_bad_user_preset_gets_its_own_row_in_list_and_compare() -> None:
    folder = _bad_user_folder()
    fifo, broken = folder / "okx.toml", folder / "zz-broken.toml"
    os.mkfifo(fifo)
    broken.write_text("schema_version = [[[\n")
    try:
        listed = run("presets", "list", "--json")
        assert listed.exit_code == 0, listed.stderr
        rows = {row["name"]: row for row in json.loads(listed.stdout)["presets"]}
        assert "is a FIFO" in rows["okx"]["error"]
        assert "TOML syntax error" in rows["zz-broken"]["error"]
        assert rows["binance"]["error"] is None and rows["bybit"]["error"] is None
        compared = run("compare", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
                       "--leverage", "10", "--json", "--no-stale-warning")
        assert compared.exit_code == 0, compared.stderr
        assert "FIFO" in json.dumps(json.loads(compared.stdout))
        assert "binance" in compared.stdout
    finally:
        fifo.unlink()
        broken.unlink()


# -- §6: ordinary input that used to be an "internal error" -------------------------------


def test_presets_show_with_a_256_character_name_is_named() -> None:
    line = one_line_error(run("presets", "show", "a" * 256))
    assert "a preset name of 256 characters is too long (at most 250)" in line


def test_a_preset_path_under_an_unknown_user_home_is_named() -> None:
    line = one_line_error(run(*POSITION[:1], "--preset", "~nosuchuser/x.toml", *POSITION[3:]))
    assert line == (
        "liqcalc: error: --preset: ~nosuchuser/x.toml: cannot expand ~nosuchuser (no such user or no home folder)\n"
    )


def test_an_output_below_a_file_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "passwd"
    blocker.write_text("keep me")
    target = blocker / "x.toml"
    line = one_line_error(run("presets", "import", str(RESPONSES / "bybit-risk-limit.json"), "--format", "bybit",
                              "--like", "bybit", "--output", str(target)))
    assert line == f"liqcalc: error: {target}: cannot be written (a part of the path is not a folder: {blocker} is a file, not a folder)\n"
    assert blocker.read_text() == "keep me"


def test_a_read_only_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root a mode of 0555 does not stop a write, so the refusal is the file system's own."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> Any:
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    line = one_line_error(run("presets", "import", str(RESPONSES / "bybit-risk-limit.json"), "--format", "bybit",
                              "--like", "bybit", "--output", str(tmp_path / "x.toml")))
    assert line == f"liqcalc: error: {tmp_path / 'x.toml'}: cannot be written (permission denied)\n"


def test_the_boundary_names_a_file_system_refusal_instead_of_an_internal_error() -> None:
    from liqcalc.cli.errors import describe

    assert describe(PermissionError(13, "Permission denied", "/x/y.toml")) == ("/x/y.toml: permission denied", 1)
    assert describe(OSError(36, "File name too long", "/x/" + "a" * 300)) == ("/x/" + "a" * 300 + ": file name too long", 1)
    assert describe(RecursionError()) == ("the input is nested too deeply to read", 1)
    assert describe(ZeroDivisionError()) is None  # a bug stays an internal error, to be reported


MALFORMED = [
    ("binance", [{"symbol": "BTCUSDT", "brackets": "oops"}], "x.json[0].brackets: expected a list of brackets, got 'oops'"),
    ("binance", [{"symbol": "BTCUSDT", "brackets": [{"initialLeverage": 125, "notionalCap": 50000,
                                                     "maintMarginRatio": 0.004, "cum": 0}]}],
     "x.json[0].brackets[0].notionalFloor: expected a number, got null"),
    ("binance", [{"symbol": "BTCUSDT", "brackets": ["oops"]}], "x.json[0].brackets[0]: expected a bracket object, got 'oops'"),
    ("bybit", {"retCode": 0, "result": {"list": None}}, "x.json: result.list: expected a list of risk-limit tiers, got null"),
    ("bybit", {"retCode": 0, "result": {"list": [7]}}, "x.json: result.list[0]: expected a risk-limit tier object, got 7"),
    ("okx", {"code": "0", "data": None}, "x.json: data: expected a list of position tiers, got null"),
    ("okx", {"code": "0", "data": [{"instFamily": "BTC-USDT", "tier": "x", "maxSz": "1", "mmr": "0.01", "maxLever": "5"}]},
     "x.json: BTC-USDT[0].tier: expected a number, got 'x'"),
    ("hyperliquid", {"universe": None}, "x.json.universe: expected a list of assets, got null"),
    ("hyperliquid", {"universe": [{"name": "BTC", "marginTableId": "abc"}]},
     "x.json.universe[0].marginTableId: expected a number, got 'abc'"),
    ("ccxt", {"BTC/USDT:USDT": "oops"}, "x.json: BTC/USDT:USDT: expected a list of leverage tiers, got 'oops'"),
    ("ccxt", {"BTC/USDT:USDT": [None]}, "x.json: BTC/USDT:USDT[0]: expected a leverage tier object, got null"),
]


@pytest.mark.parametrize(("data_format", "data", "message"), MALFORMED, ids=[m[2][:40] for m in MALFORMED])
def test_malformed_import_responses_name_the_field(tmp_path: Path, data_format: str, data: Any, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data))
    like = {"ccxt": "binance"}.get(data_format, data_format)
    args = ["presets", "import", str(path), "--format", data_format, "--like", like, "--output", str(tmp_path / "o.toml")]
    if data_format == "okx":
        args += ["--contract-size", "BTC-USDT=0.01"]
    line = one_line_error(run(*args))
    assert line == f"liqcalc: error: {message}\n"
    assert not (tmp_path / "o.toml").exists()


# -- §6: one line, escaped; a closed pipe ends quietly -----------------------------------


def test_control_characters_in_echoed_input_are_escaped() -> None:
    line = one_line_error(run(*POSITION[:3], "--symbol", "BTC\nUSDT", *POSITION[5:]))
    assert line.startswith("liqcalc: error: --symbol: BTC\\nUSDT is not a symbol of the binance preset")
    line = one_line_error(run(*POSITION[:3], "--symbol", "BTC\x1b[31m\u2028X", *POSITION[5:]))
    assert "BTC\\x1b[31m\\u2028X" in line


@given(st.text())
def test_escape_always_gives_one_printable_line(text: str) -> None:
    escaped = escape(text)
    assert escaped.isprintable()
    assert escape(escaped) == escaped
    if text.isprintable():
        assert escaped == text


def _closed_pipe_run(args: list[str]) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte, as `| head -c0`
    try:
        # From another folder: in the repository's root, ``-m liqcalc`` would import the source tree,
        # which has no liqcalc._presets (the wheel maps presets/ there), instead of the installed package.
        return subprocess.run([sys.executable, "-m", "liqcalc", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, check=False, cwd=tempfile.gettempdir())
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ["presets", "show", "binance", "--json"],
    ["presets", "show", "binance", "--symbol", "BTCUSDT"],
    [*POSITION, "--json"],
    ["presets", "list"],
], ids=["show-json", "show-table", "position-json", "list-table"])
def test_a_closed_pipe_ends_quietly_with_pythons_exit_code(args: list[str]) -> None:
    done = _closed_pipe_run(args)
    assert done.stderr == ""
    assert done.returncode == 1  # Python's own code for a failed write to a closed pipe


# -- §6: numbers are ASCII ----------------------------------------------------------------


@pytest.mark.parametrize("entry", ["١٢٣", "１２３", "۱۲۳", "१२३", "12\u0663"])
def test_numbers_in_other_scripts_are_refused_not_read_as_ascii(entry: str) -> None:
    line = one_line_error(run(*POSITION[:7], "--entry", entry, *POSITION[9:]), code=2)
    assert line.startswith("liqcalc: error: --entry: expected a number in ASCII digits")
    with pytest.raises(InputError):
        to_decimal(entry, "entry")


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1).filter(lambda t: not t.isascii()))
def test_no_non_ascii_digit_string_is_a_number(text: str) -> None:
    with pytest.raises(InputError):
        to_decimal(text, "x")


def test_contract_size_is_ascii_too(tmp_path: Path) -> None:
    line = one_line_error(run("presets", "import", str(RESPONSES / "okx-position-tiers.json"), "--format", "okx",
                              "--like", "okx", "--contract-size", "BTC-USDT=٠.٠١", "--output", str(tmp_path / "o.toml")),
                          code=2)
    assert "--contract-size" in line


# -- §6: --force keeps the replaced file's permissions ------------------------------------


def test_force_keeps_the_replaced_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new", force=True)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_preset_file_gets_the_umask_mode(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.toml", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.toml").stat().st_mode) == 0o640


# -- §5: as_of from the data, the file's date or --as-of; shadowing said when written -----


def _import(tmp_path: Path, source: Path, data_format: str, *extra: str) -> tuple[Any, Path]:
    target = tmp_path / "out.toml"
    args = ["presets", "import", str(source), "--format", data_format, "--like", data_format, "--name", "fresh",
            "--output", str(target), *extra]
    if data_format == "okx":
        args += ["--contract-size", "BTC-USDT=0.01"]
    return run(*args), target


def test_import_takes_as_of_from_bybits_time_field(tmp_path: Path) -> None:
    result, target = _import(tmp_path, RESPONSES / "bybit-risk-limit.json", "bybit")
    assert result.exit_code == 0, result.stderr
    # "time": 1759000000000 ms = 2025-09-27 19:06:40 UTC
    assert "as of 2025-09-27 from the response's time field (1759000000000 ms, UTC)" in result.stderr
    preset = load_path(target)
    assert preset.venue.as_of == dt.date(2025, 9, 27)
    assert "as of 2025-09-27, taken from the response's time field" in preset.venue.notes[0]


def test_import_takes_as_of_from_okxs_ts_field(tmp_path: Path) -> None:
    data = json.loads((RESPONSES / "okx-position-tiers.json").read_text())
    data["data"][0]["ts"] = "1700000000000"  # 2023-11-14 UTC
    data["data"][1]["ts"] = "1700100000000"  # 2023-11-16 UTC: the newest wins
    source = tmp_path / "okx.json"
    source.write_text(json.dumps(data))
    result, target = _import(tmp_path, source, "okx")
    assert result.exit_code == 0, result.stderr
    assert "as of 2023-11-16 from the response's data[1].ts field" in result.stderr
    assert load_path(target).venue.as_of == dt.date(2023, 11, 16)


def test_import_without_a_date_in_the_data_takes_the_files_modification_date(tmp_path: Path) -> None:
    source = tmp_path / "brackets.json"
    source.write_bytes((RESPONSES / "binance-leverageBracket.json").read_bytes())
    old = dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC).timestamp()
    os.utime(source, (old, old))
    result, target = _import(tmp_path, source, "binance")
    assert result.exit_code == 0, result.stderr
    assert "as of 2024-03-05 from the modification date of brackets.json" in result.stderr
    assert load_path(target).venue.as_of == dt.date(2024, 3, 5)
    assert "the modification date of brackets.json" in load_path(target).venue.notes[0]


def test_as_of_option_overrides_the_date_in_the_data(tmp_path: Path) -> None:
    result, target = _import(tmp_path, RESPONSES / "bybit-risk-limit.json", "bybit", "--as-of", "2026-01-02")
    assert result.exit_code == 0, result.stderr
    assert "as of 2026-01-02 from --as-of)" in result.stderr
    assert load_path(target).venue.as_of == dt.date(2026, 1, 2)


def test_a_malformed_time_field_is_named(tmp_path: Path) -> None:
    data = json.loads((RESPONSES / "bybit-risk-limit.json").read_text())
    data["time"] = "yesterday"
    source = tmp_path / "bybit.json"
    source.write_text(json.dumps(data))
    line = one_line_error(_import(tmp_path, source, "bybit")[0])
    assert line == "liqcalc: error: bybit.json: time: expected a time in milliseconds since 1970, got 'yesterday'\n"


def test_an_import_that_shadows_a_built_in_preset_says_so_when_written() -> None:
    result = run("presets", "import", str(RESPONSES / "bybit-risk-limit.json"), "--format", "bybit", "--like", "bybit")
    target = user_dir() / "bybit.toml"
    try:
        assert result.exit_code == 0, result.stderr
        notice = result.stderr.splitlines()[-1]
        assert notice.startswith(f"liqcalc: notice: {target} overrides the built-in bybit preset")
    finally:
        target.unlink(missing_ok=True)


def test_an_import_under_a_new_name_does_not_claim_to_shadow(tmp_path: Path) -> None:
    result, _ = _import(tmp_path, RESPONSES / "bybit-risk-limit.json", "bybit")
    assert "overrides the built-in" not in result.stderr


def test_a_response_of_5000_digits_or_deep_nesting_is_named(tmp_path: Path) -> None:
    for text, words in (("[" * 100_000 + "]" * 100_000, "nested too deeply"), ("[" + "7" * 5000 + "]", "more than 4,300 digits")):
        source = tmp_path / "r.json"
        source.write_text(text)
        line = one_line_error(run("presets", "import", str(source), "--format", "binance", "--like", "binance",
                                  "--output", str(tmp_path / "o.toml")))
        assert words in line


def test_decimal_is_unchanged_for_ascii_numbers() -> None:
    assert to_decimal("1_000.5", "x") == Decimal("1000.5")
    assert to_decimal(" 6e4 ", "x") == Decimal(60000)


def test_typer_usage_errors_escape_control_characters() -> None:
    """Typer's own usage errors (an unexpected argument) echo input too: escaped, one line."""
    done = subprocess.run([sys.executable, "-m", "liqcalc", "presets", "show", "binance", "x\u202ey\x1b[31m"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "liqcalc: error: Got unexpected extra argument(s) (x\\u202ey\\x1b[31m)\n"


def test_a_preset_with_control_characters_in_its_text_is_refused(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "assets" / "presets" / "valid-minimal.toml").read_text()
    path = tmp_path / "ctrl.toml"
    path.write_text(text.replace("[symbols.BTCUSDT]", '[symbols."BTC\\nUSDT"]'))
    with pytest.raises(PresetError, match=r"control characters are not allowed in a key \(got 'BTC\\nUSDT'\)"):
        parse(path)
    path.write_text(text.replace('title = "Minimal test venue"', 'title = "Mini\\u001b[31mmal"'))
    with pytest.raises(PresetError, match=r"title: control characters are not allowed"):
        parse(path)


def test_an_output_in_a_folder_that_does_not_exist_is_refused_not_made(tmp_path: Path) -> None:
    """Seen in a trial: --output /nonexistent/x.toml made /nonexistent (as root) and wrote there;
    liqcalc makes only its own presets folder."""
    target = tmp_path / "typo" / "x.toml"
    line = one_line_error(run("presets", "import", str(RESPONSES / "bybit-risk-limit.json"), "--format", "bybit",
                              "--like", "bybit", "--output", str(target)))
    assert line == f"liqcalc: error: {target.parent}: no such folder; create it first, or give a path in an existing folder\n"
    assert not target.parent.exists()


def _reader_leaves_after_one_line(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``liqcalc ... | head -1``: the reader takes the first line and goes away."""
    process = subprocess.Popen([sys.executable, "-m", "liqcalc", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())
    assert process.stdout is not None and process.stderr is not None
    with process.stdout, process.stderr:
        first = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
    process.wait(timeout=120)
    return subprocess.CompletedProcess(args, process.returncode, first, stderr)


@pytest.mark.parametrize("args", [
    ["book", "synth", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--open-interest", "30000000",
     "--positions", "100000"],
    ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--book", "sample:btcusdt", "--mark", "60000",
     "--shock=-40:40:0.01", "--format", "csv", "--no-stale-warning"],
], ids=["book-synth-csv", "adl-risk-csv"])
def test_a_reader_that_leaves_after_the_first_line_ends_the_command_with_exit_1(args: list[str]) -> None:
    # one large write to a pipe can be taken whole as the reader leaves: the output goes out in
    # pieces, so the closed pipe is seen, and nothing (no "wrote N positions" note) claims success
    done = _reader_leaves_after_one_line(args)
    assert done.stdout
    assert done.returncode == 1, done.stderr
    assert "wrote" not in done.stderr
