"""What a new user's trial of book reading found (issue 12): a corrupted Parquet or Arrow file
refused in one line, never a crash; ``--book -`` reading any format; errors that name the file,
the row and the field; ids read alike in every format; a repeated column named."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

runner = CliRunner()
ASSETS = Path(__file__).parent.parent / "assets" / "books"
YOU = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
       "--leverage", "20", "--mark", "66000", "--shock", "10"]
ROWS = {"id": ["a", "b", "c"], "side": ["long", "short", "short"], "size": [1.0, 2.0, 1.5],
        "entry": [60000.0, 61000.0, 59000.0], "leverage": [10.0, 5.0, 20.0]}


def run(*args: str, stdin: bytes | None = None) -> Any:
    return runner.invoke(app, [*YOU, *args], input=stdin)


def one_line(result: Any, exit_code: int = 1) -> str:
    assert result.exit_code == exit_code, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return str(result.stderr.removeprefix("liqcalc: error: ").rstrip("\n"))


def write_ipc(table: pa.Table, path: Path, stream: bool = False) -> Path:
    with pa.OSFile(str(path), "wb") as sink:
        writer = ipc.new_stream(sink, table.schema) if stream else ipc.new_file(sink, table.schema)
        with writer:
            writer.write_table(table)
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "liqcalc", *args], capture_output=True, text=True,
                          cwd=tempfile.gettempdir(), timeout=120)


# -- 1. a corrupted file: validated in full, refused in one line -----------------------------

def test_an_arrow_file_with_broken_offsets_is_refused_in_one_line_not_a_crash() -> None:
    book = ASSETS / "corrupt-offsets.arrow"  # book synth output with 3 bytes changed
    result = cli(*YOU, "--book", str(book))
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.startswith(f"liqcalc: error: {book}: not a valid Arrow IPC file (")
    assert "non-monotonic offset" in result.stderr and result.stderr.count("\n") == 1


DRIVER = """
import json, sys
from typer.testing import CliRunner
from liqcalc.cli import app
runner = CliRunner()
for path in sys.argv[2:]:
    result = runner.invoke(app, json.loads(sys.argv[1]) + ["--book", path])
    print(json.dumps([path, result.exit_code, result.stderr]), flush=True)
"""


def test_a_book_corrupted_in_many_places_is_read_or_refused_in_one_line_never_a_crash(tmp_path: Path) -> None:
    made = cli("book", "synth", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--open-interest",
               "30000000", "--positions", "200", "--seed", "3", "--output", str(tmp_path / "book.arrow"))
    assert made.returncode == 0, made.stderr
    table = ipc.open_file(str(tmp_path / "book.arrow")).read_all()
    pq.write_table(table, tmp_path / "book.parquet", write_page_checksum=True)
    write_ipc(table, tmp_path / "stream.ipc", stream=True)
    rng = random.Random(12)
    paths = []
    for name in ("book.arrow", "book.parquet", "stream.ipc"):
        data = (tmp_path / name).read_bytes()
        for n in range(60):
            changed = bytearray(data)
            for _ in range(rng.choice((1, 3, 8))):
                changed[rng.randrange(len(changed))] = rng.randrange(256)
            path = tmp_path / f"c{n}-{name}"
            path.write_bytes(bytes(changed))
            paths.append(str(path))
    result = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(YOU), *paths], capture_output=True, text=True,
                            cwd=tempfile.gettempdir(), timeout=600)
    assert result.returncode == 0, (result.returncode, result.stdout.splitlines()[-1:], result.stderr[-2000:])
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outcomes) == len(paths)
    for path, code, stderr in outcomes:
        assert code in (0, 1, 2), (path, code, stderr)
        if code:
            assert stderr.startswith("liqcalc: error: ") and stderr.count("\n") == 1, (path, stderr)
    assert sum(1 for _, code, _ in outcomes if code) > len(paths) // 2


def test_a_parquet_page_that_fails_its_checksum_is_refused(tmp_path: Path) -> None:
    table = pa.table({**ROWS, "id": ["x" * 40 + str(n) for n in range(3)]})
    pq.write_table(table, tmp_path / "book.parquet", write_page_checksum=True, compression="none",
                   use_dictionary=False, write_statistics=False)
    data = bytearray((tmp_path / "book.parquet").read_bytes())
    at = data.find(b"x" * 40)
    data[at + 5] = ord("y")  # still UTF-8, still a valid id: only the checksum tells
    (tmp_path / "book.parquet").write_bytes(bytes(data))
    message = one_line(run("--book", str(tmp_path / "book.parquet")))
    assert message.startswith(f"{tmp_path / 'book.parquet'}: not a Parquet file, or a damaged or truncated one (") and "CRC" in message


# -- 2. standard input: bytes, sniffed ------------------------------------------------------

def _report(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    data["inputs"].pop("book")
    return dict(data)


@pytest.mark.parametrize("kind", ["parquet", "arrow", "stream", "csv-crlf", "jsonl"])
def test_a_book_from_standard_input_is_sniffed_as_a_file_without_a_suffix(tmp_path: Path, kind: str) -> None:
    table = pa.table(ROWS)
    csv = "id,side,size,entry,leverage\n" + "".join(
        f"{i},{s},{z},{e},{lv}\n" for i, s, z, e, lv in zip(*ROWS.values(), strict=True))
    path = tmp_path / "book.csv"
    path.write_text(csv)
    if kind == "parquet":
        pq.write_table(table, tmp_path / "in")
    elif kind in ("arrow", "stream"):
        write_ipc(table, tmp_path / "in", stream=kind == "stream")
    elif kind == "csv-crlf":
        (tmp_path / "in").write_bytes(b"\xef\xbb\xbf" + csv.replace("\n", "\r\n").encode())
    else:
        (tmp_path / "in").write_text("".join(json.dumps(dict(zip(ROWS, row, strict=True))) + "\n"
                                             for row in zip(*ROWS.values(), strict=True)))
    from_stdin = _report(run("--book", "-", "--json", stdin=(tmp_path / "in").read_bytes()))
    assert from_stdin == _report(run("--book", str(path), "--json"))


# -- 3. errors that name the file, the row and the field -------------------------------------

def test_a_deeply_nested_json_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "book.jsonl"
    path.write_text('{"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 10}\n'
                    '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert one_line(run("--book", str(path))) == f"{path}:2: nested too deeply; a line is one flat JSON object"


@pytest.mark.parametrize("column", ["id", "size"])
def test_a_json_integer_of_too_many_digits_is_named_by_file_and_line(tmp_path: Path, column: str) -> None:
    path = tmp_path / "book.jsonl"
    row = {"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 10}
    huge = json.dumps({**row, "id": "b"}).replace(f'"{column}": ' + ('"b"' if column == "id" else "1"),
                                                   f'"{column}": ' + "9" * 5000)
    assert "9" * 5000 in huge
    path.write_text(json.dumps(row) + "\n" + huge + "\n")
    assert one_line(run("--book", str(path))) == (f"{path}:2: an integer of more than 4,300 digits; a book cell holds "
                                                  "one number or id")


@pytest.mark.parametrize("column", ["id", "side"])
@pytest.mark.parametrize("row", [0, 2])
def test_invalid_utf8_in_an_arrow_book_is_named_by_row_and_field(tmp_path: Path, column: str, row: int) -> None:
    cells = [c.encode() for c in ROWS[column]]  # type: ignore[union-attr]
    cells[row] = b"\xff\xfe" + cells[row]
    offsets = [0]
    for cell in cells:
        offsets.append(offsets[-1] + len(cell))
    bad = pa.StringArray.from_buffers(len(cells), pa.py_buffer(pa.array(offsets, pa.int32()).buffers()[1]),
                                      pa.py_buffer(b"".join(cells)))
    table = pa.table({**ROWS, column: bad})
    path = write_ipc(table, tmp_path / "book.arrow")
    assert one_line(run("--book", str(path))) == f"{path} row {row + 1}: {column}: not UTF-8 text"


# -- 4. ids alike in every format -------------------------------------------------------------

@pytest.mark.parametrize("ident", ['{"a": 1}', "[1, 2]", "true", "1.5", "null"])
def test_a_json_id_that_is_not_text_or_a_whole_number_is_refused(tmp_path: Path, ident: str) -> None:
    path = tmp_path / "book.jsonl"
    path.write_text('{"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 10}\n'
                    f'{{"id": {ident}, "side": "short", "size": 1, "entry": 60000, "leverage": 10}}\n')
    message = one_line(run("--book", str(path)))
    if ident == "null":
        assert message == f"{path}:2: id: missing"
    else:
        assert message == f"{path}:2: id: expected text or a whole number, got {json.dumps(json.loads(ident))}"


@pytest.mark.parametrize("ident", ['""', '"  "'])
def test_a_blank_json_id_is_missing_as_in_csv(tmp_path: Path, ident: str) -> None:
    path = tmp_path / "book.jsonl"
    path.write_text(f'{{"id": {ident}, "side": "long", "size": 1, "entry": 60000, "leverage": 10}}\n')
    assert one_line(run("--book", str(path))) == f"{path}:1: id: missing"


def test_a_whole_number_json_id_is_read_as_its_digits_and_clashes_with_the_same_text(tmp_path: Path) -> None:
    path = tmp_path / "book.jsonl"
    path.write_text('{"id": 7, "side": "long", "size": 1, "entry": 60000, "leverage": 10}\n'
                    '{"id": "7", "side": "short", "size": 1, "entry": 60000, "leverage": 10}\n')
    assert one_line(run("--book", str(path))) == f"{path}:2: id: duplicate id '7' (also on line 1)"


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet", "arrow"])
@pytest.mark.parametrize("char", ["\n", "\t", "\x00", "\x85", "\u2028"])
def test_a_control_character_in_an_id_is_refused_in_every_format(tmp_path: Path, kind: str, char: str) -> None:
    ids = ["a", f"b{char}c", "d"]
    rows = {**ROWS, "id": ids}
    if kind == "csv":
        path = tmp_path / "book.csv"
        path.write_text("id,side,size,entry,leverage\n" + "".join(
            f'"{i}",{s},{z},{e},{lv}\n' for i, s, z, e, lv in zip(*rows.values(), strict=True)), newline="")
        where = f"{path}:{4 if char == chr(10) else 3}"  # a row across lines is named by its last line, as ever
    elif kind == "jsonl":
        path = tmp_path / "book.jsonl"
        path.write_text("".join(json.dumps(dict(zip(rows, row, strict=True))) + "\n"
                                for row in zip(*rows.values(), strict=True)))
        where = f"{path}:2"
    elif kind == "parquet":
        path = tmp_path / "book.parquet"
        pq.write_table(pa.table(rows), path)
        where = f"{path} row 2"
    else:
        path = write_ipc(pa.table(rows), tmp_path / "book.arrow")
        where = f"{path} row 2"
    message = one_line(run("--book", str(path)))
    assert message == (f"{where}: id: a control character (U+{ord(char):04X}) in the id; an id is one line of "
                       "printable text")


def test_a_huge_id_from_json_lines_is_refused_as_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "book.jsonl"
    path.write_text(json.dumps({"id": "a" * 140_000, "side": "long", "size": 1, "entry": 60000, "leverage": 10}) + "\n")
    assert one_line(run("--book", str(path))) == (f"{path}:1: id: a cell longer than 131,072 characters; a book cell "
                                                  "holds one number or id")


def test_a_huge_side_from_an_arrow_book_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = write_ipc(pa.table({**ROWS, "side": ["long", "s" * 140_000, "short"]}), tmp_path / "book.arrow")
    assert one_line(run("--book", str(path))) == (f"{path} row 2: side: a cell longer than 131,072 characters; a book "
                                                  "cell holds one number or id")


# -- 5. a repeated column --------------------------------------------------------------------

def test_a_repeated_column_of_a_csv_book_is_named(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text("id,side,size,entry,leverage,Size\na,long,1,60000,10,2\n")
    assert one_line(run("--book", str(path))) == f"{path}:1: size: duplicate column"


@pytest.mark.parametrize("kind", ["parquet", "arrow"])
def test_a_repeated_column_of_a_parquet_or_arrow_book_is_named(tmp_path: Path, kind: str) -> None:
    table = pa.table([pa.array(v) for v in ROWS.values()] + [pa.array([2.0, 2.0, 2.0])], names=[*ROWS, "size"])
    path = tmp_path / f"book.{kind}"
    if kind == "parquet":
        pq.write_table(table, path)
    else:
        write_ipc(table, path)
    message = one_line(run("--book", str(path)))
    assert message == f"{path}: size: duplicate column"
    assert "__" not in message
