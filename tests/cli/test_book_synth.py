"""``liqcalc book synth`` (issue 11): a model book balanced to the lot, reproducible from its
seed, in the CSV format ``adl-risk --book`` reads; an existing file is kept without --force."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.app.synth import synth_book
from liqcalc.cli import app
from liqcalc.core.synth import lot_of, sides

runner = CliRunner()
SYNTH = ["book", "synth", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--open-interest",
         "30000000", "--long-share", "60", "--positions", "300", "--seed", "7"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), positions=st.integers(2, 400), share=st.integers(1, 99),
       oi=st.sampled_from(["5000000", "123456789.5", "40000000000"]),
       mix=st.sampled_from(["2:10,5:25,10:30,20:25,50:10", "1:100", "3:50,125:50"]))
def test_a_synthesized_book_is_balanced_to_the_lot(seed: int, positions: int, share: int, oi: str, mix: str) -> None:
    report = synth_book(preset="binance", symbol="BTCUSDT", mark=60000, open_interest=oi, long_share=share,
                        leverage_mix=mix, positions=positions, seed=seed)
    longs, shorts = sides(report.book.rows)
    assert longs == shorts == report.book.side_size  # exactly, in Decimal
    lot = lot_of(Decimal(60000))
    assert report.book.side_size == lot * round(Decimal(oi) / 60000 / lot)
    assert all(row.size > 0 and row.size % lot == 0 for row in report.book.rows)
    assert len(report.book.rows) == positions
    assert report.book.longs == min(max(round(positions * share / 100), 1), positions - 1)


def test_a_synthesized_book_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    first = runner.invoke(app, SYNTH)
    again = runner.invoke(app, SYNTH)
    other = runner.invoke(app, [*SYNTH[:-1], "8"])
    assert first.exit_code == 0, first.output
    assert first.stdout == again.stdout and first.stdout != other.stdout
    assert "wrote 300 positions of BTCUSDT (binance) to standard output: 180 longs and 120 shorts, each side 500 BTC" \
        in first.stderr


def test_the_book_is_read_by_adl_risk_without_a_balance_warning(tmp_path: Path) -> None:
    path = tmp_path / "model.csv"
    made = runner.invoke(app, [*SYNTH, "--output", str(path)])
    assert made.exit_code == 0, made.output
    assert made.stdout == "" and f"to {path}" in made.stderr
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["id", "side", "size", "entry", "leverage"]
    result = runner.invoke(app, ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry",
                                 "61000", "--size", "1", "--leverage", "10", "--mark", "60000", "--book", str(path),
                                 "--shock", "-6", "--insurance-fund", "0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["warnings"] == [] and data["inputs"]["book_rows"] == 300


def test_an_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    path = tmp_path / "model.csv"
    path.write_text("mine\n", encoding="utf-8")
    kept = runner.invoke(app, [*SYNTH, "--output", str(path)])
    assert kept.exit_code == 2
    assert f"--output: {path} exists; give --force to overwrite it" in kept.stderr
    assert path.read_text(encoding="utf-8") == "mine\n"
    forced = runner.invoke(app, [*SYNTH, "--output", str(path), "--force"])
    assert forced.exit_code == 0 and path.read_text(encoding="utf-8").startswith("id,side,size,entry,leverage\n")


def test_entries_leave_every_position_alive_at_the_mark() -> None:
    report = synth_book(preset="binance", symbol="BTCUSDT", mark=60000, open_interest=300_000_000, positions=2000,
                        entry_spread=5, seed=1)
    for row in report.book.rows:
        sign = 1 if row.side == "long" else -1
        loss = -sign * (Decimal(60000) - row.entry) / row.entry
        assert loss <= Decimal("0.5") / row.leverage + Decimal("1e-4")
    assert report.book.mirrored > 0


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--leverage-mix", "2:50,5:40"], 2, "--leverage-mix: the percents add up to 90, not 100"),
    (["--leverage-mix", "2-50"], 2, "--leverage-mix: expected LEVERAGE:PERCENT pairs"),
    (["--long-share", "100"], 2, "--long-share: a percent of the positions, above 0 and below 100"),
    (["--positions", "1"], 2, "--positions: must be from 2"),
    # well-formed aggregates that cannot make a book: a domain error
    (["--open-interest", "1000"], 1, "--open-interest: 1000 at the mark 60000 is 167 lots of 0.0001 BTC a side, fewer "
                                     "than the 180 positions of a side"),
])
def test_bad_aggregates_are_one_line(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, [*SYNTH, *args])
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr
