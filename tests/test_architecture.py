"""The replay plan in docs/architecture.md ("Beyond one machine") names a unit of work as code:
that block runs, on a Parquet book, and gives the sweep ``adl-risk`` gives."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import liqcalc
from liqcalc.app.session import Session

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
SHOCKS = ["-20", "-15", "-10", "-5", "-1", "1", "5", "10", "20"]


def unit_of_work() -> Any:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Beyond one machine"):]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "the replay section shows its unit of work as a python block"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)
    return namespace["sweep_snapshot"]


def test_the_documented_unit_of_work_gives_adl_risks_sweep_on_a_parquet_book(tmp_path: Path) -> None:
    pyarrow_csv = pytest.importorskip("pyarrow.csv")
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    from importlib.resources import files

    sample = files("liqcalc") / "samples" / "btcusdt.csv"
    book = tmp_path / "snapshot.parquet"
    with sample.open("rb") as stream:
        pyarrow_parquet.write_table(pyarrow_csv.read_csv(stream), book)
    calc = Session(stale_warning=False).calculator("binance", "BTCUSDT")
    got = unit_of_work()(str(book), calc.venue, calc.symbol, "60000", [float(s) for s in SHOCKS], 5000.0)
    want = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", book=book, mark="60000", shock=SHOCKS,
                            insurance_fund="5000", no_stale_warning=True).to_dict()["sweep"]
    assert [Decimal(s) for s in SHOCKS] == [row["shock"] for row in want]
    assert any(row["deleveraged_size"] > 0 for row in want), "the sample must reach ADL somewhere"
    for n, row in enumerate(want):
        assert got["liquidated"][n] == row["liquidated_count"]
        for key in ("liquidated_notional", "fund_paid", "deleveraged_size", "adl_covered", "unabsorbed"):
            assert float(got[key][n]) == pytest.approx(float(row[key]), rel=1e-9, abs=1e-8), (SHOCKS[n], key)
