"""Benchmark reading a book: ``adl-risk --book`` on a CSV and a Parquet book against the floor.

Run from the project's environment::

    python benchmarks/bench_read.py                  # 1,000,000 positions
    python benchmarks/bench_read.py --rows 100000    # smaller

Each measurement runs in its own subprocess, so its peak memory (``ru_maxrss`` of the child,
from :func:`resource.getrusage`) is its own:

1. the floor: ``pyarrow.csv.read_csv`` (or ``pyarrow.parquet.read_table``) into typed columns,
   the columns as numpy arrays, and one ``numpy.argsort`` of a score array (one step);
2. liqcalc's read: ``read_book`` + ``check_book`` (the book checked, in columns);
3. the command: ``liqcalc adl-risk --book BOOK ... --shock -10 --top 20 --json``.

The ratios of time and of peak memory to the floor's are printed. The book is written by this
script to a temporary directory (fixed seed): BTCUSDT on the binance preset, longs and shorts
around 60,000, leverage 2-50, a tenth of them cross-margined.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SEED = 20260101

WRITE = """
import numpy as np, pyarrow as pa, pyarrow.csv as pv, pyarrow.parquet as pq, sys
rng = np.random.default_rng({seed})
n = {rows}
cross = np.arange(n) % 10 == 0
size = np.round(rng.uniform(0.001, 4.0, n), 3)
entry = np.round(60000 * rng.uniform(0.9, 1.1, n), 1)
leverage = rng.integers(2, 51, n).astype(float)
wallet = np.where(cross, np.round(size * entry / leverage, 2), np.nan)
table = pa.table({{
    "id": pa.array([f"p{{i}}" for i in range(n)]),
    "side": pa.array(np.where(rng.random(n) < 0.5, "long", "short")),
    "size": size, "entry": entry,
    "leverage": pa.array(np.where(cross, np.nan, leverage), from_pandas=True),
    "wallet": pa.array(wallet, from_pandas=True),
}})
pv.write_csv(table, sys.argv[1], pv.WriteOptions(quoting_style="none"))
pq.write_table(table, sys.argv[2])
"""

MEASURE = """
import json, resource, sys, time
start = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - start,
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

FLOOR = """
import numpy as np, pyarrow as pa
path = sys.argv[1]
if path.endswith(".parquet"):
    import pyarrow.parquet as pq
    table = pq.read_table(path)
else:
    import pyarrow.csv as pv
    table = pv.read_csv(path, convert_options=pv.ConvertOptions(column_types={
        "id": pa.string(), "side": pa.string(), "size": pa.float64(), "entry": pa.float64(),
        "leverage": pa.float64(), "wallet": pa.float64()}))
cols = {name: table.column(name).to_numpy() for name in ("size", "entry", "leverage", "wallet")}
side = np.where(table.column("side").to_numpy(zero_copy_only=False) == "long", 1.0, -1.0)
ids = table.column("id")
score = side * (60000 * 0.9 - cols["entry"]) / cols["entry"] * np.nan_to_num(cols["leverage"], nan=1.0)
order = np.argsort(-score)
"""

READ = """
from decimal import Decimal
from liqcalc.app.books import check_book, read_book
book = check_book(read_book(sys.argv[1]), Decimal(60000))
"""

COMMAND = """
import contextlib, io
from liqcalc.cli import main
sys.argv = ["liqcalc", "adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--book", sys.argv[1],
            "--side", "short", "--entry", "61000", "--size", "1", "--leverage", "20", "--mark", "60000",
            "--shock", "-10", "--top", "20", "--json"]
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main()
"""


def run(body: str, book: Path) -> dict[str, float]:
    code = MEASURE.format(body=textwrap.dedent(body))
    done = subprocess.run([sys.executable, "-c", code, str(book)], capture_output=True, text=True, check=False,
                          cwd=tempfile.gettempdir())
    if done.returncode != 0:
        raise SystemExit(f"failed: {done.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv_path, parquet_path = Path(folder) / "book.csv", Path(folder) / "book.parquet"
        subprocess.run([sys.executable, "-c", WRITE.format(seed=SEED, rows=args.rows), str(csv_path), str(parquet_path)],
                       check=True)
        print(f"{args.rows:,} rows: CSV {csv_path.stat().st_size / 1e6:.1f} MB, "
              f"Parquet {parquet_path.stat().st_size / 1e6:.1f} MB")
        print(f"{'':32}{'seconds':>9}{'peak MB':>9}{'x time':>8}{'x peak':>8}")
        for label, path in (("CSV", csv_path), ("Parquet", parquet_path)):
            floor = run(FLOOR, path)
            for what, body in (("floor", FLOOR), ("read_book + check_book", READ), ("adl-risk --shock -10", COMMAND)):
                m = floor if what == "floor" else run(body, path)
                print(f"{label + ' ' + what:32}{m['seconds']:9.2f}{m['peak_mb']:9.0f}"
                      f"{m['seconds'] / floor['seconds']:8.2f}{m['peak_mb'] / floor['peak_mb']:8.2f}")


if __name__ == "__main__":
    main()
