"""The queue policy in floats: a row the handed quantity does not reach is not closed by the
residue of a running sum ((0.5 + 0.2) - 0.2 is 0.49999999999999994), and gets no ADL price."""

from __future__ import annotations

import numpy as np

import liqcalc
from liqcalc.core.book import queue_taken

BOOK = [
    {"id": "a", "side": "long", "size": "0.5", "entry": "50000", "leverage": "10"},
    {"id": "b", "side": "long", "size": "0.2", "entry": "55000", "leverage": "10"},
    {"id": "c", "side": "long", "size": "1", "entry": "58000", "leverage": "5"},
    {"id": "d", "side": "short", "size": "0.5", "entry": "60000", "leverage": "20"},
]


def test_queue_taken_closes_whole_positions_then_nothing() -> None:
    ahead, taken = queue_taken(0.5, np.array([0.5, 0.2, 1.0]))
    assert taken.tolist() == [0.5, 0.0, 0.0]
    assert ahead.tolist() == [0.0, 0.5, 0.7]
    _, taken = queue_taken(0.3 + 0.4, np.array([0.3, 0.4, 1.0]))  # 0.7000000000000001 in floats
    assert taken.tolist() == [0.3, 0.4, 0.0]
    _, taken = queue_taken(0.6, np.array([0.5, 0.2, 1.0]))  # the last one reached partly
    assert taken[0] == 0.5 and abs(taken[1] - 0.1) < 1e-15 and taken[2] == 0.0


def test_a_shock_closes_only_the_positions_the_deficit_reaches() -> None:
    report = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", mark="60000", book=BOOK, shock="8",
                              insurance_fund="0", no_stale_warning=True).to_dict()
    assert report["policies"]["queue"]["positions_closed"] == 1
    rows = {row["id"]: row for row in report["queue"]}
    assert rows["a"]["adl_size"] == 0.5
    assert rows["b"]["adl_size"] == 0 and rows["b"]["adl_price"] is None


def test_an_event_closes_only_the_positions_its_size_reaches() -> None:
    book = [*BOOK[:3], {"id": "d", "side": "short", "size": "1", "entry": "60000", "leverage": "10"}]
    report = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", mark="62000", book=book, liquidated_side="short",
                              liquidated_size="0.5", bankruptcy_price="61500", no_stale_warning=True).to_dict()
    assert report["policies"]["queue"]["positions_closed"] == 1
    rows = {row["id"]: row for row in report["queue"]}
    assert rows["b"]["adl_size"] == 0 and rows["b"]["adl_price"] is None


def test_a_sweep_does_not_reach_you_by_a_residue() -> None:
    # you are second in the queue, behind a position of 0.5 and beside one of 0.2: a deficit of
    # exactly 0.5 closes the first alone, whatever the float sums leave
    book = [{"id": "a", "side": "long", "size": "0.5", "entry": "50000", "leverage": "10"},
            {"id": "b", "side": "long", "size": "0.2", "entry": "55000", "leverage": "10"},
            {"id": "d", "side": "short", "size": "0.5", "entry": "60000", "leverage": "20"}]
    report = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", side="long", entry="55500", size="1",
                              leverage="10", mark="60000", book=book, shock=["7", "8"], insurance_fund="0",
                              no_stale_warning=True).to_dict()
    for row in report["sweep"]:
        assert row["you_adl_size"] == 0 or row["you_adl_size"] > 1e-9, row
        assert (row["you_adl_price"] is None) == (row["you_adl_size"] == 0), row
