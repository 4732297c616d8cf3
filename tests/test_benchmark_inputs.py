"""Issue 12's proof on the benchmarks' own inputs (smaller samples of them): the vector forms
give the Decimal core's figures, to the printed precision.

- ``bench_batch.py``'s lines: the compact keys (priced as arrays, ``core/vector.py``) are the
  full object's (always the Decimal core's), byte for byte;
- ``bench_adl.py``'s book and its liquidation event: the vectorized event path is the Decimal
  path's report (``VECTOR_EVENTS = False``), numbers to 1e-9 relative (the JSON's 8 decimals).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest
from helpers import same

import liqcalc
from liqcalc.app import adl as adl_app

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def benchmark(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def batch(path: Path, *options: str) -> list[dict[str, str]]:
    """``position --input`` on ``path`` in one process, each line's numbers kept as their text."""
    env = {**os.environ, "LIQCALC_BATCH_WORKERS": "1"}
    done = subprocess.run([sys.executable, "-m", "liqcalc", "position", "--input", str(path), "--no-stale-warning",
                           *options], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(), check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line, parse_float=str, parse_int=str) for line in done.stdout.splitlines()]


def test_the_batch_benchmarks_lines_priced_as_arrays_are_the_decimal_cores(tmp_path: Path) -> None:
    bench = benchmark("bench_batch")
    lines = tmp_path / "lines.jsonl"
    bench.write_lines(lines, 3000)
    fields = bench.COMPACT.split(",")
    compact = batch(lines, "--fields", bench.COMPACT)
    full = batch(lines)
    assert len(compact) == len(full) == 3000
    for got, whole in zip(compact, full, strict=True):
        assert got == {key: whole.get(key) for key in fields}


def test_the_adl_benchmarks_event_on_its_book_is_the_decimal_report(tmp_path: Path) -> None:
    bench = benchmark("bench_adl")
    book = tmp_path / "book.csv"
    bench.write_book(book, 1500)
    options = dict(zip((flag.removeprefix("--").replace("-", "_") for flag in bench.YOU[::2]), bench.YOU[1::2], strict=True))
    options.update(zip((flag.removeprefix("--").replace("-", "_") for flag in bench.EVENT[::2]), bench.EVENT[1::2], strict=True))
    vector = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", book=book, insurance_fund="1000000",
                              no_stale_warning=True, **options).to_dict()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adl_app, "VECTOR_EVENTS", False)
        decimal = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", book=book, insurance_fund="1000000",
                                   no_stale_warning=True, **options).to_dict()
    assert vector["queue_count"] > 500
    assert sum(1 for row in vector["queue"] if row["adl_size"]) > 10  # the event reaches well into the queue
    same(vector, decimal)
