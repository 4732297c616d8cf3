"""``position --input`` reads JSON lines from a file or a pipe, and nothing else; a line the
parser cannot hold is that line's error, never an internal one (issue 7 §6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

POSITION = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000",
            "--size", "1", "--leverage", "20", "--json"]


def one_line(result: object, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)  # type: ignore[attr-defined]
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert stderr.count("\n") == 1 and stderr.startswith("liqcalc: error: "), stderr
    assert "internal error" not in stderr
    return stderr


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a character device"), ("/", "a folder")])
def test_input_refuses_devices_and_folders_at_once(path: str, kind: str) -> None:
    line = one_line(CliRunner().invoke(app, [*POSITION, "--input", path]), code=2)
    assert line == f"liqcalc: error: --input: {path} is {kind}; give a file of JSON lines, or - for stdin\n"


def test_input_named_pipe_without_a_writer_reads_as_empty_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "lines.jsonl"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "liqcalc", *POSITION, "--input", str(fifo)], capture_output=True,
                          text=True, timeout=60, check=False, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_input_from_a_pipe_as_process_substitution_gives_is_read(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b'{"leverage": 10}\n')
    os.close(write_end)
    try:
        result = CliRunner().invoke(app, [*POSITION, "--input", f"/proc/self/fd/{read_end}"])
    finally:
        os.close(read_end)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["leverage"] == 10


def test_input_line_over_the_limit_is_its_own_error_and_the_batch_goes_on(tmp_path: Path) -> None:
    from liqcalc.cli.position import LINE_LIMIT

    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"leverage": 10}\n' + b" " * (3 * LINE_LIMIT + 7) + b'\n{"leverage": 5}\n')
    result = CliRunner().invoke(app, [*POSITION, "--input", str(path)])
    assert one_line(result, code=1) == "liqcalc: error: --input: 1 line failed; see the error objects on stdout\n"
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3]  # what came before and after is priced
    assert rows[1] == {"schema_version": 1, "line": 2,
                       "error": "line 2: longer than 1 MiB, skipped; each line is one JSON object (a position)"}
    assert rows[2]["leverage"] == 5


def test_an_endless_line_through_a_pipe_is_one_error_then_the_input_stops() -> None:
    import tempfile

    zeros = subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE)
    try:
        done = subprocess.run([sys.executable, "-m", "liqcalc", *POSITION[:-1], "--no-stale-warning", "--input", "-"],
                              stdin=zeros.stdout, capture_output=True, text=True, timeout=120,
                              cwd=tempfile.gettempdir(), check=False)
    finally:
        zeros.kill()
        zeros.wait()
        assert zeros.stdout is not None
        zeros.stdout.close()
    assert done.returncode == 1
    assert done.stdout == ('{"schema_version": 1, "line": 1, "error": "line 1: longer than 1 MiB, skipped; each line is '
                           'one JSON object (a position)"}\n')
    assert done.stderr == ("liqcalc: error: --input: line 1 goes on past 64 MiB without a newline; the input stops "
                           "there (each line is one JSON object, a position)\n")


def test_input_lines_with_huge_integers_or_deep_nesting_are_their_own_named_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"size": ' + "1" * 5000 + "}\n" + "[" * 100_000 + "]" * 100_000 + '\n{"leverage": 10}\n')
    result = CliRunner().invoke(app, [*POSITION, "--input", str(path)])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["error"] == "line 1: an integer has more than 4,300 digits; a price, size or amount has at most a few dozen"
    assert rows[1]["error"] == "line 2: nested too deeply; a line is one flat JSON object"
    assert rows[2]["leverage"] == 10


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a character device"), ("/", "a folder")])
def test_book_refuses_devices_and_folders_at_once(path: str, kind: str) -> None:
    args = ["adl-risk", *POSITION[1:-1], "--mark", "66000", "--shock", "5", "--book", path]
    line = one_line(CliRunner().invoke(app, args), code=2)
    assert line == f"liqcalc: error: --book: {path}: is {kind}, not a regular file; give a file\n"


def test_book_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "book.csv"
    os.mkfifo(fifo)
    args = ["adl-risk", *POSITION[1:-1], "--mark", "66000", "--shock", "5", "--book", str(fifo)]
    line = one_line(CliRunner().invoke(app, args), code=2)
    assert line == f"liqcalc: error: --book: {fifo}: is a FIFO (named pipe), not a regular file; give a file\n"
