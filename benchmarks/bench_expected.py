"""Benchmark ``adl-risk``'s expected exposure: a 100,000-position book, 1,000 sampled moves
(``--vol 80 --horizon 1d``), against the plain 100-step sweep (``--shock -0.2:-20:-0.2``).

Run from the project's environment::

    python benchmarks/bench_expected.py           # 100,000 positions, 3 interleaved rounds
    python benchmarks/bench_expected.py --quick   # 10,000 positions, 1 round

Both are the command in this process (the Typer app with ``standalone_mode=False``, tables
to a buffer): the preset, reading and checking the CSV, pricing every position once, the
sweep (100 shocks; or the 1,000 moves of the distribution, each the same cascade and queue
head as a shock of the sweep), the detail of the move shown, the tables. The ratio of the
medians is printed: the price of 10 times as many moves. The engine alone (the sweeps on
the book already priced) is timed too, to show where the time goes.

The book is ``liqcalc book synth``'s model (fixed seed): BTCUSDT on binance, open interest
6 billion USDT a side at a mark of 60,000, 60% of accounts long, the default leverage mix.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import numpy as np

from liqcalc.app.books import check_book, read_book
from liqcalc.app.synth import synth_book
from liqcalc.cli import app
from liqcalc.core import book as vector
from liqcalc.core.exposure import parametric, your_sweep
from liqcalc.presets.loader import load

SEED = 20261129
YOU = ["--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry", "61000", "--size", "1", "--leverage",
       "20", "--mark", "60000", "--insurance-fund", "20000000"]
SWEEP = ["--shock", "-0.2:-20:-0.2"]
EXPECTED = ["--vol", "80", "--horizon", "1d"]


def command(path: Path, event: list[str]) -> tuple[float, str]:
    buffer = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        app(["adl-risk", *YOU, "--book", str(path), *event], standalone_mode=False)
    return time.perf_counter() - start, buffer.getvalue()


def engine(path: Path) -> tuple[float, float]:
    """The 100-shock sweep and the 1,000-move sweep on the book already priced."""
    preset = load("binance")
    checked = check_book(read_book(str(path)), Decimal(60000))
    priced = vector.price_book(preset.venue, preset.symbol("BTCUSDT"), checked.columns)
    model = vector.Book(preset.venue, priced, ranking="binance_leverage_pnl", slippage_bps=50.0, insurance_fund=2e7)
    t0 = time.perf_counter()
    model.sweep(np.arange(-0.2, -20.0001, -0.2))
    t1 = time.perf_counter()
    your_sweep(model, np.asarray(parametric(80, 1, 1000).moves), "queue")
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 positions, 1 round")
    args = parser.parse_args()
    count, rounds = (10_000, 1) if args.quick else (100_000, 3)
    print(f"liqcalc adl-risk expected-exposure benchmark: {count:,} positions, 1,000 moves vs 100 shocks, {rounds} rounds")
    print(f"  Python {platform.python_version()}, numpy {version('numpy')}; {os.cpu_count()} CPUs, {platform.platform()}")
    with tempfile.TemporaryDirectory(prefix="liqcalc-bench-expected-") as tmp:
        path = Path(tmp) / "book.csv"
        book = synth_book(preset="binance", symbol="BTCUSDT", mark=60000, open_interest=6_000_000_000, long_share=60,
                          positions=count, seed=SEED)
        path.write_text(book.to_csv(), encoding="utf-8")
        print(f"  book: {path.stat().st_size / 1e6:.1f} MB, liqcalc book synth (seed {SEED})")
        os.environ.setdefault("LIQCALC_CACHE_DIR", str(Path(tmp) / "cache"))
        _, out = command(path, EXPECTED)  # warm-up: the preset cache, bytecode
        said = [line for line in out.splitlines() if line.startswith("Over ")]
        print(f"  warm-up run: {said[0] if said else 'no sentence'}")
        times: dict[str, list[float]] = {"expected": [], "sweep": []}
        for n in range(rounds):
            for name in (("expected", "sweep") if n % 2 == 0 else ("sweep", "expected")):
                times[name].append(command(path, EXPECTED if name == "expected" else SWEEP)[0])
        phases = engine(path)
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"  adl-risk --vol 80 --horizon 1d (1,000 moves): median {med['expected']:.3f} s "
          f"(min {min(times['expected']):.3f})")
    print(f"  adl-risk --shock -0.2:-20:-0.2 (100 shocks):  median {med['sweep']:.3f} s (min {min(times['sweep']):.3f})")
    print(f"  ratio of medians: {med['expected'] / med['sweep']:.2f}")
    print(f"  engine alone: 100-shock sweep {phases[0]:.3f} s, 1,000 moves {phases[1]:.3f} s "
          f"(ratio {phases[1] / phases[0]:.2f})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
