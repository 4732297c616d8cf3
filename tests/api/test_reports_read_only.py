"""Reports are read-only all the way down: a frozen dataclass whose lists are tuples and whose
mappings refuse changes, so a caller cannot change a report another part of a script holds;
``to_dict()`` is still the ``--json`` object, in plain dicts and lists the caller may change."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import liqcalc
from liqcalc.app.reports import FrozenDict, thawed
from liqcalc.render.numbers import dumps

ACCOUNT = Path(__file__).parent.parent / "assets" / "accounts" / "binance-cross.json"


def position() -> Any:
    return liqcalc.position(preset="clearinghouse", symbol="BTC", side="long", entry=60000, size=1, leverage=[2, 4],
                            fill=40000, can_pay={"trader": 1000})


def compare() -> Any:
    return liqcalc.compare(symbol="BTC", side="long", entry=60000, size=1, leverage=2, fill=20000, insurance_fund=5,
                           presets=["binance", "clearinghouse"])


def refused(change: Any) -> None:
    with pytest.raises((TypeError, AttributeError)):
        change()


def test_position_report_cannot_be_changed() -> None:
    report = position()
    before = dumps(report.to_dict())
    refused(lambda: report.results.append(report.results[0]))
    refused(lambda: report.warnings.append("x"))
    refused(lambda: report.inputs.__setitem__("entry", Decimal(1)))
    refused(lambda: report.inputs.pop("entry"))
    refused(lambda: report.inputs.update(entry=1))
    refused(lambda: report.inputs.clear())
    refused(lambda: report.inputs.setdefault("new", 1))
    refused(lambda: report.inputs["can_pay"].__setitem__("trader", Decimal(0)))
    refused(lambda: report.inputs["leverage"].append(Decimal(3)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.results = []
    assert dumps(report.to_dict()) == before


def test_to_dict_is_plain_and_changing_it_leaves_the_report() -> None:
    report = position()
    data = report.to_dict()
    assert type(data["inputs"]) is dict and type(data["inputs"]["can_pay"]) is dict
    assert type(data["inputs"]["leverage"]) is list
    data["inputs"]["entry"] = "changed"
    data["inputs"]["can_pay"]["trader"] = 0
    assert report.inputs["entry"] == 60000 and report.inputs["can_pay"] == {"trader": 1000}
    assert report.to_dict()["inputs"]["entry"] == 60000


def test_account_report_cannot_be_changed() -> None:
    report = liqcalc.account(account=ACCOUNT, wallet="1500000")
    refused(lambda: report.results.append(report.results[0]))
    refused(lambda: report.warnings.append("x"))
    assert isinstance(report.results, tuple) and isinstance(report.warnings, tuple)


def test_compare_report_cannot_be_changed() -> None:
    report = compare()
    before = dumps(report.to_dict())
    refused(lambda: report.rows.append(report.rows[0]))
    refused(lambda: report.warnings.append("x"))
    refused(lambda: report.rows[1].notes.append("x"))
    refused(lambda: report.request.inputs.__setitem__("entry", 1))
    refused(lambda: report.request.caps.__setitem__("insurance_fund", 1))
    refused(lambda: report.request.specs.append(report.request.specs[0]))
    assert report.rows[1].notes == ("no fund in this venue's waterfall: insurance_fund= does not apply",)
    data = report.to_dict()
    data["inputs"]["entry"] = 1
    assert dumps(report.to_dict()) == before


@pytest.mark.parametrize("make", [position, compare])
def test_a_read_only_report_still_copies_and_pickles(make: Any) -> None:
    report = make()
    for twin in (copy.deepcopy(report), pickle.loads(pickle.dumps(report)), dataclasses.replace(report)):
        assert dumps(twin.to_dict()) == dumps(report.to_dict())
    assert isinstance(copy.deepcopy(position().inputs), FrozenDict)


def test_frozen_inputs_write_the_same_json() -> None:
    inputs = FrozenDict({"a": Decimal("1.5"), "b": FrozenDict({"c": None}), "d": (Decimal(1), Decimal(2))})
    plain = {"a": Decimal("1.5"), "b": {"c": None}, "d": [Decimal(1), Decimal(2)]}
    assert dumps(inputs) == dumps(plain) and thawed(inputs) == plain
    assert json.loads(dumps(inputs)) == json.loads(dumps(plain))


def test_a_preset_in_a_report_cannot_be_changed() -> None:
    """compare's rows hold the venues' presets: their symbol tables are read-only too."""
    preset = liqcalc.load_preset("binance")
    refused(lambda: preset.index.__setitem__("EVILUSDT", ("EVIL", "USDT", "perpetual")))
    refused(lambda: preset.packed.pop("BTCUSDT"))
    held = compare().rows[0].preset
    assert held is not None
    refused(lambda: held.index.clear())
    assert preset.symbol("BTC").name == "BTCUSDT"
