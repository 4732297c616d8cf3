"""Seeded synthetic books for the ADL tests and for reproducing issue reports.

``python tests/synth_books.py solusdt OUT.csv`` writes the SOLUSDT book of issue 7 §1: 4,000
positions, 87% longs, around a mark of 200 USDT, leverage 5-25 (tiers 1-3 of Binance's SOLUSDT
table), a tenth of them cross-margined. ``python tests/synth_books.py btcusdt OUT.csv`` writes
a BTCUSDT book of 3,000 positions around a mark of 60,000 USDT, sizes up to 50 BTC at 1-50x
(the book of the adl-risk width findings: its sums run to billions). The numbers are made up;
only their shape matters.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

SOL_MARK = 200
SOL_SEED = 7
BTC_MARK = 60000
BTC_SEED = 11


def solusdt_rows(count: int = 4000, seed: int = SOL_SEED, long_share: float = 0.87) -> list[list[str]]:
    """Rows (header first) of a SOLUSDT book with ``long_share`` of its positions long."""
    rng = random.Random(seed)
    rows = [["id", "side", "size", "entry", "leverage", "wallet"]]
    for n in range(count):
        side = "long" if rng.random() < long_share else "short"
        size = round(rng.uniform(1, 150), 2)
        entry = round(SOL_MARK * rng.uniform(0.9, 1.1), 2)
        leverage = rng.randint(5, 25)
        if n % 10 == 0:
            rows.append([f"p{n}", side, str(size), str(entry), "", f"{size * entry / leverage:.2f}"])
        else:
            rows.append([f"p{n}", side, str(size), str(entry), str(leverage), ""])
    return rows


def btcusdt_rows(count: int = 3000, seed: int = BTC_SEED, max_size: float = 50, max_leverage: int = 50,
                 long_share: float = 0.5) -> list[list[str]]:
    """Rows (header first) of a BTCUSDT book: ``long_share`` long, sizes 0.001 to ``max_size``
    BTC, entries within 10% of 60,000, leverage 1 to ``max_leverage`` (50x: within Binance's
    BTCUSDT tiers for 50 BTC; Hyperliquid's BTC allows 40x, OKX's known tier 10 BTC), a tenth cross."""
    rng = random.Random(seed)
    rows = [["id", "side", "size", "entry", "leverage", "wallet"]]
    for n in range(count):
        side = "long" if rng.random() < long_share else "short"
        size = round(rng.uniform(0.001, max_size), 3)
        entry = round(BTC_MARK * rng.uniform(0.9, 1.1), 1)
        leverage = rng.randint(1, max_leverage)
        if n % 10 == 0:
            rows.append([f"b{n}", side, str(size), str(entry), "", f"{size * entry / leverage:.2f}"])
        else:
            rows.append([f"b{n}", side, str(size), str(entry), str(leverage), ""])
    return rows


BOOKS = {"solusdt": solusdt_rows, "btcusdt": btcusdt_rows}


def write(rows: list[list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in BOOKS:
        sys.exit("usage: python tests/synth_books.py solusdt|btcusdt OUT.csv")
    write(BOOKS[sys.argv[1]](), Path(sys.argv[2]))
