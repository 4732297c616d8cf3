"""position's words follow its numbers (issue 7 findings 15 and 17): flows in words that fold
between words, the cross-margin rule named with whose it is, recourse words that follow the flows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from liqcalc.cli import app

CLEARING = ["position", "--preset", "clearinghouse", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size",
            "10", "--leverage", "4", "--fill", "40000", "--no-stale-warning"]


def run(*args: str, columns: int = 100) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def table_cells(stdout: str, title: str) -> str:
    """The text of the last column of the table under ``title``, lines joined by spaces."""
    lines = stdout[stdout.index(title):].splitlines()
    cells = [line.split("│")[-2].strip() for line in lines if line.startswith("│")]
    return " ".join(cells)


def test_waterfall_flows_fold_between_words_never_inside_a_party_name() -> None:
    """Seen: "clearing_memb" / "er" in the flows column at 80 columns."""
    for columns in (80, 100, 140):
        result = run(*CLEARING, "--can-pay", "trader=10000", "--can-pay", "clearing_member=5000", columns=columns)
        assert result.exit_code == 0, result.output
        flows = table_cells(result.stdout, "Where the money goes")
        assert "_" not in flows
        assert ("trader → deficit 10,000.00; clearing member → deficit 5,000.00; guaranty fund → deficit 35,000.00"
                in flows)
        words = {"margin", "→", "trader", "deficit", "clearing", "member", "guaranty", "fund", "-"}
        for token in flows.split():
            assert token.rstrip(";") in words or re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d;?", token), token


def test_clearing_house_recourse_words_follow_the_flows() -> None:
    """Seen: "the trader owes the rest" after the guaranty fund had paid it."""
    capped = " ".join(run(*CLEARING, "--can-pay", "trader=10000", "--can-pay", "clearing_member=5000").stdout.split())
    assert "owes the rest" not in capped
    assert ("the trader pays 10,000.00 USD, then the clearing member pays 5,000.00 USD, then the guaranty fund pays "
            "35,000.00 USD. With recourse the trader owes 10,000.00 USD of it, a margin call beyond the posted margin "
            "(what --can-pay says the trader can pay); the parties after the trader pay the rest, as above.") in capped
    whole = " ".join(run(*CLEARING).stdout.split())
    assert ("the trader pays 50,000.00 USD. With recourse the trader owes all of it: a margin call beyond the posted "
            "margin.") in whole


def test_cross_account_names_whose_formula_it_is(tmp_path: Path) -> None:
    """Seen: a Hyperliquid account citing "Binance's cross-margin formula" as if it were Hyperliquid's."""
    account = tmp_path / "hl.json"
    account.write_text(json.dumps({"preset": "hyperliquid", "wallet": 20000, "positions": [
        {"symbol": "BTC", "side": "long", "size": 1, "entry": 60000, "mark": 59000},
        {"symbol": "ETH", "side": "short", "size": 10, "entry": 3000, "mark": 3100}]}))
    other = " ".join(run("position", "--account", str(account), "--no-stale-warning", columns=300).stdout.split())
    assert ("This is Binance's cross-margin formula (TMM1, UPNL1), which liqcalc applies to every venue, here with the "
            "hyperliquid preset's tiers and margin rules; liqcalc does not model a cross-margin formula of the venue's "
            "own.") in other
    own = " ".join(run("position", "--account", "tests/assets/accounts/binance-cross.json", columns=300).stdout.split())
    assert "added to it, by Binance's cross-margin formula (TMM1, UPNL1)." in own
    assert "applies to every venue" not in own
