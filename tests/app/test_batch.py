"""The batch's vector form against the Decimal core (issue 12): every line of a few thousand
varied ones over every built-in preset comes out the same bytes with ``--fields`` (grouped,
priced as arrays, the GUARD sending the doubtful ones to the core) as from the core line by
line; the groups keep the input order; the lines the guard must catch go to the core."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from liqcalc.app import batch
from liqcalc.app.session import Session
from liqcalc.presets.loader import builtin_names, load

FIELDS = tuple(f for f in batch.FIELDS if f in batch.VECTOR_FIELDS)
PRICES = (60_000.0, 61_234.5, 3_000.0, 150.0, 2.5, 0.5, 0.00123)
LEVERAGES = ("1", "2", "3", "5", "7", "10", "20", "25", "50", "100", "125", "150", "0.5")


def symbols() -> list[tuple[str, str, bool]]:
    found = []
    for name in builtin_names():
        preset = load(name)
        names = list(preset.index)
        picked = dict.fromkeys([*(n for n in names if "BTC" in n or "XBT" in n)][:2] + names[:2])
        found.extend((name, symbol, preset.symbol(symbol).inverse) for symbol in picked)
    return found


def varied_line(rng: random.Random, choices: list[tuple[str, str, bool]]) -> str:
    """One line: mostly valid positions of every kind, some the core refuses, some not JSON."""
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(["", "   ", "{not json", "[1, 2]", '{"preset": "binance"}', '"text"'])
    preset, symbol, inverse = rng.choice(choices)
    price = rng.choice(PRICES) * rng.uniform(0.8, 1.2)
    places = rng.choice((0, 1, 2, 4, 6, 8))
    entry: Any = round(price, places) or price
    notional = 10 ** rng.uniform(1, 6.5)
    size: Any = max(round(notional / 100), 1) if inverse else round(notional / entry, rng.choice((0, 2, 3, 5, 8)))
    line: dict[str, Any] = {"preset": preset, "symbol": symbol, "side": rng.choice(("long", "short", "Long"))}
    line["entry"], line["size"] = entry, size
    if rng.random() < 0.7:
        line["mark"] = round(entry * rng.uniform(0.9, 1.1), places + 2)
    if rng.random() < 0.2:
        line["margin"] = round(notional / float(rng.choice(LEVERAGES[:9])) / (entry if inverse else 1), 6)
    else:
        line["leverage"] = float(rng.choice(LEVERAGES)) if rng.random() < 0.2 else int(float(rng.choice(LEVERAGES[:-1])))
    extra = rng.random()
    if extra < 0.05:
        line["mode"] = "cross"
        line["wallet"] = round(notional / 5, 2)
        line.pop("margin", None)
    elif extra < 0.10:
        line["funding"] = round(rng.uniform(-50, 50), 2)
    elif extra < 0.13:
        line["add_margin"] = round(rng.uniform(0, 500), 2)
    elif extra < 0.16:
        line["mmr"] = 0.01
    elif extra < 0.18:
        line["liquidation_fee"] = 0.02
    elif extra < 0.20:
        line["notional"] = round(notional, 2)
        line.pop("size")
    elif extra < 0.23:
        line["size"] = -1
    elif extra < 0.25:
        line["entry"] = str(entry)  # a number as text
    elif extra < 0.27:
        line["entry"] = f"{entry:e}"  # an exponent: the core reads it
    elif extra < 0.29:
        line["entry"] = 60000.123456789012345  # more digits than a double holds
    elif extra < 0.31:
        line["leverage"] = rng.choice(["5,10", [3, 7], [20]])  # several leverages (results), or a list of one
        line.pop("margin", None)
    if rng.random() < 0.15:
        line["fill"] = round(entry * rng.uniform(0.8, 1.2), 2)
        if rng.random() < 0.5:
            line["insurance_fund"] = rng.randint(0, 5000)
    return json.dumps(line)


def decimal_lines(lines: list[str], fields: tuple[str, ...]) -> list[Any]:
    """What the Decimal core gives each line, projected: the reference."""
    session = Session(stale_warning=False)
    out = []
    for number, line in enumerate(lines, start=1):
        got = batch._projected(session, {}, number, line, fields)
        if type(got) is list:  # several leverages: a row each
            out.extend(got)
        elif got is not None:
            out.append(got)
    return out


def vector_lines(lines: list[str], fields: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
                 defaults: dict[str, Any] | None = None) -> tuple[list[Any], int]:
    """The batch's output and how many lines went through the core."""
    calls = []
    real = batch._projected

    def counted(*args: Any) -> Any:
        calls.append(args[2])
        return real(*args)

    monkeypatch.setattr(batch, "_projected", counted)
    out = list(batch.run(Session(stale_warning=False), defaults or {}, lines, fields))
    return out, len(calls)


def test_vector_batch_equals_the_decimal_core_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(12)
    choices = symbols()
    assert {name for name, _, _ in choices} == set(builtin_names())
    assert any(inverse for _, _, inverse in choices)
    lines = [varied_line(rng, choices) for _ in range(3000)]
    want = decimal_lines(lines, FIELDS)
    got, through_core = vector_lines(lines, FIELDS, monkeypatch)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w
    non_blank = sum(1 for line in lines if line.strip())
    assert non_blank - through_core > 500  # a quarter of the lines (most of the valid ones it models) as arrays
    assert any(type(w) is batch.Failed for w in want)  # error lines were mixed in


def test_json_lines_of_the_batch_equal_the_full_objects_projected(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    lines = [varied_line(rng, symbols()) for _ in range(300)]
    fields = ("line", "symbol", "liquidation_price", "bankruptcy_price", "maintenance_margin")
    write = batch.json_writer(fields)
    got, _ = vector_lines(lines, fields, monkeypatch)
    session = Session(stale_warning=False)
    from liqcalc.app.position import evaluate_line
    from liqcalc.render.numbers import dumps

    full = [obj for number, line in enumerate(lines, 1) if (obj := evaluate_line(session, {}, number, line))]
    full = [row for obj in full for row in (batch.per_leverage(obj) if "results" in obj else [obj])]
    assert any(type(obj["leverage"]) is not list and obj["inputs"]["leverage"] != obj["leverage"]
               for obj in full if "error" not in obj)  # several leverages: a row each
    for cells, obj in zip(got, full, strict=True):
        want = {"line": obj["line"], "error": obj["error"]} if "error" in obj else {f: obj.get(f) for f in fields}
        assert write(cells) == dumps(want)


def test_groups_keep_the_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # lines of three symbols interleaved, an error line between: out in the order they came
    lines = []
    for n in range(30):
        preset, symbol = [("binance", "BTCUSDT"), ("okx", "BTC-USDT-SWAP"), ("binance", "ETHUSDT")][n % 3]
        lines.append(json.dumps({"preset": preset, "symbol": symbol, "side": "long", "entry": 1000 + n, "size": 1,
                                 "leverage": 10}))
        if n == 10:
            lines.append('{"preset": "binance", "symbol": "NOPE", "side": "long", "entry": 1, "size": 1, "leverage": 2}')
        if n == 20:
            lines.append("")
    got, through_core = vector_lines(lines, ("line", "symbol", "entry"), monkeypatch)
    assert through_core == 1  # the unknown symbol
    numbers = [cells.line if type(cells) is batch.Failed else int(cells[0]) for cells in got]
    assert numbers == sorted(numbers) and len(numbers) == 31
    assert [c[2] for c in got if type(c) is not batch.Failed] == [str(1000 + n) for n in range(30)]


@pytest.mark.parametrize("line", [
    # a 1x long: its liquidation price is at (or just above) zero, where floats lose every digit
    {"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 1},
    {"preset": "dydx", "symbol": "BTC-USD", "side": "long", "entry": 60000, "size": 0.5, "leverage": 1},
    # a price exactly half-way at the 11th decimal: 5e-11 (size 1e-5 x entry 5e-6)
    {"preset": "binance", "symbol": "BTCUSDT", "side": "short", "entry": 0.000005, "size": 0.00001, "leverage": 2},
])
def test_guard_sends_doubtful_lines_to_the_decimal_core(line: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.dumps(line)]
    fields = ("line", "notional", "initial_margin", "liquidation_price", "bankruptcy_price")
    got, through_core = vector_lines(lines, fields, monkeypatch)
    assert through_core == 1
    assert got == decimal_lines(lines, fields)


def test_a_plain_line_is_priced_as_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['{"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20}']
    got, through_core = vector_lines(lines, FIELDS, monkeypatch)
    assert through_core == 0
    assert got == decimal_lines(lines, FIELDS)


def test_command_line_defaults_apply_to_the_vector_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1}',
             '{"symbol": "ETHUSDT", "side": "short", "entry": 3000, "size": 2, "leverage": 5}']
    defaults = {"preset": "binance", "leverage": ["20"]}
    got, through_core = vector_lines(lines, ("line", "leverage", "liquidation_price"), monkeypatch, defaults)
    assert through_core == 0
    assert [c[1] for c in got] == ["20", "5"]


def test_a_lines_margin_drops_the_default_leverage_on_the_vector_path(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "margin": 6000}',
             '{"symbol": "BTCUSDT", "side": "long", "entry": 60000, "notional": 30000, "leverage": 5}']
    defaults = {"preset": "binance", "leverage": ["20"], "size": "2"}
    fields = ("line", "size", "leverage", "margin_balance", "liquidation_price", "error")
    got, through_core = vector_lines(lines, fields, monkeypatch, defaults)
    assert through_core == 1  # the notional line: the core reads it
    assert [c[1:4] for c in got] == [("1", "10", "6000"), ("0.5", "5", "6000")]
    session = Session(stale_warning=False)
    assert got == [batch._projected(session, defaults, n, line, fields) for n, line in enumerate(lines, 1)]


@pytest.mark.parametrize("fields", [None, FIELDS])
def test_worker_processes_write_the_same_text_in_the_same_order(fields: tuple[str, ...] | None,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    lines = [varied_line(rng, symbols()) for _ in range(400)]
    monkeypatch.setattr(batch, "CHUNK", 64)
    monkeypatch.setattr(batch, "FULL_CHUNK", 32)
    monkeypatch.setattr(batch, "WORKERS", 1)
    here = Session()
    alone = list(batch.texts(here, {}, lines, fields))
    monkeypatch.setattr(batch, "WORKERS", 2)
    session = Session()
    forked = list(batch.texts(session, {}, lines, fields))
    assert forked == alone
    assert len(forked) > 3  # several chunks, most of them priced by the workers
    # the stale presets the workers met are said once each, in the same order as when priced here
    assert list(session.warnings.items()) == list(here.warnings.items())
    assert len(session.warnings) >= 2


@pytest.mark.parametrize("workers", [1, 2])
def test_an_input_that_cannot_go_on_keeps_the_lines_before_it(workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcalc.core.errors import InputError

    line = '{"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": 20}'

    def lines() -> Any:
        yield from [line] * 100
        raise InputError("--input", "line 101 is longer than 1 MiB")

    monkeypatch.setattr(batch, "FULL_CHUNK", 16)
    monkeypatch.setattr(batch, "WORKERS", workers)
    out: list[str] = []
    with pytest.raises(InputError):
        for text, _ in batch.texts(Session(stale_warning=False), {}, lines(), None):
            out.append(text)
    assert "".join(out).count("\n") == 100


def test_a_batch_line_is_the_positions_json_object_byte_for_byte() -> None:
    # a batch line writes what repeats (the preset, the tiers, the main waterfall) as JSON text
    # rendered once: the same bytes as the report's own --json object with its line number
    from decimal import Decimal

    from liqcalc.app.position import evaluate, evaluate_line
    from liqcalc.app.request import key_name
    from liqcalc.render.numbers import dumps

    rng = random.Random(11)
    session = Session(stale_warning=False)
    checked = 0
    for number in range(1, 601):
        line = varied_line(rng, symbols())
        obj = evaluate_line(session, {}, number, line)
        if obj is None or "error" in obj:  # a blank line, a bad one
            continue
        report = evaluate(json.loads(line, parse_float=Decimal), key_name, session)
        assert dumps(obj) == dumps({"schema_version": 1, "line": number, **report.to_dict()}), line
        checked += 1
    assert checked > 300


def test_a_row_per_leverage_keeps_the_lines_warnings_less_the_other_leverages() -> None:
    line = '{"preset": "binance", "symbol": "BTCUSDT", "side": "long", "entry": 60000, "size": 1, "leverage": [1, 5], "mark": 30000}'
    got = batch._projected(Session(stale_warning=False), {}, 1, line, ("line", "leverage", "warnings"))
    assert got == [("1", "1", "[]"), ("1", "5", '["the position is already bankrupt at the mark price"]')]
