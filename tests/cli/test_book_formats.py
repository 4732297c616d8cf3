"""Books read by pyarrow (issue 12): CSV straight into typed columns, Parquet and Arrow IPC; the
same report from each format; every bad cell still named (CSV by line, Parquet and Arrow by row),
as the text reader named it; the ids kept in an Arrow array; ``book synth --output`` in each
format."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from liqcalc.app import books
from liqcalc.cli import app
from liqcalc.core.errors import LiqcalcError

runner = CliRunner()
BOOK = Path(__file__).parent.parent / "assets" / "books" / "btcusdt.csv"
COLUMNS = {"id": pa.string(), "side": pa.string(), "size": pa.float64(), "entry": pa.float64(),
           "margin": pa.float64(), "leverage": pa.float64(), "wallet": pa.float64()}
YOU = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
       "--leverage", "20", "--mark", "66000"]


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def table_of(csv_path: Path) -> pa.Table:
    import pyarrow.csv as pv

    header = csv_path.read_text().splitlines()[0].split(",")
    return pv.read_csv(csv_path, convert_options=pv.ConvertOptions(column_types={c: COLUMNS[c] for c in header}))


def write_ipc(table: pa.Table, path: Path) -> Path:
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return path


@pytest.fixture
def three(tmp_path: Path) -> dict[str, Path]:
    """The same rows as CSV, Parquet and Arrow IPC."""
    table = table_of(BOOK)
    pq.write_table(table, tmp_path / "book.parquet")
    write_ipc(table, tmp_path / "book.arrow")
    return {"csv": BOOK, "parquet": tmp_path / "book.parquet", "arrow": tmp_path / "book.arrow"}


def report(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    data["inputs"].pop("book")
    return dict(data)


@pytest.mark.parametrize("event", [["--shock", "2:20:2", "--insurance-fund", "20000"],
                                   ["--liquidated-size", "3", "--bankruptcy-price", "67000"]], ids=["sweep", "event"])
def test_a_csv_a_parquet_and_an_arrow_book_of_the_same_rows_give_the_same_report(three: dict[str, Path],
                                                                                event: list[str]) -> None:
    reports = {kind: report(*YOU, "--book", str(path), *event) for kind, path in three.items()}
    assert reports["parquet"] == reports["csv"]
    assert reports["arrow"] == reports["csv"]
    assert reports["csv"]["queue"]


def test_a_book_without_a_telling_suffix_is_sniffed_by_its_magic(three: dict[str, Path], tmp_path: Path) -> None:
    expected = report(*YOU, "--book", str(BOOK), "--shock", "10")
    for kind in ("parquet", "arrow"):
        bare = tmp_path / f"book-{kind}.data"
        bare.write_bytes(three[kind].read_bytes())
        assert books.book_format(str(bare), bare.read_bytes()[:8]) == kind
        assert report(*YOU, "--book", str(bare), "--shock", "10") == expected
    assert books.book_format("book.data", b'{"id": "a"}') == "jsonl"
    blank_start = tmp_path / "book.data"  # beyond the first 4 KiB of blanks, the first character still decides
    blank_start.write_text(" " * 5000 + '{"id": "a", "side": "long", "size": 1, "entry": 60000, "leverage": 10}\n')
    assert isinstance(books.read_book(str(blank_start)), books.BookFile)
    assert books.book_format("book.data", b"id,side") == "csv"
    assert books.book_format("book.feather", b"") == "arrow" and books.book_format("book.PQ", b"") == "parquet"


def test_an_arrow_stream_and_feather_are_read_under_the_arrow_suffixes(tmp_path: Path) -> None:
    import pyarrow.feather as feather

    table = table_of(BOOK)
    with pa.OSFile(str(tmp_path / "stream.ipc"), "wb") as sink, ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    feather.write_feather(table, str(tmp_path / "book.feather"))
    expected = report(*YOU, "--book", str(BOOK), "--shock", "10")
    assert report(*YOU, "--book", str(tmp_path / "stream.ipc"), "--shock", "10") == expected
    assert report(*YOU, "--book", str(tmp_path / "book.feather"), "--shock", "10") == expected


def test_a_csv_book_is_read_into_columns_and_its_ids_stay_an_arrow_array() -> None:
    read = books.read_book(str(BOOK))
    assert isinstance(read, books.TableBook)
    checked = books.check_book(read, Decimal(60000))
    ids = checked.columns.ids
    assert isinstance(ids, books.ArrowIds) and not isinstance(ids, tuple)
    assert ids[0] == "s01" and isinstance(ids[0], str) and ids[-1] == "l12" and list(ids)[:2] == ["s01", "s02"]
    assert checked.file.table is None  # the table is dropped once its columns are taken
    grown = checked.columns.with_row("you", 1.0, 1.0, 60000.0, 60000.0, float("nan"), 20.0, float("nan"))
    assert len(grown) == len(ids) + 1 and grown.ids[-1] == "you" and grown.ids[len(ids) - 1] == "l12"
    assert np.isnan(grown.margin[-1]) and grown.leverage[-1] == 20.0 and grown.size[:-1].tolist() == checked.columns.size.tolist()


BAD = [
    ({"size": [1.0, -3.0]}, "row 2: size: must be greater than 0, got -3.0"),
    ({"id": ["a", "a"]}, "row 2: id: duplicate id 'a' (also on row 1)"),
    ({"side": ["long", "sideways"]}, "row 2: side: expected long or short, got 'sideways'"),
    ({"side": ["long", None]}, "row 2: side: missing; give long or short"),
    ({"entry": [60000.0, float("nan")]}, "row 2: entry: expected a finite number, got 'nan'"),
    ({"entry": [60000.0, None]}, "row 2: entry: missing; every row needs entry"),
    ({"id": ["a", "you"]}, "row 2: id: 'you' is reserved for your own position; rename this row"),
    ({"leverage": [10.0, 0.5]}, "row 2: leverage: must be at least 1, got 0.5"),
    ({"leverage": [10.0, None]}, "row 2: margin: missing; give margin or leverage for an isolated position, or wallet "
                                 "for a cross one"),
    ({"size": [1.0, 1e31]}, "row 2: size: '1e+31' is out of range (between 1e-30 and 1e30 in size)"),
]


@pytest.mark.parametrize(("kind", "suffix"), [("parquet", ".parquet"), ("arrow", ".arrow")])
@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split(": ")[1] + ":" + m.split(": ")[2][:20] for _, m in BAD])
def test_a_bad_cell_of_a_parquet_or_arrow_book_is_named_by_its_row(tmp_path: Path, kind: str, suffix: str,
                                                                   change: dict[str, list[Any]], message: str) -> None:
    rows: dict[str, list[Any]] = {"id": ["a", "b"], "side": ["long", "short"], "size": [1.0, 2.0],
                                  "entry": [60000.0, 61000.0], "leverage": [10.0, 5.0]}
    rows.update(change)
    table = pa.table({k: pa.array(v, type=COLUMNS[k]) for k, v in rows.items()})
    path = tmp_path / f"book{suffix}"
    pq.write_table(table, path) if kind == "parquet" else write_ipc(table, path)
    result = run(*YOU, "--book", str(path), "--shock", "10")
    assert result.exit_code == 1
    assert result.stderr == f"liqcalc: error: {path} {message}\n"


def test_a_row_the_venue_refuses_in_a_parquet_book_is_named_by_its_row(tmp_path: Path) -> None:
    table = pa.table({"id": ["a", "b"], "side": ["long", "long"], "size": [1.0, 1.0], "entry": [60000.0, 60000.0],
                      "leverage": [10.0, 500.0]})
    pq.write_table(table, tmp_path / "book.parquet")
    result = run(*YOU, "--book", str(tmp_path / "book.parquet"), "--shock", "-5")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"liqcalc: error: {tmp_path / 'book.parquet'} row 2: leverage: leverage 500x is above")


@pytest.mark.parametrize(("table", "message"), [
    (pa.table({"id": ["a"], "side": ["long"], "size": ["1"], "entry": [60000.0], "leverage": [10.0]}),
     "size: expected a column of numbers, got string"),
    (pa.table({"id": ["a"], "side": [1], "size": [1.0], "entry": [60000.0], "leverage": [10.0]}),
     "side: expected a column of text (long or short), got int64"),
    (pa.table({"id": ["a"], "side": ["long"], "size": [1.0], "entry": [60000.0], "leverage": [True]}),
     "leverage: expected a column of numbers, got bool"),
    (pa.table({"id": [1.5], "side": ["long"], "size": [1.0], "entry": [60000.0], "leverage": [10.0]}),
     "id: expected a column of text or whole numbers, got double"),
    (pa.table({"id": ["a"], "side": ["long"], "size": [1.0], "entry": [60000.0], "price": [10.0]}),
     "price: unknown column; the columns are id, side, size, entry, margin or leverage, and optional wallet and mark"),
    (pa.table({"id": ["a"], "side": ["long"], "size": [1.0], "leverage": [10.0]}),
     "entry: missing column; the columns are id, side, size, entry, margin or leverage, and optional wallet and mark"),
    (pa.table({"id": pa.array([], pa.string()), "side": pa.array([], pa.string()), "size": pa.array([], pa.float64()),
               "entry": pa.array([], pa.float64()), "leverage": pa.array([], pa.float64())}),
     "no positions (an empty book, or a header line only): a book with no positions says nothing about ADL; give one "
     "position a row (id, side, size, entry, margin or leverage, and optional wallet and mark)"),
], ids=["string-size", "int-side", "bool-leverage", "float-id", "unknown", "missing", "empty"])
def test_a_parquet_book_of_the_wrong_shape_is_refused_in_one_line(tmp_path: Path, table: pa.Table, message: str) -> None:
    path = tmp_path / "book.parquet"
    pq.write_table(table, path)
    result = run(*YOU, "--book", str(path), "--shock", "10")
    assert result.exit_code == 1
    assert result.stderr == f"liqcalc: error: {path}: {message}\n"


def test_integer_columns_and_upper_case_names_of_a_parquet_book_are_read(tmp_path: Path) -> None:
    table = pa.table({"ID": pa.array([1, 2]), "Side": pa.array(["LONG", " short"]).dictionary_encode(),
                      "size": pa.array([1, 2], pa.int32()), "entry": pa.array([60000, 61000], pa.decimal128(10, 1)),
                      "leverage": [10, 5]})
    pq.write_table(table, tmp_path / "book.parquet")
    checked = books.check_book(books.read_book(str(tmp_path / "book.parquet")), Decimal(60000))
    assert list(checked.columns.ids) == ["1", "2"] and checked.columns.side.tolist() == [1.0, -1.0]
    assert checked.columns.size.tolist() == [1.0, 2.0]


def test_a_file_that_says_parquet_but_is_not_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "book.parquet"
    path.write_text("id,side,size,entry,leverage\na,long,1,60000,10\n")
    result = run(*YOU, "--book", str(path), "--shock", "10")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"liqcalc: error: {path}: not a Parquet file, or a damaged or truncated one (") and result.stderr.count("\n") == 1


def test_a_huge_id_is_refused_in_csv_as_before_and_in_parquet_too(tmp_path: Path) -> None:
    header = "id,side,size,entry,leverage\n"
    (tmp_path / "book.csv").write_text(header + "a" * 140_000 + ",short,1,60000,10\nb,long,1,60000,10\n")
    result = run(*YOU, "--book", str(tmp_path / "book.csv"), "--shock", "10")
    assert result.exit_code == 1
    assert result.stderr == (f"liqcalc: error: {tmp_path / 'book.csv'}:2: a cell longer than 131,072 characters; a book "
                             "cell holds one number or id\n")
    table = pa.table({"id": ["a" * 140_000, "b"], "side": ["short", "long"], "size": [1.0, 1.0],
                      "entry": [60000.0, 60000.0], "leverage": [10.0, 10.0]})
    pq.write_table(table, tmp_path / "book.parquet")
    result = run(*YOU, "--book", str(tmp_path / "book.parquet"), "--shock", "10")
    assert result.exit_code == 1
    assert result.stderr == (f"liqcalc: error: {tmp_path / 'book.parquet'} row 1: id: a cell longer than 131,072 "
                             "characters; a book cell holds one number or id\n")


def test_rows_from_python_are_read_as_before() -> None:
    from liqcalc import adl_risk

    rows = [{"id": "a", "side": "long", "size": Decimal("1.5"), "entry": 60000, "leverage": 10},
            {"id": "b", "side": "short", "size": 2, "entry": "61000", "leverage": 5.0}]
    assert isinstance(books.read_book(rows), books.BookFile)
    path = Path(tempfile.mkdtemp()) / "book.csv"
    path.write_text("id,side,size,entry,leverage\na,long,1.5,60000,10\nb,short,2,61000,5.0\n")
    kwargs: dict[str, Any] = {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1,
                              "leverage": 20, "mark": 66000, "shock": 10}
    from_rows = adl_risk(book=rows, **kwargs).to_dict()
    from_csv = adl_risk(book=str(path), **kwargs).to_dict()
    from_rows["inputs"].pop("book"), from_csv["inputs"].pop("book")
    assert from_rows == from_csv


# -- the fast reader against the text reader ------------------------------------------------

TOKENS = ["1", "2.5", "60000", "-1", "0", "1e-31", "1e31", "1e30", "nan", "inf", " 5", "5 ", "+3", "abc", "", " ", "١",
          "１", "1_0", "0x1", "1.", ".5", "1e5", '"7"', '""', '"a,b"', '"x\ny"', 'a"b', "long", "short", "LONG",
          " Short ", "sideways", "you", "a", "b", "a ", "\u00a0a", "\x1cz", "é", "\ufeff", "\r", "10", "0.5", "1e-320",
          "00001", "1,000", "\t2"]


def _random_csv(rng: random.Random, noise: float) -> bytes:
    header = ["id", "side", "size", "entry"] + [c for c in ("margin", "leverage", "wallet", "mark") if rng.random() < 0.5]
    if rng.random() < 0.1:
        header.append(rng.choice(["price", " size", "Side"]))
    rng.shuffle(header)
    good = {"id": None, "side": ["long", "short"], "size": ["1", "0.5", "3"], "entry": ["60000", "59000.5"],
            "leverage": ["", "10", "5"], "margin": ["", "1000"], "wallet": ["", "", "", "5000"], "mark": ["", "61000"]}
    lines = [",".join(h.upper() if rng.random() < 0.1 else (f'"{h}"' if rng.random() < 0.1 else h) for h in header)]
    for n in range(rng.randint(0, 6)):
        row = []
        for h in header:
            choices = good.get(h.strip().lower())
            if rng.random() < noise:
                row.append(rng.choice(TOKENS))
            else:
                row.append(f"r{n}" if choices is None else rng.choice(choices))
        if rng.random() < 0.05:
            row.append("x")
        lines.append(",".join(row))
        if rng.random() < 0.05:
            lines.append(rng.choice(["", " ", "\r", ",,,"]))
    end = rng.choice(["\n", "\r\n", "", "\n\n"])
    data = (rng.choice(["", "", "\n", "\ufeff"]) + end.join(lines) + end).encode("utf-8")
    return data.replace(b"a", b"\xff", 1) if rng.random() < 0.03 else data


def _outcome(read: Any) -> Any:
    try:
        checked = read()
    except LiqcalcError as error:
        return str(error)
    c = checked.columns
    return repr((list(c.ids), [getattr(c, f).tolist() for f in ("side", "size", "entry", "mark", "margin", "leverage",
                                                                 "wallet")]))  # repr: nan equals nan


@pytest.mark.parametrize("noise", [0.02, 0.2])
def test_the_typed_csv_reader_gives_what_the_text_reader_gives(tmp_path: Path, noise: float) -> None:
    """Random CSV books (bad cells, quotes, blank and ragged lines, CRLF, byte-order marks,
    digits of other scripts, invalid UTF-8): the checked columns, or the error, are those of
    the text reader (today's reader, which the typed one falls back on)."""
    rng = random.Random(12)
    path = tmp_path / "book.csv"
    fast = 0
    for _ in range(400):
        data = _random_csv(rng, noise)
        path.write_bytes(data)

        def text_reader(data: bytes = data) -> Any:
            text = books._decode(str(path), data)
            return books.check_book(books._read_csv(str(path), text), Decimal(60000))

        read = _outcome(lambda: books.check_book(books.read_book(str(path)), Decimal(60000)))
        assert read == _outcome(text_reader), data
        fast += read.startswith("([") and isinstance(books.read_book(str(path)), books.TableBook)
    assert fast > (15 if noise < 0.1 else 3)  # books read and checked on the typed path, not only by the fallback


def test_a_csv_book_with_blank_lines_names_its_rows_by_line(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text("id,side,size,entry,leverage\na,long,1,60000,10\n\n\nb,long,1,60000,500\n")
    assert isinstance(books.read_book(str(path)), books.TableBook)
    result = run(*YOU, "--book", str(path), "--shock", "-5")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"liqcalc: error: {path}:5: leverage: leverage 500x is above the maximum")


# -- book synth --output in each format -----------------------------------------------------

SYNTH = ["book", "synth", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--open-interest", "3000000",
         "--positions", "50", "--seed", "7"]


def test_book_synth_writes_parquet_and_arrow_by_the_name_and_never_overwrites(tmp_path: Path) -> None:
    for name in ("m.csv", "m.parquet", "m.arrow"):
        result = run(*SYNTH, "--output", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    assert (tmp_path / "m.parquet").read_bytes()[:4] == b"PAR1"
    assert (tmp_path / "m.arrow").read_bytes()[:6] == b"ARROW1"
    parquet = pq.read_table(tmp_path / "m.parquet")
    assert parquet.column_names == ["id", "side", "size", "entry", "leverage"]
    assert parquet.schema.field("size").type == pa.float64()
    expected = report(*YOU, "--book", str(tmp_path / "m.csv"), "--shock", "-10")
    assert report(*YOU, "--book", str(tmp_path / "m.parquet"), "--shock", "-10") == expected
    assert report(*YOU, "--book", str(tmp_path / "m.arrow"), "--shock", "-10") == expected
    again = run(*SYNTH, "--output", str(tmp_path / "m.parquet"))
    assert again.exit_code == 2
    assert again.stderr == f"liqcalc: error: --output: {tmp_path / 'm.parquet'} exists; give --force to overwrite it\n"


def test_commands_without_a_book_never_import_pyarrow() -> None:
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write(' '.join(sorted(m for m in sys.modules if m.startswith('pyarrow')))))\n"
            "sys.argv = ['liqcalc', *sys.argv[1:]]\n"
            "from liqcalc.cli import main\n"
            "main()\n")
    for args in (["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size",
                  "1", "--leverage", "10", "--json"],
                 [*YOU[:13], "--liquidated-size", "1", "--bankruptcy-price", "67000", "--json"],
                 SYNTH):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                              cwd=tempfile.gettempdir())
        assert done.returncode == 0, done.stderr
        assert "pyarrow" not in done.stderr.split("\n")[-1], args


@pytest.mark.parametrize(("cells", "may"), [
    (["a", " b"], True), (["a", "b "], True), (["a", "b\t"], True), (["é"], True), (["a\u00a0"], True), (["a\x1c"], True),
    (["", "a"], False), (["ab", None], False), (["a", "b-c"], False),
])
def test_a_text_column_is_stripped_only_when_a_cell_may_start_or_end_with_a_space(cells: list[str | None], may: bool) -> None:
    column = pa.array(cells, pa.string())
    assert books._may_have_edge_spaces(column) is may
    assert books._may_have_edge_spaces(pa.chunked_array([column.slice(0, 1), column.slice(1)])) is may
    assert books._may_have_edge_spaces(column.cast(pa.large_string())) is may
    assert books._strip_text(column).to_pylist() == [None if c is None else c.strip() for c in cells]


def test_the_ids_of_many_rows_are_taken_at_once_yours_included() -> None:
    """The streamed JSON queue reads the ids of a chunk of rows in one Arrow take (ArrowIds.take,
    and the book with your row appended): the same ids, in the same order, as one at a time."""
    from liqcalc.core.book import Columns

    ids = books.ArrowIds(pa.array(["a", "b", "c"]))
    nan = np.full(3, np.nan)
    cols = Columns(ids, np.ones(3), nan, nan, nan, nan, nan, nan).with_row("YOU", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    at = [3, 0, 2, 3, 1]
    assert ids.take([2, 0]) == ["c", "a"]
    assert cols.ids.take(at) == [cols.ids[i] for i in at] == ["YOU", "a", "c", "YOU", "b"]  # type: ignore[attr-defined]
