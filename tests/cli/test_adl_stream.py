"""``adl-risk --json`` streams the queue: the text written part by part is the unstreamed
object's, and the vectorized queue's rows are written from the arrays, never all made."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from synth_books import btcusdt_rows
from typer.testing import CliRunner

import liqcalc
from liqcalc.app.adl import AdlReport, Rows
from liqcalc.cli import app
from liqcalc.render.numbers import dumps


def write(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A BTCUSDT book of 3,000 positions (sizes to 10 BTC at 1-20x, within every preset's
    tiers: prices, profits and scores of many magnitudes, no bankruptcy price for the 1x longs)."""
    return write(tmp_path_factory.mktemp("stream") / "book.csv", btcusdt_rows(3000, max_size=10, max_leverage=20))


YOU = {"side": "short", "entry": 61000, "size": 1, "leverage": 20, "mark": 60000}
CASES: dict[str, dict[str, Any]] = {
    "binance sweep": {"preset": "binance", "symbol": "BTCUSDT", **YOU, "shock": "-1:-12:-1", "insurance_fund": 50000},
    "bybit one shock, pro-rata": {"preset": "bybit", "symbol": "BTCUSDT", **YOU, "shock": -9, "insurance_fund": 0,
                                  "policy": "pro-rata"},
    "hyperliquid at the mark": {"preset": "hyperliquid", "symbol": "BTC", "shock": 8, "insurance_fund": 1000,
                                "mark": 60000},
    "dydx random start": {"preset": "dydx", "symbol": "BTC-USD", "shock": -10, "insurance_fund": 0, "mark": 60000},
    "an event (Decimal rows)": {"preset": "binance", "symbol": "BTCUSDT", **YOU, "liquidated_size": 40,
                                "bankruptcy_price": 61500},
}


@pytest.mark.parametrize("case", CASES)
def test_streamed_json_is_the_unstreamed_json(case: str, book: str) -> None:
    report = liqcalc.adl_risk(book=book, no_stale_warning=True, **CASES[case])
    assert len(report.queue) > 1000
    whole = dumps(report.to_dict()) + "\n"
    streamed = "".join(report.json_parts(rows=700))  # parts smaller than the queue
    assert streamed == whole
    assert json.loads(streamed) == json.loads(whole)


def test_streamed_json_of_an_inverse_contract_is_the_unstreamed_json(tmp_path: Path) -> None:
    rows = [["id", "side", "size", "entry", "leverage"]]
    rows += [[f"c{n}", "long" if n % 2 else "short", str(100 + 37 * n), str(60000 + 13 * n), str(2 + n % 20)]
             for n in range(1500)]
    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", side="long", entry=60000, size=1000, leverage=10,
                              mark=60000, book=write(tmp_path / "inverse.csv", rows), shock="-2:-10:-2",
                              insurance_fund=0, no_stale_warning=True)
    assert "".join(report.json_parts(rows=400)) == dumps(report.to_dict()) + "\n"


def test_the_command_streams_what_the_api_returns(book: str) -> None:
    args = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry", "61000", "--size", "1",
            "--leverage", "20", "--mark", "60000", "--book", book, "--shock", "-10", "--insurance-fund", "0",
            "--no-stale-warning", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", book=book, shock=-10, insurance_fund=0,
                              no_stale_warning=True, **YOU)
    assert json.loads(result.stdout) == json.loads(dumps(report.to_dict()))
    assert result.stdout == dumps(report.to_dict()) + "\n"


def test_a_streamed_vectorized_queue_makes_no_row_objects(book: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows of a big queue are written from the arrays: no QueueRow is made for them (a
    million of them would be held at once)."""
    report = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", book=book, shock=-10, insurance_fund=0,
                              no_stale_warning=True, **YOU)
    made = 0
    original = report.queue.make

    def counting(n: int) -> Any:
        nonlocal made
        made += 1
        return original(n)

    monkeypatch.setattr(report.queue, "make", counting)
    for _ in report.json_parts(rows=500):
        pass
    assert made == 0


def test_top_is_written_whole(book: str) -> None:
    report: AdlReport = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", book=book, shock=-10, insurance_fund=0,
                                         top=5, no_stale_warning=True, **YOU)
    assert list(report.json_parts()) == [dumps(report.to_dict()) + "\n"]
    assert isinstance(report.queue, Rows)


def test_queue_numbers_are_written_as_the_row_objects_write_them() -> None:
    """The arrays' fast text (``'%.12g'`` where it is already the answer) against the Decimal
    path of a row (:func:`_d`, :func:`r8`, ``json_number``) on the awkward values."""
    import numpy as np

    from liqcalc.app.adl import _d, _dz, _json_texts, clean

    rng = np.random.default_rng(5)
    values = np.concatenate((
        np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-4, 9.99999e-5, 1e-9, -1e-9, 5e-9, 1.5e-8, 2.5e-8,
                  999.99999999, 999.999999995, 1000.0, 0.123456789012, 0.1234567895, 12.3456789012, 1e11, 1e12,
                  999999999999.5, 123456789012345.0, -60000.00000001, 60000.000000005, 1 / 3, 2 / 3, 100 / 7]),
        rng.lognormal(0, 8, 2000) * rng.choice([-1, 1], 2000),
        np.round(rng.uniform(0, 100, 500), 9),
    ))
    for places, key in ((8, "size"), (10, "score")):
        expected = [dumps(clean({key: _d(v)})[key]) for v in values.tolist()]
        assert _json_texts(values, places=places) == expected
    assert _json_texts(values, absent="0") == [dumps(clean({"size": _dz(v)})["size"]) for v in values.tolist()]


def test_queue_numbers_below_the_twelfth_digit_are_written_as_the_decimal_path() -> None:
    """Numbers whose 12 digits run past the places (a percentile, a score) are rounded from the
    float itself, and midpoints (the 12 digits end in a 5 right after the places) go the Decimal
    way: the same text as the row objects on percentiles of queues of every length, on
    midpoints and near-midpoints at 8 and 10 places, and on tiny and negative values."""
    import numpy as np

    from liqcalc.app.adl import _d, _json_texts, clean

    rng = np.random.default_rng(9)
    percentiles = np.concatenate([(n - np.arange(n)) / n * 100.0 for n in (3, 7, 64, 999, 4096, 30001)])
    ties = np.array([0.123456785, 0.123456775, 12.345678905, 12.345678915, 999.999999995, 0.00000000125,
                     0.12345678905, 0.12345678915, 1.2345678905, 9.9999999995, 0.000012345678905])
    near = np.concatenate([ties * (1 + k * 2.0**-52) for k in range(-3, 4)])
    values = np.concatenate((percentiles, near, -near, rng.uniform(0, 1000, 3000), rng.lognormal(-12, 4, 2000),
                             np.round(rng.uniform(0, 1000, 1000), 9), np.round(rng.uniform(0, 10, 1000), 11)))
    for places, key in ((8, "size"), (10, "score")):
        expected = [dumps(clean({key: _d(v)})[key]) for v in values.tolist()]
        assert _json_texts(values, places=places) == expected
