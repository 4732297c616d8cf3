"""``liqcalc adl-risk`` through Typer's runner: JSON keys, plain answers, named bad rows, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.cli.adl_risk import emit
from liqcalc.render import OutputFormat

runner = CliRunner()
BOOKS = Path(__file__).parent.parent / "assets" / "books"
BOOK = str(BOOKS / "btcusdt.csv")
YOU_LONG = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
            "--leverage", "20", "--mark", "66000"]
YOU_SHORT = ["adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "64000", "--size", "0.5",
             "--leverage", "10", "--mark", "60000"]
ROW_KEYS = {"id", "side", "size", "score", "rank", "percentile", "indicator", "adl_size", "adl_price"}


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def test_json_contract_of_an_event() -> None:
    result = run(*YOU_SHORT, "--book", BOOK, "--liquidated-size", "3", "--bankruptcy-price", "61000",
                 "--insurance-fund", "1000", "--hedge-size", "0.5", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)
    for key in ("schema_version", "command", "inputs", "preset", "warnings", "you", "queue", "sweep", "policies", "event"):
        assert key in data
    assert data["command"] == "adl-risk" and data["sweep"] == [] and data["warnings"] == []
    assert all(ROW_KEYS <= set(row) for row in data["queue"])
    assert [row["rank"] for row in data["queue"]] == list(range(1, 14))
    # the fund pays 1,000 of the 3,000 shortfall: ADL closes 2 of the 3 at the bankruptcy price
    assert data["event"]["deficit"] == 2000 and data["event"]["deleveraged_size"] == 2
    assert sum(row["adl_size"] for row in data["queue"]) == pytest.approx(2)
    you = data["you"]
    assert you["rank"] == 1 and you["indicator"] == 5 and you["adl_size"] == 0.5 and you["adl_price"] == 61000
    assert you["pnl_at_mark"] == 2000 and you["realized_pnl"] == 1500 and you["loss_vs_mark"] == 500
    assert you["residual_exposure"] == 0.5  # the hedge's 0.5 long is left alone
    assert data["policies"]["pro_rata"]["overshoot"] == 0 and data["policies"]["queue"]["overshoot"] > 0


def test_table_explains_the_order_and_the_outcome() -> None:
    result = run(*YOU_SHORT, "--book", BOOK, "--liquidated-size", "3", "--bankruptcy-price", "61000", "--insurance-fund", "1000")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "ranked by PnL% × effective leverage" in out
    assert "you is first with a score of 0.3606 (PnL 6.25% × effective leverage 5.77)" in out
    assert "a loss of 500.00 USDT against the mark" in out
    assert "Queue against pro-rata" in out


def test_sweep_states_the_smallest_shock_that_reaches_you() -> None:
    result = run(*YOU_LONG, "--book", BOOK, "--shock", "2:20:2", "--insurance-fund", "20000", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["sweep"]) == 10
    assert set(data["sweep"][0]) >= {"shock", "liquidated_notional", "insurance_fund_paid", "deleveraged_notional",
                                     "you_adl_size", "you_loss_vs_mark"}
    assert data["reaches_you"]["shock"] == 2
    table = run(*YOU_LONG, "--book", BOOK, "--shock", "2:20:2", "--insurance-fund", "20000")
    assert "The smallest shock that reaches you is +2% (mark 67,320.00)" in table.stdout
    assert "a loss of 164.60 USDT against the mark" in " ".join(table.stdout.split())


def test_uncapped_fund_covers_everything_plainly() -> None:
    result = run(*YOU_LONG, "--book", BOOK, "--shock", "10")
    assert result.exit_code == 0, result.output
    assert "The insurance fund covers every shortfall: nobody is deleveraged." in result.stdout


def test_empty_opposite_side_is_answered_plainly() -> None:
    result = run(*YOU_LONG, "--book", str(BOOKS / "one-side.csv"), "--shock", "-20", "--insurance-fund", "0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["queue"] == [] and data["queue_side"] == "short"
    assert data["you"]["liquidated"] is True


def test_your_position_on_the_liquidated_side() -> None:
    result = run(*YOU_LONG, "--book", BOOK, "--liquidated-side", "long", "--liquidated-size", "1", "--bankruptcy-price", "65000")
    assert result.exit_code == 0, result.output
    assert "Your long is on the liquidated side: ADL never closes it; the queue shown is the shorts'." in result.stdout


def test_without_a_book_score_and_lights_band() -> None:
    result = run(*YOU_LONG, "--lights", "3", "--json")
    assert result.exit_code == 0, result.output
    you = json.loads(result.stdout)["you"]
    assert you["rank"] is None and you["score"] > 0
    assert you["lights_band"] == {"from_percentile": 60, "to_percentile": 80}


def test_jsonl_book_and_dydx_random_start_with_seed() -> None:
    args = ["adl-risk", "--preset", "dydx", "--symbol", "BTC", "--mark", "61000", "--book", str(BOOKS / "small.jsonl"),
            "--liquidated-side", "short", "--liquidated-size", "1", "--bankruptcy-price", "62000", "--json"]
    first = json.loads(run(*args, "--seed", "1").stdout)
    again = json.loads(run(*args, "--seed", "1").stdout)
    assert first["queue"] == again["queue"]
    assert all(row["score"] is None and row["indicator"] is None for row in first["queue"])
    assert {row["id"] for row in first["queue"]} == {"a", "b"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,side,size,entry,leverage\na,long,1,60000,10\nb,long,-3,60000,10\n", "book.csv:3: size: must be greater than 0, got -3"),
        ("id,side,size,entry,leverage\na,sideways,1,60000,10\n", "book.csv:2: side: expected long or short, got 'sideways'"),
        ("id,side,size,entry,leverage\na,long,1,abc,10\n", "book.csv:2: entry: expected a number, got 'abc'"),
        ("id,side,size,entry,leverage\na,long,1,nan,10\n", "book.csv:2: entry: expected a finite number, got 'nan'"),
        ("id,side,size,entry\na,long,1,60000\n", "book.csv:2: margin: missing; give margin or leverage for an isolated "
                                                 "position, or wallet for a cross one"),
        ("id,side,size,entry,leverage\na,long,1,60000,10\na,short,1,60000,10\n", "book.csv:3: id: duplicate id 'a' (also on line 2)"),
        ("id,side,size,price,leverage\n", "book.csv:1: price: unknown column; the columns are id, side, size, entry, "
                                          "margin or leverage, and optional wallet and mark"),
        ("id,side,size,entry,leverage\nyou,long,1,60000,10\n", "book.csv:2: id: 'you' is reserved for your own position; rename this row"),
        ("id,side,size,entry,leverage\na,long,1,60000,500\n", "book.csv:2: leverage: leverage 500x is above the maximum 150x "
                                                              "for BTCUSDT at 60,000.00 USDT notional (tier 1)"),
    ],
)
def test_bad_book_rows_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("book.csv").write_text(content)
    result = run(*YOU_LONG, "--book", "book.csv", "--liquidated-size", "1", "--bankruptcy-price", "67000")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == f"liqcalc: error: {message}\n"


def test_bad_row_under_a_shock_is_named_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("book.csv").write_text("id,side,size,entry,leverage\na,long,1,60000,10\nb,long,1,60000,500\n")
    result = run(*YOU_LONG, "--book", "book.csv", "--shock", "-5")
    assert result.exit_code == 1
    assert result.stderr == ("liqcalc: error: book.csv:3: leverage: leverage 500x is above the maximum 150x for BTCUSDT at "
                             "60000 USDT notional (tier 1)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shock", "5", "--liquidated-size", "1", "--bankruptcy-price", "1"], "--shock and --liquidated-size are two events; give one"),
        (["--liquidated-size", "1"], "--bankruptcy-price: missing; a liquidation event needs --liquidated-size and --bankruptcy-price"),
        (["--shock", "1:5:-1"], "--shock: the step -1 does not lead from 1 to 5"),
        (["--shock", "-100"], "--shock: -100% takes the mark to zero or below"),
        (["--policy", "fair"], "--policy: expected queue or pro-rata, got 'fair'"),
        (["--ranking", "mine"], "--ranking: expected one of pnl_x_leverage, binance_leverage_pnl, hyperliquid, bitget, "
                                "random_start, got 'mine'"),
        (["--lights", "7"], "--lights: binance shows 0 to 4, got 7"),
        (["--shock", "5"], "--shock: a shock liquidates positions of a --book; give one"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*YOU_LONG, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"liqcalc: error: {message}\n"


def test_no_position_needs_a_side_for_the_event() -> None:
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", BOOK,
                 "--liquidated-size", "1", "--bankruptcy-price", "61000")
    assert result.exit_code == 2
    assert result.stderr == "liqcalc: error: --liquidated-side: give long or short (no position of yours implies it)\n"


def test_a_venue_without_adl_is_refused_plainly() -> None:
    result = run("adl-risk", "--preset", "clearinghouse", "--symbol", "BTC", "--side", "long", "--entry", "60000",
                 "--size", "1", "--leverage", "2")
    assert result.exit_code == 1
    assert "this preset has no auto-deleveraging" in result.stderr


def test_pro_rata_policy_fills_adl_size() -> None:
    args = [*YOU_SHORT, "--book", BOOK, "--liquidated-size", "3", "--bankruptcy-price", "61000", "--json"]
    queue = json.loads(run(*args).stdout)
    pro = json.loads(run(*args, "--policy", "pro-rata").stdout)
    assert pro["policy"] == "pro_rata"
    assert [r["adl_size"] for r in pro["queue"]] == [r["by_policy"]["pro_rata"]["adl_size"] for r in queue["queue"]]


def test_every_output_format_is_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []
    for name, member in (("as_json", "json"), ("as_csv", "csv"), ("as_markdown", "markdown")):
        monkeypatch.setattr(f"liqcalc.cli.emit.{name}", lambda report, m=member: called.append(m) or "")
    monkeypatch.setattr("liqcalc.cli.emit.table", lambda report: called.append("table") or "")
    for member in OutputFormat:
        emit(None, member)  # type: ignore[arg-type]
    assert called == [m.value for m in OutputFormat]


def test_help_has_an_example() -> None:
    result = run("adl-risk", "--help")
    assert result.exit_code == 0
    assert "Example: liqcalc adl-risk" in result.stdout
    assert "--slippage-bps" in result.stdout


def test_importing_the_cli_does_not_import_numpy() -> None:
    code = "import sys, liqcalc.cli; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_json_queue_is_whole_unless_top_is_given() -> None:
    """Scripts get every ranked row by default; ``--top N`` keeps the first N and yours."""
    args = ["adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "61000", "--size", "0.2",
            "--leverage", "10", "--mark", "60000", "--book", BOOK, "--liquidated-size", "3", "--bankruptcy-price", "61000",
            "--json"]
    whole = json.loads(CliRunner().invoke(app, args).stdout)
    assert len(whole["queue"]) == whole["queue_count"] > 3
    you_rank = next(r["rank"] for r in whole["queue"] if r["id"] == "you")
    short = json.loads(CliRunner().invoke(app, [*args, "--top", "2"]).stdout)
    assert short["queue_count"] == whole["queue_count"]
    assert [r["rank"] for r in short["queue"]] == sorted({1, 2, you_rank})


def test_adl_risk_prices_an_inverse_contract_in_the_coin_never_as_linear() -> None:
    """The queue and the cascade are linear in the price; a coin-margined position runs on its
    linear twin in 1/price (it was refused in one line before): 500 contracts of 1 USD closed at
    70,000 from an entry of 60,000 realize 500 x (1/60,000 - 1/70,000) BTC, not 500 x 10,000."""
    import liqcalc

    report = liqcalc.adl_risk(preset="bitmex", symbol="XBTUSD", side="long", entry=60000, size=1000, leverage=10,
                              mark=66000, liquidated_size=500, bankruptcy_price=70000, no_stale_warning=True)
    assert report.you is not None and report.quote == "BTC"
    assert report.you["realized_pnl"] == (500 * (1 / Decimal(60000) - 1 / Decimal(70000))).quantize(Decimal("1e-8"))
    assert report.you["adl_price"] == 70000 and report.you["side"] == "long" and report.you["size"] == 1000
