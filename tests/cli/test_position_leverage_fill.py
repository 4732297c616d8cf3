"""Several leverages with --fill (issue 7 finding 5): the table says who pays at the fill per
leverage, flows adding up, instead of dropping the waterfall the JSON computes."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from liqcalc.cli import app

ARGS = ["position", "--preset", "binance", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
        "--leverage", "2,3", "--fill", "20000", "--insurance-fund", "1000", "--no-stale-warning"]
FIGURE = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d\d")


def run(*args: str, columns: int = 120) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def fill_rows(stdout: str) -> dict[str, list[str]]:
    """The fill table's rows by leverage: the cells, a row's folded lines joined."""
    lines = stdout[stdout.index("Where the money goes at your --fill"):].splitlines()
    rows: dict[str, list[str]] = {}
    current = ""
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells[0]:
            current = cells[0]
            rows[current] = cells
        else:
            rows[current] = [f"{a} {b}".strip() for a, b in zip(rows[current], cells, strict=True)]
    return rows


@pytest.mark.parametrize("columns", [80, 120])
def test_leverage_table_with_fill_shows_who_pays_per_leverage_and_the_flows_add_up(columns: int) -> None:
    """Seen: `position ... --leverage 2,3 --fill 20000 --insurance-fund 1000` showed no waterfall."""
    result = run(*ARGS, columns=columns)
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    rows = fill_rows(result.stdout)
    assert set(rows) == {"2x", "3x"}
    data = json.loads(run(*ARGS, "--json").stdout)
    for lev, row in zip(("2x", "3x"), data["results"], strict=True):
        _, equity, surplus, shortfall, flows = rows[lev]
        waterfall = row["waterfall"]
        assert Decimal(shortfall.replace(",", "")) == Decimal(str(waterfall["shortfall"]))
        amounts = [Decimal(a.replace(",", "")) for a in FIGURE.findall(flows)]
        assert sum(amounts) == Decimal(shortfall.replace(",", "")) + Decimal(surplus.replace(",", ""))
        assert amounts == [Decimal(str(f["amount"])) for f in waterfall["flows"]]
        assert flows.startswith("insurance fund → deficit 1,000.00; ADL counterparties → deficit")
    text = " ".join(result.stdout.split())
    assert ("• 2x: 10,000.00 USDT is missing beyond the bankruptcy price; the insurance fund pays 1,000.00 USDT, then "
            "ADL counterparties pay 9,000.00 USDT. ADL closes winners on the other side at the bankruptcy price, "
            "30,000.00.") in text
    assert "• 3x: 20,000.00 USDT is missing" in text


def test_leverage_table_without_fill_has_no_fill_table() -> None:
    result = run(*[a for a in ARGS if a not in ("--fill", "20000", "--insurance-fund", "1000")])
    assert result.exit_code == 0, result.output
    assert "--fill" not in result.stdout
    assert "Where the money goes" not in result.stdout


def test_leverage_fill_table_keeps_a_surplus_with_its_recipient() -> None:
    result = run("position", "--preset", "hyperliquid", "--symbol", "BTC", "--side", "long", "--entry", "60000",
                 "--size", "1", "--leverage", "3,20", "--fill", "57100", "--no-stale-warning", columns=80)
    assert result.exit_code == 0, result.output
    rows = fill_rows(result.stdout)
    assert rows["20x"][2:] == ["100.00", "0.00", "margin → backstop vault 100.00"]
    assert rows["3x"][2:] == ["17,100.00", "0.00", "margin → trader 17,100.00"]
    assert "(a capped payer" not in result.stdout


def test_narrow_leverage_fill_table_leaves_out_equity_first_and_says_so() -> None:
    result = run("position", "--preset", "clearinghouse", "--symbol", "BTC", "--side", "long", "--entry", "60000",
                 "--size", "10", "--leverage", "2,4", "--fill", "40000", "--can-pay", "trader=10000",
                 "--no-stale-warning", columns=60)
    assert result.exit_code == 0, result.output
    rows = fill_rows(result.stdout)
    assert rows["4x"] == ["4x", "0.00", "50,000.00", "trader → deficit 10,000.00; clearing member → deficit 40,000.00"]
    assert "Left out at 60 columns: equity" in " ".join(result.stdout.split())


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["binance", "hyperliquid", "clearinghouse", "bybit", "okx"]),
       st.lists(st.integers(min_value=1, max_value=4), min_size=2, max_size=3, unique=True),
       st.integers(min_value=20000, max_value=80000), st.sampled_from([None, "0", "500"]))
def test_leverage_fill_table_flows_add_up_on_every_row(preset: str, leverages: list[int], fill: int,
                                                       fund: str | None) -> None:
    args = ["position", "--preset", preset, "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size", "1",
            "--leverage", ",".join(map(str, leverages)), "--fill", str(fill), "--no-stale-warning"]
    if fund is not None and preset != "clearinghouse":
        args += ["--insurance-fund", fund]
    result = run(*args, columns=200)
    assert result.exit_code == 0, result.output
    rows = fill_rows(result.stdout)
    assert list(rows) == [f"{lev}x" for lev in leverages]
    for _, _, surplus, shortfall, flows in rows.values():
        amounts = [Decimal(a.replace(",", "")) for a in FIGURE.findall(flows)]
        assert sum(amounts, Decimal(0)) == Decimal(surplus.replace(",", "")) + Decimal(shortfall.replace(",", ""))


def test_printed_flows_add_up_to_the_printed_surplus_to_the_cent() -> None:
    """Seen (hypothesis, bybit 4x fill 57,300): 31.52 + 12,293.24 printed beside 12,324.75; each
    flow rounded on its own. As printed, the flows now add up to the cell beside them."""
    result = CliRunner().invoke(app, ["position", "--preset", "bybit", "--symbol", "BTC", "--side", "long", "--entry",
                                 "60000", "--size", "1", "--leverage", "4,1", "--fill", "57300", "--no-stale-warning"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "margin → insurance fund 12,293.23" in text and "12,293.24" not in text
    assert "12,324.75 USDT of margin is left; 31.52 USDT to the liquidator (the liquidation fee), 12,293.23 USDT" in text
