"""Benchmark ``liqcalc adl-risk``: a 100,000-position book under a 100-step shock sweep.

Run from the project's environment::

    python benchmarks/bench_adl.py           # 100,000 positions, 100 shocks, 5 interleaved rounds
    python benchmarks/bench_adl.py --quick   # 10,000 positions, 2 rounds

What is measured, and why:

1. The command, in this process (the Typer app called with ``standalone_mode=False``, table
   output to a buffer): the
   preset, reading and checking the CSV book, every position's liquidation and bankruptcy price
   (once), the cascade and the queue at each of the 100 shocks, the detail of the shock that
   reaches you, and the tables. Start-up of the interpreter is left out (it is the same for
   every command; ``bench_position.py`` measures it).
2. The floor: the least any program answering the question does: read the same CSV into numpy
   arrays (``csv`` module, ``float`` columns) and, at each of the 100 shocks, compute one score
   array (a single vector expression) and sort it once with ``numpy.argsort``.
3. The ratio of the medians (target: at most 3x), and the engine alone (pricing + sweep, with
   the book already in arrays), to show where the time goes.

The book is written by this script to a temporary directory (fixed seed): BTCUSDT on the
binance preset, longs and shorts around 60,000, leverage 2-50, a tenth of them cross-margined.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import io
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import numpy as np

from liqcalc.app.books import check_book, read_book
from liqcalc.cli import app
from liqcalc.core import book as vector
from liqcalc.presets.loader import load

SEED = 20260101
TARGET = 3.0
SHOCKS = "-0.2:-20:-0.2"  # 100 steps
YOU = ["--side", "short", "--entry", "61000", "--size", "1", "--leverage", "20", "--mark", "60000"]


def write_book(path: Path, count: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["id", "side", "size", "entry", "leverage", "wallet"])
        for n in range(count):
            side = "long" if rng.random() < 0.5 else "short"
            size = round(rng.uniform(0.001, 4.0), 3)
            entry = round(60000 * rng.uniform(0.9, 1.1), 1)
            leverage = rng.randint(2, 50)
            if n % 10 == 0:
                out.writerow([f"p{n}", side, size, entry, "", round(size * entry / leverage, 2)])
            else:
                out.writerow([f"p{n}", side, size, entry, leverage, ""])


def floor(path: Path, shocks: np.ndarray) -> float:
    """Read the CSV into float arrays and sort one score array per shock."""
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        rows = list(reader)
    size = np.array([r[2] for r in rows], dtype=np.float64)
    entry = np.array([r[3] for r in rows], dtype=np.float64)
    side = np.array([1.0 if r[1] == "long" else -1.0 for r in rows])
    mark = 60000.0
    for shock in shocks:
        score = side * size * (mark * (1 + shock / 100) - entry) / entry
        np.argsort(-score, kind="quicksort")
    return time.perf_counter() - start


def command(path: Path) -> tuple[float, str]:
    args = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", *YOU, "--book", str(path), "--shock", SHOCKS,
            "--insurance-fund", "1000000"]
    buffer = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        app(args, standalone_mode=False)
    return time.perf_counter() - start, buffer.getvalue()


def engine(path: Path) -> tuple[float, float, float]:
    """Reading+checking, pricing, sweeping: each phase on its own."""
    preset = load("binance")
    venue, symbol = preset.venue, preset.symbol("BTCUSDT")
    t0 = time.perf_counter()
    gc.disable()  # as the command does while it reads a book
    checked = check_book(read_book(str(path)), Decimal(60000))
    gc.enable()
    t1 = time.perf_counter()
    priced = vector.price_book(venue, symbol, checked.columns)
    t2 = time.perf_counter()
    model = vector.Book(venue, priced, ranking="binance_leverage_pnl", slippage_bps=50.0, insurance_fund=1e6)
    model.sweep(np.arange(-0.2, -20.0001, -0.2))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 positions, 2 rounds")
    args = parser.parse_args()
    count, rounds = (10_000, 2) if args.quick else (100_000, 5)
    shocks = np.arange(-0.2, -20.0001, -0.2)
    machine = f"{os.cpu_count()} CPUs, {platform.platform()}"
    print(f"liqcalc adl-risk benchmark: {count:,} positions x {shocks.size} shocks, {rounds} rounds")
    print(f"  Python {platform.python_version()}, numpy {version('numpy')}; {machine}")
    with tempfile.TemporaryDirectory(prefix="liqcalc-bench-adl-") as tmp:
        path = Path(tmp) / "book.csv"
        write_book(path, count)
        print(f"  book: {path.stat().st_size / 1e6:.1f} MB (seed {SEED})")
        os.environ.setdefault("LIQCALC_CACHE_DIR", str(Path(tmp) / "cache"))
        _, out = command(path)  # warm-up: the preset cache, bytecode
        reach = [line for line in out.splitlines() if "smallest shock" in line or "No shock" in line]
        print(f"  warm-up run: {reach[0] if reach else 'no sentence'}")
        times: dict[str, list[float]] = {"command": [], "floor": []}
        for n in range(rounds):
            for name in (("command", "floor") if n % 2 == 0 else ("floor", "command")):
                times[name].append(command(path)[0] if name == "command" else floor(path, shocks))
        phases = engine(path)
    med = {name: statistics.median(values) for name, values in times.items()}
    ratio = med["command"] / med["floor"]
    print(f"  adl-risk (in-process, tables):  median {med['command']:.3f} s  (min {min(times['command']):.3f})")
    print(f"  floor (read CSV + 100 argsorts): median {med['floor']:.3f} s  (min {min(times['floor']):.3f})")
    print(f"  ratio of medians: {ratio:.2f}  ({'within' if ratio <= TARGET else 'ABOVE'} the {TARGET:.0f}x target)")
    print(f"  phases: read+check {phases[0]:.3f} s, liquidation/bankruptcy prices {phases[1]:.3f} s, "
          f"100-shock sweep {phases[2]:.3f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
