"""Benchmark ``liqcalc position --input``: positions per second, full and compact, beside floors.

Run from the project's environment (``liqcalc`` must be installed next to ``sys.executable``)::

    python benchmarks/bench_batch.py           # 100,000 lines, 3 rounds
    python benchmarks/bench_batch.py --quick   # 20,000 lines, 1 round

What is measured (every program is a subprocess of ``sys.executable``'s environment, its stdout
to /dev/null, so start-up counts for all of them alike; the rounds alternate the programs so
that they share the machine's noise, and the best time of each is kept):

1. ``liqcalc position --input FILE`` (the full per-line object, about 2.3 KB a line), and
   ``liqcalc position --input FILE --fields <COMPACT>`` (15 keys); each as it runs by default
   (past its first chunk of lines, one forked worker process per core) and in one process
   (``LIQCALC_BATCH_WORKERS=1``), since the floors are single processes.
2. The floors, written by this script to the temp dir: the least a plain program does to produce
   the same keys from the same lines.

   - *Decimal loop*: reads each line with ``json.loads(parse_float=Decimal)``, takes the tier
     of the entry notional from the symbol's table (a linear scan), solves the one-tier linear
     equations of Binance's formula (equity = maintenance margin; equity = 0) in Decimal, and
     writes an object with the same keys as liqcalc's (for the full output the same nested
     shape: preset, inputs, three tier objects, distances, two waterfalls with their flows),
     Decimal numbers written as JSON numbers of at most 10 decimals. It does not check any
     input, apply any venue's other rules, name any error or read the tier at the liquidation
     notional: it is a floor, not a rival.
   - *float loop*: the same program in floats (``json.loads`` as is, ``repr`` of the floats,
     ``json.dumps``).

   Both come in a full and a compact variant (the same 15 keys as ``--fields``).
3. Targets (issue 12): full output at least as fast as the Decimal loop writing the full keys
   (ratio liqcalc/floor >= 1); compact output at least 50,000 positions/s and within 2x of the
   float loop with the compact keys (ratio floor/liqcalc <= 2).

The input: N varied positions (fixed seed) over several built-in presets (Binance USD-M and
COIN-M, Bybit, OKX, Hyperliquid), long and short, leverage or margin, a mark near the entry,
some with a fill and an insurance fund. Only the standard library is used (numpy is liqcalc's).
Nothing outside a temporary directory is written.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20261129
COMPACT = ("line,symbol,side,entry,size,mark,notional,leverage,initial_margin,margin_balance,"
           "maintenance_margin,margin_asset,liquidation_price,bankruptcy_price,contract_type")
FULL_TARGET = 1.0
COMPACT_RATE = 50_000
COMPACT_RATIO = 2.0

# (preset, symbol): a typical entry price, decimals of the price, decimals of the size (contracts
# for an inverse symbol, counted whole), leverage range.
SYMBOLS = {
    ("binance", "BTCUSDT"): (60_000.0, 1, 3, 20),
    ("binance", "ETHUSDT"): (3_000.0, 2, 3, 20),
    ("binance", "SOLUSDT"): (150.0, 3, 2, 20),
    ("bybit", "BTCUSDT"): (60_000.0, 1, 3, 20),
    ("okx", "BTC-USDT-SWAP"): (60_000.0, 1, 2, 20),
    ("hyperliquid", "BTC"): (60_000.0, 0, 4, 20),
    ("binance-coinm", "BTCUSD_PERP"): (60_000.0, 1, 0, 20),
}


def position_line(rng: random.Random) -> dict[str, object]:
    """One varied, valid position."""
    (preset, symbol), (base_price, price_decimals, size_decimals, max_leverage) = rng.choice(list(SYMBOLS.items()))
    side = rng.choice(("long", "short"))
    entry = round(base_price * rng.uniform(0.8, 1.2), price_decimals)
    notional = 10 ** rng.uniform(3, 5.301)  # 1,000 .. 200,000, log-uniform
    inverse = preset == "binance-coinm"
    if inverse:  # contracts of 100 USD
        size: float = max(round(notional / 100), 1)
    else:
        size = max(round(notional / entry, size_decimals), 10 ** -size_decimals)
    leverage = rng.randint(2, max_leverage)
    line: dict[str, object] = {"preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size}
    line["mark"] = round(entry * rng.uniform(0.99, 1.01), price_decimals)
    if rng.random() < 0.15 and not inverse:
        line["margin"] = round(size * entry / leverage, 2)
    else:
        line["leverage"] = leverage
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


# The floors: one program, four variants (decimal|float, full|compact).
FLOOR_PROGRAM = r'''
import json, sys
from decimal import Decimal

kind, shape, tiers_file, path = sys.argv[1:5]
TIERS = {tuple(k.split("|")): v for k, v in json.load(open(tiers_file)).items()}
if kind == "decimal":
    num, parse = Decimal, (lambda text: json.loads(text, parse_float=Decimal))
    def out(v):
        if isinstance(v, Decimal):
            t = format(v, ".10f").rstrip("0").rstrip(".")
            return "0" if t in ("", "-0") else t
        if isinstance(v, dict):
            return "{" + ", ".join(json.dumps(k) + ": " + out(x) for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(out(x) for x in v) + "]"
        return json.dumps(v)
    def table(rows):
        return [{k: (Decimal(str(x)) if isinstance(x, float) else x) for k, x in r.items()} for r in rows]
    TIERS = {k: table(v) for k, v in TIERS.items()}
else:
    num, parse, out = float, json.loads, json.dumps
ZERO, ONE, FEE = num(0), num(1), num("0.0125")
PRESET = {"name": "binance", "title": "Binance", "as_of": "2026-09-01", "path": None, "origin": "built-in", "illustrative": False}
write = sys.stdout.write
for number, text in enumerate(open(path, encoding="utf-8"), 1):
    v = parse(text)
    s = ONE if v["side"] == "long" else -ONE
    q, e = num(v["size"]), num(v["entry"])
    mark = num(v.get("mark", e))
    n = q * e
    tiers = TIERS[(v["preset"], v["symbol"])]
    tier = next((t for t in tiers if t["cap"] is None or n <= t["cap"]), tiers[-1])
    lev = num(v["leverage"]) if "leverage" in v else n / num(v["margin"])
    im = n / lev
    a = num(v["margin"]) if "margin" in v else im
    rate, amount = tier["mmr"], tier["maint_amount"]
    lp = (amount - a + s * q * e) / (s * q - q * rate)
    bp = (s * q * e - a) / (s * q)
    mm = q * mark * rate - amount
    if shape == "compact":
        obj = {"line": number, "symbol": v["symbol"], "side": v["side"], "entry": e, "size": q, "mark": mark,
               "notional": n, "leverage": lev, "initial_margin": im, "margin_balance": a, "maintenance_margin": mm,
               "margin_asset": "USDT", "liquidation_price": lp, "bankruptcy_price": bp, "contract_type": "linear"}
    else:
        upnl = s * q * (mark - e)
        def waterfall(label, price):
            equity = a + s * q * (price - e)
            return {"label": label, "fill_price": price, "equity": equity, "surplus": max(equity, ZERO),
                    "shortfall": max(-equity, ZERO),
                    "flows": [{"from": "margin", "to": "insurance_fund", "amount": equity}] if equity > 0 else [],
                    "backstop": False, "adl_price": None, "adl_covered": ZERO, "unabsorbed": ZERO, "unabsorbed_by": "venue"}
        tier_obj = {**tier, "overridden": False}
        obj = {"schema_version": 1, "line": number, "command": "position", "preset": PRESET,
               "inputs": {"preset": v["preset"], "symbol": v["symbol"], "side": v["side"], "entry": e, "size": q,
                          "notional": n, "mark": mark, "leverage": lev, "margin": None, "add_margin": ZERO,
                          "funding": ZERO, "mmr": None, "maint_amount": None, "mode": "isolated", "wallet": None,
                          "fill": None, "insurance_fund": None, "can_pay": {}, "liquidation_fee": None},
               "warnings": [], "contract_type": "linear", "face_value": None, "margin_asset": "USDT",
               "symbol": v["symbol"], "side": v["side"], "size": q, "entry": e, "mark": mark, "notional": n,
               "leverage": lev, "initial_margin": im, "margin_balance": a, "maintenance_margin": mm,
               "maintenance_margin_at_liquidation": q * lp * rate - amount, "unrealized_pnl": upnl,
               "equity": a + upnl, "margin_ratio": mm / (a + upnl), "tier": tier_obj, "tier_at_entry": tier_obj,
               "tier_at_mark": tier_obj, "liquidation_price": lp, "bankruptcy_price": bp,
               "liquidation_distance": {"price": lp - mark, "percent": (lp - mark) / mark * 100},
               "bankruptcy_distance": {"price": bp - mark, "percent": (bp - mark) / mark * 100},
               "liquidation_fee_rate": FEE, "liquidation_fee": FEE * q * lp, "liquidation_fee_paid": FEE * q * lp,
               "open_fee": n * FEE, "waterfall": waterfall("liquidation", lp),
               "waterfalls": [waterfall("liquidation", lp), waterfall("bankruptcy", bp)]}
    write(out(obj) + "\n")
'''


def find_liqcalc() -> Path:
    found = shutil.which("liqcalc", path=str(Path(sys.executable).parent))
    if found is None:
        sys.exit(f"bench: no liqcalc script next to {sys.executable}; install the project there (pip install -e .)")
    return Path(found)


def run(cmd: list[str], env: dict[str, str]) -> float:
    """Run ``cmd`` with stdout to /dev/null; its wall time in seconds (exit code 0 expected)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def tier_tables(liqcalc: Path, env: dict[str, str], path: Path) -> None:
    """Each benchmarked symbol's tier table (from ``liqcalc presets show --json``), for the floors."""
    tables = {}
    for preset, symbol in SYMBOLS:
        out = subprocess.run([str(liqcalc), "presets", "show", preset, "--symbol", symbol, "--json"], env=env,
                             capture_output=True, text=True, check=True)
        tables[f"{preset}|{symbol}"] = [{k: t[k] for k in ("number", "floor", "cap", "max_leverage", "mmr", "maint_amount")}
                                        for t in json.loads(out.stdout)["symbol"]["tiers"]]
    path.write_text(json.dumps(tables), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 lines, one round")
    parser.add_argument("--lines", type=int, default=None, help="number of lines (default 100,000; --quick 20,000)")
    args = parser.parse_args()
    lines = args.lines or (20_000 if args.quick else 100_000)
    rounds = 1 if args.quick else 3
    liqcalc = find_liqcalc()
    machine = f"{os.cpu_count()} CPUs, {platform.platform()}"
    print(f"liqcalc batch benchmark ({'quick' if args.quick else 'full'}) - {liqcalc}")
    print(f"  Python {platform.python_version()}; machine: {machine}")

    with tempfile.TemporaryDirectory(prefix="liqcalc-bench-batch-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "LIQCALC_CACHE_DIR": str(work / "cache"), "PYTHONPYCACHEPREFIX": str(work / "pycache")}
        for variable in ("LIQCALC_NO_CACHE", "PYTHONDONTWRITEBYTECODE"):
            env.pop(variable, None)
        data, tiers, floor = work / "positions.jsonl", work / "tiers.json", work / "floor.py"
        write_lines(data, lines)
        tier_tables(liqcalc, env, tiers)
        floor.write_text(FLOOR_PROGRAM, encoding="utf-8")
        print(f"  input: {lines:,} lines, {data.stat().st_size / 1e6:.1f} MB (seed {SEED})")
        base = [str(liqcalc), "position", "--no-stale-warning", "--input", str(data)]
        commands = {
            "liqcalc full": base,
            "liqcalc compact": [*base, "--fields", COMPACT],
            "liqcalc full, 1 process": base,
            "liqcalc compact, 1 process": [*base, "--fields", COMPACT],
            "Decimal loop full": [sys.executable, str(floor), "decimal", "full", str(tiers), str(data)],
            "Decimal loop compact": [sys.executable, str(floor), "decimal", "compact", str(tiers), str(data)],
            "float loop full": [sys.executable, str(floor), "float", "full", str(tiers), str(data)],
            "float loop compact": [sys.executable, str(floor), "float", "compact", str(tiers), str(data)],
        }
        if "--fields" not in subprocess.run([str(liqcalc), "position", "--help"], env=env, capture_output=True,
                                            text=True).stdout:
            del commands["liqcalc compact"], commands["liqcalc compact, 1 process"]  # a liqcalc before --fields
        warm = work / "warm.jsonl"  # the first run fills the preset cache and writes the bytecode
        with data.open(encoding="utf-8") as stream:
            warm.write_text("".join(stream.readline() for _ in range(100)), encoding="utf-8")
        run([*base[:-1], str(warm)], env)
        best: dict[str, float] = {}
        for round_number in range(rounds):
            names = list(commands) if round_number % 2 == 0 else list(reversed(commands))
            for name in names:
                single = {"LIQCALC_BATCH_WORKERS": "1"} if name.endswith("1 process") else {}
                elapsed = run(commands[name], {**env, **single})
                best[name] = min(best.get(name, elapsed), elapsed)
        rate = {name: lines / seconds for name, seconds in best.items()}
        for name, value in rate.items():
            print(f"  {name:<22} {best[name]:7.2f} s  {value:>9,.0f} positions/s")

    summary = [f"liqcalc batch - benchmarks/bench_batch.py{' --quick' if args.quick else ''}, "
               f"{datetime.date.today().isoformat()}, {lines:,} lines, {machine}"]
    full = rate["liqcalc full"] / rate["Decimal loop full"]
    summary.append(f"  full output:    {rate['liqcalc full']:>9,.0f}/s; Decimal loop {rate['Decimal loop full']:,.0f}/s, "
                   f"float loop {rate['float loop full']:,.0f}/s; ratio to the Decimal loop {full:.2f} "
                   f"(target >= {FULL_TARGET}: {'met' if full >= FULL_TARGET else 'NOT met'})")
    summary.append(f"  full, 1 process: {rate['liqcalc full, 1 process']:>9,.0f}/s; ratio to the Decimal loop "
                   f"{rate['liqcalc full, 1 process'] / rate['Decimal loop full']:.2f}")
    if "liqcalc compact" in rate:
        compact = rate["float loop compact"] / rate["liqcalc compact"]
        ok = rate["liqcalc compact"] >= COMPACT_RATE and compact <= COMPACT_RATIO
        summary.append(f"  compact output: {rate['liqcalc compact']:>9,.0f}/s; Decimal loop {rate['Decimal loop compact']:,.0f}/s, "
                       f"float loop {rate['float loop compact']:,.0f}/s; float loop / liqcalc {compact:.2f} "
                       f"(targets >= {COMPACT_RATE:,}/s and <= {COMPACT_RATIO}: {'met' if ok else 'NOT met'})")
        one = rate["liqcalc compact, 1 process"]
        summary.append(f"  compact, 1 process: {one:>6,.0f}/s; float loop / liqcalc {rate['float loop compact'] / one:.2f}")
    print("\n--- summary " + "-" * 60)
    print("\n".join(summary))
    print("-" * 72)


if __name__ == "__main__":
    main()
