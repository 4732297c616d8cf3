"""adl-risk after the new-user trial of issue 7: a fund charged past its cap says so (finding 1),
no figure split over two lines at any width from 60 (finding 4), columns left out are named
(11), --lights with a --book (13), the help and README facts (15), readable sizes (17)."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synth_books import btcusdt_rows, write
from typer.testing import CliRunner

from liqcalc.app.adl import accounting
from liqcalc.cli import app
from liqcalc.render.adl import qty

runner = CliRunner()
README = Path(__file__).parent.parent.parent / "README.md"
SAMPLE = Path(__file__).parent.parent.parent / "liqcalc" / "samples" / "btcusdt.csv"
# finding 4: a 5,000 BTC short at 1x against a book of 3,000 positions, swept from -60% to +60%
BIG_SWEEP = ["adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "short", "--entry", "61000", "--size",
             "5000", "--leverage", "1", "--mark", "60000", "--shock", "-60:60:0.5", "--insurance-fund", "1e9"]
HUGE_EVENT = ["adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "64000", "--size",
              "0.5", "--leverage", "10", "--mark", "60000", "--book", "sample:btcusdt", "--liquidated-size", "1e25",
              "--bankruptcy-price", "61000", "--insurance-fund", "1000"]
SAMPLE_EVENT = ["adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "64000", "--size",
                "0.5", "--leverage", "10", "--mark", "60000", "--book", "sample:btcusdt", "--liquidated-size", "3",
                "--bankruptcy-price", "61000", "--insurance-fund", "1000"]
OKX_SHOCK = ["adl-risk", "--preset", "okx", "--symbol", "BTC", "--mark", "60000", "--book", "sample:btcusdt", "--shock", "3",
             "--insurance-fund", "1000"]


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("books") / "btcusdt.csv"
    write(btcusdt_rows(), path)
    return str(path)


@pytest.fixture(scope="module")
def hyperliquid_book(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("books") / "btc-hl.csv"
    write(btcusdt_rows(2000, max_leverage=40), path)  # Hyperliquid's BTC allows 40x
    return str(path)


def split_figures(text: str) -> list[str]:
    """Figures folded over two lines of a table: a cell ending in a digit, "," or "." followed by
    a continuation line (its first cell blank) whose cell in the same column starts with a digit."""
    lines = text.splitlines()
    found = []
    for above, below in zip(lines, lines[1:], strict=False):
        if not (above.startswith("│") and below.startswith("│")):
            continue
        top, bottom = above.split("│")[1:-1], below.split("│")[1:-1]
        if len(top) != len(bottom) or bottom[0].strip():
            continue
        for a, b in zip(top, bottom, strict=True):
            if re.search(r"[\d,.]$", a.strip()) and re.match(r"\d", b.strip()):
                found.append(f"{above}\n{below}")
    return found


def check_screen(text: str, width: int) -> None:
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, too_long[:3]
    assert "…" not in text
    assert not split_figures(text), split_figures(text)[:3]


def test_split_figures_finds_a_fold() -> None:
    folded = ("│ queue (chosen) │ 9,999,999,999,999, │\n"
              "│                │ 999,999,999,999,00 │\n"
              "│ pro-rata       │              1,000 │\n")
    assert len(split_figures(folded)) == 1


@pytest.mark.parametrize("width", [60, 80])
def test_big_book_sweep_never_splits_a_figure(width: int, big_book: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    text = run(*BIG_SWEEP, "--book", big_book).stdout
    check_screen(text, width)
    assert "1,143,984,250.91" in text  # the sweep's largest shortfall, whole on one line


@pytest.mark.parametrize("width", [60, 80, 100])
def test_liquidated_size_1e25_keeps_every_figure_on_one_line(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    text = run(*HUGE_EVENT).stdout
    check_screen(text, width)
    assert "9,999,999,999,999,999,999,999,999,000.00" in text  # the fund leaves unpaid, in the policy table


def test_narrow_sample_event_fits_without_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    check_screen(run(*SAMPLE_EVENT, "--hedge-size", "0.5").stdout, 60)


def test_columns_left_out_are_named_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = run(*SAMPLE_EVENT).stdout
    assert "Left out at 80 columns: entry, pctl, ADL pro-rata (a wider terminal or --json shows them)." in " ".join(
        text.split())
    header = next(line for line in text.splitlines() if "rank" in line and "id" in line)
    assert "entry" not in header and "pctl" not in header and "pro-rata" not in header


def test_sweep_columns_left_out_are_named(big_book: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = " ".join(run(*BIG_SWEEP, "--book", big_book).stdout.split())
    assert "Left out at 80 columns: mark, liquidated, ADL closed (a wider terminal or --json shows them)." in text


def test_nothing_left_out_on_a_wide_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert "Left out" not in run(*SAMPLE_EVENT).stdout


def test_a_book_id_is_shown_as_written_not_as_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    book = tmp_path / "book.csv"
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    rows[1][0] = "[bold]s01"
    write(rows, book)
    text = run(*[a if a != "sample:btcusdt" else str(book) for a in SAMPLE_EVENT], "--top", "20").stdout
    assert "[bold]s01" in text


# -- finding 1: a fund charged past its cap ----------------------------------------------------


def test_okx_depleted_fund_deleverages_at_the_bankruptcy_price_and_is_not_overdrawn() -> None:
    """OKX closes ADL at the bankruptcy price once its fund is nearly depleted (its ADL page): the
    winners cover the deficit; the fund --insurance-fund caps never goes below zero."""
    event = json.loads(run(*OKX_SHOCK, "--json").stdout)["event"]
    assert event["unabsorbed_by"] == "venue" and event["adl_covered"] > 0 and event["fund_overdrawn"] == 0
    assert event["fund_paid"] == event["fund_start"] == 1000 and event["fund_left"] == 0
    assert abs(event["shortfall"] - (event["fund_paid"] + event["adl_covered"] + event["unabsorbed"])) <= 1e-8
    text = " ".join(run(*OKX_SHOCK).stdout.split())
    assert "beyond what it held" not in text and "the bankruptcy price of the liquidated orders" in text


def test_hyperliquid_vault_capped_at_50k_says_where_it_ends(hyperliquid_book: str) -> None:
    args = ["adl-risk", "--preset", "hyperliquid", "--symbol", "BTC", "--mark", "60000", "--book", hyperliquid_book,
            "--shock", "-20", "--insurance-fund", "50000"]
    event = json.loads(run(*args, "--json").stdout)["event"]
    assert event["unabsorbed_by"] == "backstop_vault" and event["unabsorbed"] > 1_000_000
    assert event["fund_paid"] <= event["fund_start"] + event["fund_surplus_in"]
    assert abs(event["fund_overdrawn"] - (event["unabsorbed"] - event["fund_left"])) <= 1e-7
    text = " ".join(run(*args).stdout.split())
    assert f"it ends at -{Decimal(str(event['fund_overdrawn'])):,.2f} USDC" in text
    assert "by hyperliquid's rule ([adl] price = mark, unabsorbed_by = backstop_vault)" in text
    assert "Not modelled: what hyperliquid does once the backstop (liquidator) vault runs out" in text


def test_sweep_says_when_the_capped_fund_goes_below_zero(hyperliquid_book: str) -> None:
    args = ["adl-risk", "--preset", "hyperliquid", "--symbol", "BTC", "--mark", "60000", "--book", hyperliquid_book,
            "--shock", "-20:-10:5", "--insurance-fund", "50000"]
    rows = json.loads(run(*args, "--json").stdout)["sweep"]
    over = [r for r in rows if r["fund_overdrawn"] > 0]
    assert over
    worst = max(r["fund_overdrawn"] for r in over)
    text = " ".join(run(*args).stdout.split())
    assert (f"In {len(over)} of {len(rows)} steps the unabsorbed column is borne by the backstop (liquidator) vault "
            f"beyond what it held (--insurance-fund 50,000.00 USDC): up to {Decimal(str(worst)):,.2f} USDC below zero") in text


def test_a_venue_bearing_the_unabsorbed_is_not_the_fund() -> None:
    event = json.loads(run(*HUGE_EVENT, "--json").stdout)["event"]
    assert event["unabsorbed_by"] == "venue" and event["unabsorbed"] > 0 and event["fund_overdrawn"] == 0
    assert "beyond what it held" not in run(*HUGE_EVENT).stdout


@settings(max_examples=25)
@given(fund_start=st.one_of(st.none(), st.decimals(0, 10**6, places=2)), surplus=st.decimals(0, 10**4, places=2),
       paid=st.decimals(0, 10**6, places=2), covered=st.decimals(0, 10**6, places=2),
       unabsorbed=st.decimals(0, 10**7, places=2), bearer=st.sampled_from(["venue", "insurance_fund", "backstop_vault"]),
       party=st.sampled_from(["insurance_fund", "backstop_vault"]))
def test_overdrawn_is_what_the_capped_fund_bears_below_zero(
        fund_start: Decimal | None, surplus: Decimal, paid: Decimal, covered: Decimal, unabsorbed: Decimal, bearer: str,
        party: str) -> None:
    held = None if fund_start is None else fund_start + surplus
    paid = paid if held is None else min(paid, held)
    left = None if held is None else held - paid
    shown = accounting(fund_start=fund_start, fund_surplus_in=surplus, fund_paid=paid, fund_left=left, adl_covered=covered,
                       unabsorbed=unabsorbed, unabsorbed_by=bearer, deleveraged_size=Decimal(0),
                       deleveraged_notional=Decimal(0), fund_party=party)
    assert shown["shortfall"] == shown["fund_paid"] + shown["adl_covered"] + shown["unabsorbed"]
    if shown["fund_start"] is not None:
        assert shown["fund_paid"] <= shown["fund_start"] + shown["fund_surplus_in"]
    if held is not None and bearer == party:
        assert shown["fund_overdrawn"] == max(Decimal(0), unabsorbed - (left or 0))
    else:
        assert shown["fund_overdrawn"] == 0


# -- finding 13: --lights with a book -----------------------------------------------------------


def test_lights_with_a_book_is_shown_and_warned_when_the_bands_differ() -> None:
    args = [*SAMPLE_EVENT[:17], "--lights", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "scale 1-5; the venue shows 2" in result.stdout
    assert ("warning: --lights 2: bybit shows you 2 (between the 20th and 40th percentile of its queue), but this --book "
            "ranks you 5 (percentile 100.0%)") in result.stderr
    data = json.loads(run(*args, "--json").stdout)
    assert data["you"]["lights"] == 2 and data["you"]["indicator"] == 5
    assert any(w.startswith("--lights 2:") for w in data["warnings"])


def test_lights_matching_the_book_is_not_warned() -> None:
    result = runner.invoke(app, [*SAMPLE_EVENT[:17], "--lights", "5"])
    assert result.exit_code == 0 and "--lights" not in result.stderr
    assert "scale 1-5; the venue shows 5" in result.stdout


# -- findings 15 and 17 ---------------------------------------------------------------------


def test_adl_risk_wallet_help_names_no_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    text = run("adl-risk", "--help").stdout
    line = next(line for line in text.splitlines() if "--wallet" in line)
    assert "--account" not in line and "--mode cross" in line


def test_readme_counts_the_sample_book_as_it_is() -> None:
    sides = [row["side"] for row in csv.DictReader(SAMPLE.read_text(encoding="utf-8").splitlines())]
    longs, shorts = sides.count("long"), sides.count("short")
    assert f"a small BTCUSDT book of {longs} longs and {shorts} shorts" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize(("value", "text"), [
    ("27664.921449", "27,664.921449"), ("2499.922881", "2,499.922881"), ("2499.9228812345", "2,499.92288123"),
    ("0.5", "0.5"), ("5000", "5,000"), ("1E+25", "10,000,000,000,000,000,000,000,000"), ("0", "0"),
    ("0.000000001", "<0.00000001"),
])
def test_sizes_are_grouped_with_at_most_8_decimals(value: str, text: str) -> None:
    assert qty(Decimal(value)) == text


def test_sizes_in_the_text_are_grouped(big_book: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    text = " ".join(run(*BIG_SWEEP, "--book", big_book).stdout.split()).replace("arXiv 2512.01112", "")
    assert "liquidates 1,463 longs (size 36,047.33," in text
    assert "short 5,000 @ 61,000.00" in text
    for number in re.findall(r"(?<![\w.,])\d[\d,]*\.\d+", text):  # no size (nor amount) of 4+ digits ungrouped, none over 8 decimals
        whole, decimals = number.split(".")
        assert "," in whole or len(whole) <= 3, number
        assert len(decimals) <= 8, number


def test_uncapped_event_fund_that_bears_the_unabsorbed_says_so() -> None:
    args = ["adl-risk", "--preset", "hyperliquid", "--symbol", "BTC", "--side", "long", "--entry", "60000", "--size",
            "1", "--leverage", "20", "--mark", "63000", "--liquidated-size", "2", "--bankruptcy-price", "62000"]
    event = json.loads(run(*args, "--json").stdout)["event"]
    assert event["fund_start"] is None and event["unabsorbed"] == 2000 and event["fund_overdrawn"] == 0
    text = " ".join(run(*args).stdout.split())
    assert ("The backstop (liquidator) vault pays nothing of the shortfall up front (no --insurance-fund given), yet by "
            "hyperliquid's rule ([adl] price = mark, unabsorbed_by = backstop_vault) it bears the deficit of what ADL "
            "closes at the mark (the deleveraged longs give up nothing against it): 2,000.00 USDC.") in text
    assert "its balance is not known here: --insurance-fund gives it" in text


@pytest.mark.parametrize("width", range(60, 121, 6))
def test_sample_sweep_with_a_hedge_fits_every_width(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    text = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size",
               "1", "--leverage", "20", "--mark", "66000", "--book", "sample:btcusdt", "--shock", "2:10:2",
               "--insurance-fund", "20000", "--hedge-size", "0.3").stdout
    check_screen(text, width)


def test_ranks_are_grouped_and_a_zero_score_is_not_negative() -> None:
    from decimal import Decimal

    from liqcalc.render.adl import _num

    assert _num(Decimal("-0.00001")) == "0.0000"
    assert _num(Decimal("-0.5")) == "-0.5000"
    book = [{"id": f"s{n}", "side": "short", "size": "0.01", "entry": str(60000 + n), "leverage": "10"} for n in range(1200)]
    book.append({"id": "l", "side": "long", "size": "12", "entry": "60000", "leverage": "10"})
    import liqcalc
    from liqcalc.render.adl import you_words

    report = liqcalc.adl_risk(preset="binance", symbol="BTCUSDT", side="short", entry="59000", size="0.01", leverage="10",
                              mark="58000", book=book, no_stale_warning=True)
    assert "of 1,201 shorts" in " ".join(you_words(report))
