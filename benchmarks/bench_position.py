"""Benchmark ``liqcalc position``: start-up time of one call, and ``--input`` throughput.

Run from the project's environment (``liqcalc`` must be installed next to ``sys.executable``)::

    python benchmarks/bench_position.py           # full run: 30 + 30 timed starts, 100,000 lines
    python benchmarks/bench_position.py --quick   # smoke check: 5 + 5 starts, 10,000 lines

What is measured, and why:

1. One position, ``--json``. A CLI like this one is mostly start-up: the interpreter, the
   imports and the argument parsing cost far more than the arithmetic. So the call is compared
   with a *floor*: a minimal Typer program, written by this script to a temp file, that imports
   typer, rich and pydantic and prints one line. That is what any Typer CLI pays to start, so
   the ratio of the two medians says how much liqcalc adds on top (target: at most 1.1x).
   Both are started the same way (a subprocess of ``sys.executable``'s environment), each is
   warmed up once (the preset cache gets populated, ``.pyc`` files get written), then the runs
   alternate so that both share the machine's noise.
2. ``--input`` throughput: 100,000 varied positions as JSON lines (fixed seed), evaluated by one
   process writing to /dev/null; a 1,000-line run shows how much of it is start-up.
3. A plain-text summary to paste into a README.

Only the standard library is used; nothing outside a temporary directory is written (the preset
cache and the bytecode of the runs live there too, so the first call is a true cold start).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The single call being measured (its output goes to /dev/null in the timed runs).
POSITION_ARGS = [
    "position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long",
    "--entry", "60000", "--size", "1", "--leverage", "20", "--json",
]
TARGET_RATIO = 1.1
SEED = 20240601  # fixed: the same input file on every run and every machine

# The floor: the least a Typer CLI with these dependencies does. `import pydantic` is lazy at
# the top level, but Typer itself builds pydantic adapters for the command's parameters, so a
# command with one option (as liqcalc's have many) pays that part of pydantic too.
FLOOR_PROGRAM = '''\
import pydantic
import rich
import typer

app = typer.Typer(add_completion=False)


@app.command()
def main(name: str = "world") -> None:
    print(f"hello {name}")


if __name__ == "__main__":
    app()
'''
FLOOR_ARGS = ["--name", "floor"]

# Symbols of the binance preset used for the batch: a typical entry price, the price tick and
# the size step. Notionals of 1,000..200,000 at leverage 2..20 stay within the first tiers of
# each (BTC and ETH: tier 1 up to 300,000 at 150x; SOL: tiers 1-2, 100x / 75x).
SYMBOLS = {
    "BTCUSDT": (60_000.0, 1, 3),  # (price, decimals of the price, decimals of the size)
    "ETHUSDT": (3_000.0, 2, 3),
    "SOLUSDT": (150.0, 3, 2),
}


# --------------------------------------------------------------------------------------------
# Helpers


def find_liqcalc() -> Path:
    """The ``liqcalc`` script of the current environment (the one next to ``sys.executable``)."""
    bindir = Path(sys.executable).parent
    found = shutil.which("liqcalc", path=str(bindir))
    if found is None:
        sys.exit(f"bench: no liqcalc script in {bindir}; install the project there (pip install -e .)")
    return Path(found)


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def run(cmd: list[str], env: dict[str, str]) -> float:
    """Run ``cmd`` with stdout to /dev/null and return its wall time in seconds; fail loudly on an error."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --------------------------------------------------------------------------------------------
# 1. One call against the Typer floor


def bench_startup(liqcalc: Path, workdir: Path, env: dict[str, str], runs: int) -> dict[str, float]:
    floor_script = workdir / "typer_floor.py"
    floor_script.write_text(FLOOR_PROGRAM, encoding="utf-8")
    commands = {
        "liqcalc": [str(liqcalc), *POSITION_ARGS],
        "floor": [sys.executable, str(floor_script), *FLOOR_ARGS],
    }

    # Warm-up, once each: the first liqcalc call validates the TOML preset and writes the cache
    # (into the empty temp cache dir), and compiles its imports to bytecode (typer, rich and
    # pydantic included, so the floor's warm-up finds them compiled). Shown, not counted.
    # The JSON is checked here once so that the timed runs measure a call that works.
    start = time.perf_counter()
    out = subprocess.run(commands["liqcalc"], env=env, capture_output=True, text=True)
    cold = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"bench: liqcalc failed ({out.returncode}):\n{out.stderr}")
    liquidation = json.loads(out.stdout)["liquidation_price"]
    floor_cold = run(commands["floor"], env)
    print(f"  warm-up: liqcalc {ms(cold)} (cold: empty preset cache, no bytecode yet; liquidation price "
          f"{liquidation}), floor {ms(floor_cold)}")

    # Interleaved runs: each round runs both, swapping which goes first, so drift in the
    # machine's load (CPU frequency, other processes) hits both sides alike.
    times: dict[str, list[float]] = {"liqcalc": [], "floor": []}
    for round_number in range(runs):
        order = ("liqcalc", "floor") if round_number % 2 == 0 else ("floor", "liqcalc")
        for name in order:
            times[name].append(run(commands[name], env))

    for name, label in (("liqcalc", "liqcalc position ... --json"), ("floor", "Typer floor (typer+rich+pydantic)")):
        values = times[name]
        print(f"  {label:<36} median {ms(statistics.median(values)):>9}   min {ms(min(values)):>9}   "
              f"max {ms(max(values)):>9}   ({len(values)} runs)")
    ratio = statistics.median(times["liqcalc"]) / statistics.median(times["floor"])
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"  ratio of medians: {ratio:.3f}  ({verdict} the {TARGET_RATIO}x target)")
    return {
        "liqcalc_median": statistics.median(times["liqcalc"]),
        "liqcalc_min": min(times["liqcalc"]),
        "floor_median": statistics.median(times["floor"]),
        "floor_min": min(times["floor"]),
        "ratio": ratio,
        "cold": cold,
    }


# --------------------------------------------------------------------------------------------
# 2. --input throughput


def position_line(rng: random.Random) -> dict[str, object]:
    """One varied, valid position (the preset comes from --preset on the command line)."""
    symbol = rng.choice(list(SYMBOLS))
    base_price, price_decimals, size_decimals = SYMBOLS[symbol]
    side = rng.choice(("long", "short"))
    entry = round(base_price * rng.uniform(0.8, 1.2), price_decimals)
    notional = 10 ** rng.uniform(3, 5.301)  # 1,000 .. 200,000, log-uniform
    size = max(round(notional / entry, size_decimals), 10 ** -size_decimals)
    leverage = rng.randint(2, 20)
    line: dict[str, object] = {"symbol": symbol, "side": side, "entry": entry, "size": size}
    # The mark near the entry: within 1%, well inside the liquidation distance at 20x.
    line["mark"] = round(entry * rng.uniform(0.99, 1.01), price_decimals)
    # Most lines give the leverage; some give the isolated margin instead.
    if rng.random() < 0.15:
        line["margin"] = round(size * entry / leverage, 2)
    else:
        line["leverage"] = leverage
    # Some lines ask for the waterfall at a given fill, from the liquidation price to a bit
    # beyond the bankruptcy price, with a capped insurance fund.
    if rng.random() < 0.10:
        sign = 1 if side == "long" else -1
        line["fill"] = round(entry * (1 - sign * rng.uniform(0.9, 1.05) / leverage), price_decimals)
        line["insurance_fund"] = rng.randint(0, 5_000)
    return line


def write_lines(path: Path, count: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8") as stream:
        for _ in range(count):
            stream.write(json.dumps(position_line(rng), separators=(",", ":")) + "\n")


def bench_batch(liqcalc: Path, workdir: Path, env: dict[str, str], lines: int) -> dict[str, float]:
    big, small = workdir / f"positions-{lines}.jsonl", workdir / "positions-1000.jsonl"
    write_lines(big, lines)
    write_lines(small, 1_000)  # the same seed: the first 1,000 lines of the big file
    print(f"  input: {lines:,} lines, {big.stat().st_size / 1e6:.1f} MB (seed {SEED})")
    base = [str(liqcalc), "position", "--preset", "binance", "--input"]

    # The timed runs write to /dev/null, so only liqcalc's own work is measured.
    small_time = run([*base, str(small)], env)
    big_time = run([*base, str(big)], env)
    rate = lines / big_time
    # Excluding start-up: the extra lines over the extra time of the big run.
    steady = (lines - 1_000) / (big_time - small_time) if big_time > small_time else float("nan")
    print(f"  1,000 lines: {small_time:.2f} s ({1_000 / small_time:,.0f} positions/s, mostly start-up)")
    print(f"  {lines:,} lines: {big_time:.2f} s -> {rate:,.0f} positions/s "
          f"({steady:,.0f}/s without start-up)")

    # The check needs the output, so it is a second, untimed run writing to a file; its exit
    # code is non-zero when a line fails, which is reported below rather than aborting.
    output = workdir / "results.jsonl"
    with output.open("wb") as stream:
        proc = subprocess.run([*base, str(big)], env=env, stdout=stream, stderr=subprocess.PIPE)
    with output.open(encoding="utf-8") as stream:
        results = stream.readlines()
    errors = [line for line in results if '"error"' in line]
    status = "ok" if len(results) == lines and not errors and proc.returncode == 0 else "PROBLEM"
    print(f"  check: {len(results):,} output lines (expected {lines:,}), {len(errors)} error lines, "
          f"exit code {proc.returncode} -> {status}")
    for line in errors[:5]:
        print(f"    {line.rstrip()}")
    if proc.stderr:
        print(f"    stderr: {proc.stderr.decode(errors='replace').strip()}")
    return {"lines": lines, "time": big_time, "rate": rate, "steady": steady, "small_time": small_time,
            "errors": len(errors), "output_lines": len(results)}


# --------------------------------------------------------------------------------------------
# 3. Summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and 10,000 lines, for a smoke check")
    args = parser.parse_args()
    runs, lines = (5, 10_000) if args.quick else (30, 100_000)

    liqcalc = find_liqcalc()
    versions = {name: package_version(name) for name in ("liqcalc", "typer", "pydantic", "rich")}
    machine = f"{os.cpu_count()} CPUs, {platform.platform()}"
    print(f"liqcalc benchmark ({'quick' if args.quick else 'full'}) - {liqcalc}")
    print(f"  Python {platform.python_version()} ({sys.executable})")
    print("  " + ", ".join(f"{name} {value}" for name, value in versions.items()))
    print(f"  machine: {machine}")

    with tempfile.TemporaryDirectory(prefix="liqcalc-bench-") as tmp:
        workdir = Path(tmp)
        # A fresh preset cache for the runs: the warm-up fills it, the timed runs read it.
        # Bytecode likewise: PYTHONPYCACHEPREFIX sends every .pyc (liqcalc's, the libraries',
        # the floor's imports) to the temp dir, so the warm-up compiles them and the timed runs
        # load them, as on an installed copy, without writing into the project or site-packages,
        # and whatever PYTHONDONTWRITEBYTECODE or a stale __pycache__ says.
        env = {
            **os.environ,
            "LIQCALC_CACHE_DIR": str(workdir / "cache"),
            "PYTHONPYCACHEPREFIX": str(workdir / "pycache"),
        }
        for variable in ("LIQCALC_NO_CACHE", "PYTHONDONTWRITEBYTECODE"):
            env.pop(variable, None)

        print(f"\n1. One position vs the Typer floor ({runs} interleaved runs each)")
        start = bench_startup(liqcalc, workdir, env, runs)
        print(f"\n2. --input throughput ({lines:,} lines)")
        batch = bench_batch(liqcalc, workdir, env, lines)

    summary = [
        f"liqcalc {versions['liqcalc']} - benchmarks/bench_position.py{' --quick' if args.quick else ''}, "
        f"{datetime.date.today().isoformat()}",
        f"  one position (--json):  median {ms(start['liqcalc_median'])} (min {ms(start['liqcalc_min'])})",
        f"  Typer floor:            median {ms(start['floor_median'])} (min {ms(start['floor_min'])})",
        f"  ratio:                  {start['ratio']:.3f} (target <= {TARGET_RATIO})",
        f"  --input throughput:     {batch['rate']:,.0f} positions/s "
        f"({batch['lines']:,} lines in {batch['time']:.2f} s, {batch['errors']} errors)",
        f"  machine:                {machine}",
        f"  Python {platform.python_version()}, typer {versions['typer']}, pydantic {versions['pydantic']}, "
        f"rich {versions['rich']}",
    ]
    print("\n--- summary " + "-" * 60)
    print("\n".join(summary))
    print("-" * 72)


if __name__ == "__main__":
    main()
