"""Benchmark ``liqcalc adl-risk`` on books of 10,000, 100,000 and 1,000,000 positions, beside
its floor, in one run.

Run from the project's environment (pyarrow installed: the floor reads the CSV with it)::

    python benchmarks/bench_adl.py            # 10k, 100k and 1M rows; 10, 100 and 1,000 steps
    python benchmarks/bench_adl.py --quick    # 10k and 100k rows
    python benchmarks/bench_adl.py --rounds 3 # the median of 3 runs of each (default 1)
    python benchmarks/bench_adl.py --rows 1000000  # one size

Every figure is a subprocess (``python -m liqcalc adl-risk ...`` and the floor as a script),
timed on the wall clock from start to exit, its peak memory read from the kernel
(``ru_maxrss`` of that child, ``os.wait4``):

1. The floor: the least any program answering the question does: read the CSV into columns
   with pyarrow (``pyarrow.csv.read_csv``) and, at each step, compute one score array (a single
   vector expression) and sort it once (``numpy.argsort``). For a Parquet book
   (``pyarrow.parquet.read_table``), when liqcalc accepts ``--book x.parquet`` (else that row
   is skipped).
2. ``adl-risk`` with a sweep of 10, 100 and 1,000 steps and ``--top 20 --json``, and with the
   full JSON queue (100 steps, no ``--top``, written to /dev/null), each against the floor of
   the same number of steps (targets on 1M rows: 2x with --top, 3x with the full queue; peak
   memory within 3x of the floor's).
3. The cost of one step: (time at 1,000 steps - time at 10) / 990, per row (nanoseconds per
   position per step: the same at every size when the sweep is linear in the rows).
4. A liquidation event (``--liquidated-size``, the vectorized event path) against one step of
   the sweep (``--shock`` of one step): both read and price the book; target 3x.

The book is written by this script to a temporary directory (fixed seed): BTCUSDT on the
binance preset, longs and shorts around 60,000, leverage 2-50, a tenth cross-margined. The
last lines are a plain-text table for the README.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

SEED = 20260101
STEPS = {10: "-2:-20:-2", 100: "-0.2:-20:-0.2", 1000: "-0.02:-20:-0.02"}
ONE_STEP = "-8"
YOU = ["--side", "short", "--entry", "61000", "--size", "1", "--leverage", "20", "--mark", "60000"]
EVENT = ["--liquidated-size", "50", "--bankruptcy-price", "59000", "--liquidated-side", "long"]
TARGET_TOP, TARGET_JSON, TARGET_MEMORY, TARGET_EVENT = 2.0, 3.0, 3.0, 3.0

FLOOR = """
import sys, numpy as np
path, kind, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "parquet":
    import pyarrow.parquet as pq
    table = pq.read_table(path, columns=["side", "size", "entry"])
else:
    import pyarrow.csv as pc
    table = pc.read_csv(path)
size = table.column("size").to_numpy()
entry = table.column("entry").to_numpy()
side = np.where(table.column("side").to_numpy(zero_copy_only=False) == "long", 1.0, -1.0)
mark = 60000.0
for shock in np.linspace(-20.0 / steps, -20.0, steps):
    score = side * size * (mark * (1 + shock / 100) - entry) / entry
    np.argsort(-score, kind="quicksort")
"""


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


def write_parquet(csv_path: Path, path: Path) -> None:
    import pyarrow.csv as pc
    import pyarrow.parquet as pq

    pq.write_table(pc.read_csv(csv_path), path)


def child(args: list[str]) -> tuple[float, float]:
    """Run ``args`` (stdout to /dev/null): wall seconds and peak memory in MB; a failure stops
    the benchmark with its stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({process.returncode}): {err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024  # KB on Linux


def liqcalc(book: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "liqcalc", "adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", *YOU,
            "--book", str(book), "--insurance-fund", "1000000", "--no-stale-warning", "--json", *extra]


def floor(book: Path, kind: str, steps: int) -> list[str]:
    return [sys.executable, "-c", FLOOR, str(book), kind, str(steps)]


def parquet_accepted(tmp: Path) -> bool:
    """Whether this liqcalc reads ``--book x.parquet`` (the columnar reader of issue 12)."""
    small = tmp / "probe.csv"
    write_book(small, 20)
    probe = tmp / "probe.parquet"
    write_parquet(small, probe)
    result = subprocess.run(liqcalc(probe, "--top", "1"), capture_output=True, cwd=tempfile.gettempdir(), check=False)
    return result.returncode == 0


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def measure(args: list[str], rounds: int) -> tuple[float, float]:
    return median([child(args) for _ in range(rounds)])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k rows only")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each figure (the median is shown)")
    parser.add_argument("--rows", help="book sizes to run, comma-separated (default 10000,100000,1000000)")
    args = parser.parse_args()
    sizes: tuple[int, ...] = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    if args.rows:
        sizes = tuple(int(n) for n in args.rows.split(","))
    rounds = max(1, args.rounds)
    machine = f"{os.cpu_count()} CPUs, {platform.platform()}"
    print(f"liqcalc adl-risk benchmark: {', '.join(f'{n:,}' for n in sizes)} positions; {rounds} round(s)")
    print(f"  Python {platform.python_version()}, numpy {version('numpy')}, pyarrow {version('pyarrow')}; {machine}")
    lines: list[str] = []
    per_row: list[str] = []
    with tempfile.TemporaryDirectory(prefix="liqcalc-bench-adl-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("LIQCALC_CACHE_DIR", str(tmp / "cache"))
        parquet = parquet_accepted(tmp)
        print(f"  --book x.parquet: {'accepted' if parquet else 'not accepted by this liqcalc (Parquet rows skipped)'}")
        child(liqcalc(tmp / "probe.csv", "--top", "1"))  # warm-up: bytecode, the preset cache
        header = (f"{'rows':>9} {'book':>7} {'steps':>5} | {'liqcalc':>8} {'floor':>7} {'ratio':>6} | "
                  f"{'peak MB':>7} {'floor MB':>8} {'ratio':>5}")
        lines.append("Sweep with --top 20 --json, against the floor (read + one argsort per step):")
        lines.append(header)
        lines.append("-" * len(header))
        totals: dict[tuple[int, str], tuple[float, float]] = {}
        extra_lines: list[str] = []
        for count in sizes:
            book = tmp / f"book-{count}.csv"
            write_book(book, count)
            kinds = [("csv", book)]
            if parquet:
                pbook = tmp / f"book-{count}.parquet"
                write_parquet(book, pbook)
                kinds.append(("parquet", pbook))
            for kind, path in kinds:
                times: dict[int, float] = {}
                for steps, shock in STEPS.items():
                    ours, ours_mb = measure(liqcalc(path, "--shock", shock, "--top", "20"), rounds)
                    base, base_mb = measure(floor(path, kind, steps), rounds)
                    times[steps] = ours
                    totals[(count, kind)] = (base, base_mb)
                    lines.append(f"{count:>9,} {kind:>7} {steps:>5} | {ours:>7.2f}s {base:>6.2f}s {ours / base:>5.2f}x | "
                                 f"{ours_mb:>7.0f} {base_mb:>8.0f} {ours_mb / base_mb:>4.1f}x")
                    print(lines[-1], flush=True)
                step_ms = (times[1000] - times[10]) / 990 * 1000
                per_row.append(f"{count:>9,} {kind:>7} | {step_ms:>8.2f} ms/step {step_ms * 1e6 / count:>8.1f} ns/row/step")
                print(per_row[-1], flush=True)
                # the full JSON queue, 100 steps
                ours, ours_mb = measure(liqcalc(path, "--shock", STEPS[100]), rounds)
                base, base_mb = measure(floor(path, kind, 100), rounds)
                extra_lines.append(f"{count:>9,} {kind:>7}   full JSON, 100 steps | {ours:>7.2f}s {base:>6.2f}s "
                                   f"{ours / base:>5.2f}x | {ours_mb:>7.0f} {base_mb:>8.0f} {ours_mb / base_mb:>4.1f}x")
                print(extra_lines[-1], flush=True)
                # a liquidation event against one step of the sweep
                event, event_mb = measure(liqcalc(path, *EVENT, "--top", "20"), rounds)
                one, one_mb = measure(liqcalc(path, "--shock", ONE_STEP, "--top", "20"), rounds)
                extra_lines.append(f"{count:>9,} {kind:>7}   event vs one step    | {event:>7.2f}s {one:>6.2f}s "
                                   f"{event / one:>5.2f}x | {event_mb:>7.0f} {one_mb:>8.0f} {event_mb / one_mb:>4.1f}x")
                print(extra_lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print()
    print("Full JSON queue (no --top) and a liquidation event (--liquidated-size) against one shock:")
    print("\n".join(extra_lines))
    print()
    print("Cost of one step ((1,000 steps - 10 steps) / 990), per position:")
    print("\n".join(per_row))
    print(f"\nTargets on 1,000,000 rows: --top within {TARGET_TOP:.0f}x of the floor, the full JSON queue within "
          f"{TARGET_JSON:.0f}x, peak memory within {TARGET_MEMORY:.0f}x, an event within {TARGET_EVENT:.0f}x of one step.")


if __name__ == "__main__":
    main()
