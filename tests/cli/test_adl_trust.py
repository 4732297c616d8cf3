"""Issue 7, the adl-risk points: money conserved in the event and every sweep row (§1), what the
screen shows (§3: ROE, the sweep's ADL price and hedge, no noise, 80 columns, the help example),
and hostile input named in one line (§6)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from synth_books import solusdt_rows, write
from typer.testing import CliRunner

from liqcalc.cli import app
from liqcalc.cli.adl_risk import EXAMPLE

runner = CliRunner()
BOOKS = Path(__file__).parent.parent / "assets" / "books"
BOOK = str(BOOKS / "btcusdt.csv")
PARTS = ("shortfall", "fund_start", "fund_surplus_in", "fund_paid", "fund_left", "adl_covered", "unabsorbed",
         "unabsorbed_by", "deleveraged_size", "deleveraged_notional")
# issue 7 §1 "Seen": a profitable short of 5,000 SOL in a book of 4,000 positions, 87% longs
SOL_SHORT = ["adl-risk", "--preset", "binance", "--symbol", "SOLUSDT", "--side", "short", "--entry", "220", "--size",
             "5000", "--leverage", "10", "--mark", "200"]


@pytest.fixture(scope="module")
def sol_book(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("books") / "solusdt.csv"
    write(solusdt_rows(), path)
    return str(path)


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def conserved(part: dict[str, Any]) -> None:
    """The identity to 1e-8 and the fund's cap, as a script reading the JSON would check them."""
    assert set(PARTS) <= set(part)
    total = Decimal(str(part["fund_paid"])) + Decimal(str(part["adl_covered"])) + Decimal(str(part["unabsorbed"]))
    shortfall = Decimal(str(part["shortfall"]))
    # 1e-8, or the 16 significant digits a JSON number keeps for sums beyond 1e8
    assert abs(shortfall - total) <= max(Decimal("1e-8"), Decimal("2e-16") * abs(shortfall))
    if part["fund_start"] is not None:
        assert part["fund_paid"] <= part["fund_start"] + part["fund_surplus_in"]
    assert min(part["fund_paid"], part["adl_covered"], part["unabsorbed"]) >= 0
    # what the fund leaves unpaid is the rest, to the digit
    rest = Decimal(str(part["adl_covered"])) + Decimal(str(part["unabsorbed"]))
    assert abs(Decimal(str(part["deficit"])) - rest) <= max(Decimal(0), Decimal("2e-16") * abs(shortfall))


def test_seen_sol_book_every_unit_of_the_shortfall_has_a_payer(sol_book: str) -> None:
    """Before: "ADL closes 158381.655714" while the queue closed 41792.22, and 1.08M USDT of the
    deficit was attributed to nobody. Now the text and the JSON say what was closed and who pays."""
    args = [*SOL_SHORT, "--book", sol_book, "--shock", "-10", "--insurance-fund", "20000"]
    data = json.loads(run(*args, "--json").stdout)
    event = data["event"]
    conserved(event)
    assert event["fund_start"] == 20000 and event["fund_paid"] == 20000 and event["fund_left"] == 0
    assert event["unabsorbed_by"] == "venue" and event["unabsorbed"] > 1_000_000
    # what was actually closed: the whole short side, no more
    shorts = sum(float(r["size"]) for r in data["queue"])
    assert event["deleveraged_size"] == pytest.approx(shorts) and shorts < event["handed_size"]
    assert sum(r["by_policy"]["queue"]["adl_size"] for r in data["queue"]) == pytest.approx(event["deleveraged_size"])
    text = " ".join(run(*args).stdout.split())
    said = re.search(r"Shortfall ([\d,.]+) USDT = the insurance fund ([\d,.]+) \+ the deleveraged shorts ([\d,.]+) "
                     r"\(closed at the bankruptcy price, not the mark\) \+ the venue itself ([\d,.]+) \(unabsorbed\)\.", text)
    assert said, text
    total, *parts = (Decimal(g.replace(",", "")) for g in said.groups())
    assert total == sum(parts)  # as printed, to the cent
    for printed, key in zip((total, *parts), ("shortfall", "fund_paid", "adl_covered", "unabsorbed"), strict=True):
        assert abs(printed - Decimal(str(event[key]))) <= Decimal("0.01"), key
    assert f"ADL closes {Decimal(str(event['deleveraged_size'])).normalize():,f} of the" in text
    assert "158381.655714 (" not in text  # the intended size is never said to be closed


def test_every_sweep_row_conserves_money(sol_book: str) -> None:
    data = json.loads(run(*SOL_SHORT, "--book", sol_book, "--shock", "-2:-20:-2", "--insurance-fund", "50000",
                          "--hedge-size", "2000", "--json").stdout)
    assert len(data["sweep"]) == 10
    for row in data["sweep"]:
        conserved(row)
        assert row["insurance_fund_paid"] == row["fund_paid"]
        assert row["you_remaining_size"] is not None and row["you_residual_exposure"] is not None
    reached = [r for r in data["sweep"] if r["you_adl_size"] > 0]
    assert reached and all(r["you_adl_price"] is not None and r["you_loss_vs_mark_roe_percent"] is not None for r in reached)
    last = data["sweep"][-1]
    assert last["you_residual_exposure"] == pytest.approx(-(last["you_remaining_size"] - 2000))


@pytest.mark.parametrize(("preset", "symbol", "rule", "bearer"), [
    ("okx", "BTC-USDT-SWAP", "bankruptcy", "venue"), ("hyperliquid", "BTC", "mark", "backstop_vault"),
    ("bybit", "BTCUSDT", "bankruptcy", "venue"), ("dydx", "BTC-USD", "bankruptcy", "venue")])
def test_adl_covered_follows_the_price_rule(preset: str, symbol: str, rule: str, bearer: str) -> None:
    data = json.loads(run("adl-risk", "--preset", preset, "--symbol", symbol, "--mark", "60000", "--book", BOOK,
                          "--shock", "-12", "--insurance-fund", "0", "--json").stdout)
    event = data["event"]
    conserved(event)
    assert data["adl_price_rule"] == rule and event["unabsorbed_by"] == bearer
    assert event["shortfall"] > 0
    if rule == "mark":
        assert event["adl_covered"] == 0 and event["unabsorbed"] == event["shortfall"]
    else:
        assert event["adl_covered"] > 0


def test_liquidation_event_json_is_conserved_and_rounded() -> None:
    """A split of 3 / 7 would print 16666666.66666666666666666667 without rounding."""
    result = run("adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "64000", "--size",
                 "0.5", "--leverage", "10", "--mark", "60000", "--book", BOOK, "--liquidated-size", "7",
                 "--bankruptcy-price", "61000", "--insurance-fund", "3000", "--json")
    data = json.loads(result.stdout)
    conserved(data["event"])
    amounts = {k: data[k] for k in ("event", "you", "policies")}
    del amounts["you"]["score"]  # a ranking index, not an amount
    numbers = re.findall(r"-?\d+\.(\d+)", json.dumps(amounts))
    assert numbers and max(len(d) for d in numbers) <= 8
    assert data["you"]["loss_vs_mark_roe_percent"] == pytest.approx(data["you"]["loss_vs_mark"] / data["you"]["margin"] * 100,
                                                                   abs=0.01)


def test_float_path_json_has_no_float_noise(sol_book: str) -> None:
    """Before: "fund_paid": 20000.00000000566 (above the fund it was capped at)."""
    out = run(*SOL_SHORT, "--book", sol_book, "--shock", "-4:-12:-4", "--insurance-fund", "20000", "--json").stdout
    data = json.loads(out)
    for part in [data["event"], *data["sweep"]]:
        for key in ("shortfall", "fund_paid", "adl_covered", "unabsorbed", "deleveraged_size", "deleveraged_notional"):
            assert len(repr(float(part[key])).partition(".")[2]) <= 8, (key, part[key])


def test_roe_beside_the_loss_in_table_and_words() -> None:
    result = run("adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "64000", "--size",
                 "0.5", "--leverage", "10", "--mark", "60000", "--book", BOOK, "--liquidated-size", "3",
                 "--bankruptcy-price", "61000", "--insurance-fund", "1000")
    out = " ".join(result.stdout.split())
    assert "loss vs mark (ROE) │ 15.53% │ of your margin 3,219.36 USDT" in out
    assert "a loss of 500.00 USDT against the mark (15.53% of your margin of 3,219.36 USDT)" in out


def test_without_a_book_the_adl_size_cell_says_what_the_text_says() -> None:
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size",
                 "1", "--leverage", "20", "--mark", "63000", "--liquidated-size", "2", "--bankruptcy-price", "62000")
    out = " ".join(result.stdout.split())
    assert "ADL size │ up to 1 │ worst case: no --book, rank unknown" in out
    assert "take your whole position (or the liquidated size) as closed at the ADL price, the worst case" in out


def test_sweep_table_shows_your_adl_price_and_what_is_left_of_the_hedge() -> None:
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
                 "--leverage", "20", "--mark", "66000", "--book", BOOK, "--shock", "2:10:2", "--insurance-fund", "20000",
                 "--hedge-size", "0.3")
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "ADL price" in line and "net hedged" in line)
    assert "left" in header and "ROE" in header
    assert any("67,068.52" in line and "+0.04545269" in line for line in lines)


@pytest.mark.parametrize("extra", [["--shock", "-1:-40:-1"], ["--shock", "-35"]])
def test_no_figure_is_cut_at_80_columns(sol_book: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        extra: list[str]) -> None:
    """Before: "2,302,308,026.…" in a sweep at COLUMNS=80. Positions 1,000 times larger give
    figures of that width."""
    rows = solusdt_rows(count=600)
    big = [rows[0]] + [[r[0], r[1], str(float(r[2]) * 1000), r[3], "4" if r[4] else "", str(float(r[5]) * 1000) if r[5] else ""]
                       for r in rows[1:]]
    path = tmp_path / "big.csv"
    write(big, path)
    monkeypatch.setenv("COLUMNS", "80")
    result = run("adl-risk", "--preset", "binance", "--symbol", "SOLUSDT", "--side", "short", "--entry", "220", "--size",
                 "5", "--leverage", "10", "--mark", "200", "--book", str(path), "--insurance-fund", "1000000",
                 "--hedge-size", "2", *extra)
    assert result.exit_code == 0, result.output
    assert re.search(r"\d,\d{3},\d{3},\d{3}", result.stdout)  # billions are on screen...
    assert not re.search(r"[\d.,+-]…|…[\d.,]", result.stdout)  # ...and none is cut
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


@pytest.mark.parametrize("option", [["--hedge-size", "1e22"], ["--liquidated-size", "1e25"], ["--hedge-size", "1e30"]])
def test_huge_inputs_are_answered_not_internal_errors(option: list[str]) -> None:
    """Before: "internal error: InvalidOperation" from the table renderer's quantize."""
    args = ["adl-risk", "--preset", "bybit", "--symbol", "BTCUSDT", "--side", "short", "--entry", "64000", "--size", "0.5",
            "--leverage", "10", "--mark", "60000", "--book", BOOK, "--liquidated-size", "3", "--bankruptcy-price", "61000"]
    args[args.index("--liquidated-size") + 1: args.index("--liquidated-size") + 2] = (
        [option[1]] if option[0] == "--liquidated-size" else ["3"])
    if option[0] == "--hedge-size":
        args += option
    for extra in ([], ["--json"]):
        result = run(*args, *extra)
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output and "…" not in result.stdout.replace("│    … │", "")
    conserved(json.loads(run(*args, "--json").stdout)["event"])


def test_csv_cell_over_the_field_limit_is_named(tmp_path: Path) -> None:
    path = tmp_path / "huge-cell.csv"
    path.write_text("id,side,size,entry,leverage\na,long,1,60000,10\nb,short,1,60000," + "9" * 140_000 + "\n")
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", str(path))
    assert result.exit_code == 1
    assert result.stderr == f"liqcalc: error: {path}:3: a cell longer than 131,072 characters; a book cell holds one number or id\n"


@pytest.mark.parametrize("value", ["1e-320", "1e-31", "2e31"])
def test_out_of_range_book_values_are_named_on_both_paths(tmp_path: Path, value: str) -> None:
    """Before: 1e-320 gave numpy RuntimeWarnings on the terminal and exit 0 (shock path), and an
    error naming neither file nor line (event path)."""
    path = tmp_path / "tiny.csv"
    path.write_text(f"id,side,size,entry,leverage\na,long,{value},60000,10\nb,short,1,60000,10\n")
    expected = f"liqcalc: error: {path}:2: size: '{value}' is out of range (between 1e-30 and 1e30 in size)\n"
    for event in (["--shock", "-5:5:5"], ["--liquidated-size", "1", "--bankruptcy-price", "61000", "--liquidated-side", "short"]):
        result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", str(path), *event)
        assert result.exit_code == 1 and result.stderr == expected


def test_non_ascii_digits_in_a_book_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "arabic.csv"
    path.write_text("id,side,size,entry,leverage\na,long,1,60000,10\nb,short,\u0661,60000,10\n", encoding="utf-8")
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", str(path))
    assert result.exit_code == 1
    assert result.stderr == f"liqcalc: error: {path}:3: size: expected a number in ASCII digits, got '\u0661'\n"


def test_event_path_book_errors_name_file_and_line(tmp_path: Path) -> None:
    """A row the position core refuses (leverage above the tier's) is named with its line on the
    Decimal event path as on the shock path."""
    path = tmp_path / "lev.csv"
    path.write_text("id,side,size,entry,leverage\na,long,1,60000,10\n\nb,short,1,60000,500\n")
    for event in (["--shock", "-5"], ["--liquidated-size", "1", "--bankruptcy-price", "61000", "--liquidated-side", "long"]):
        result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", str(path), *event)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"liqcalc: error: {path}:4: leverage: ") and result.stderr.count("\n") == 1


def test_help_example_runs_as_written_from_any_folder(tmp_path: Path) -> None:
    """The example in --help reads the sample book shipped inside the package (sample:btcusdt)."""
    done = subprocess.run([sys.executable, "-m", "liqcalc", "adl-risk", "--help"], capture_output=True, text=True,
                          check=True, cwd=str(tmp_path), env={"COLUMNS": "400", "PATH": ""})
    example = re.search(r"Example: (liqcalc adl-risk .*?)\s*(?:│|$)", done.stdout, re.M)
    assert example and example.group(1).split() == EXAMPLE.split()
    args = EXAMPLE.split()[1:]
    done = subprocess.run([sys.executable, "-m", "liqcalc", *args], capture_output=True, text=True, check=False,
                          cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "The smallest shock that reaches you" in done.stdout


def test_unknown_sample_book_is_named() -> None:
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", "sample:nope")
    assert result.exit_code == 2
    assert result.stderr == "liqcalc: error: --book: no sample book 'nope'; the samples are btcusdt (sample:NAME)\n"


def test_a_preset_without_unabsorbed_by_says_so() -> None:
    """A user preset written before [adl] unabsorbed_by existed still loads; the bearer is null
    and the words say the preset does not name it."""
    preset = str(Path(__file__).parent.parent / "assets" / "presets" / "valid-minimal.toml")
    args = ["adl-risk", "--preset", preset, "--symbol", "BTCUSDT", "--mark", "60000", "--book", BOOK, "--shock", "-40",
            "--insurance-fund", "0", "--no-stale-warning"]
    data = json.loads(run(*args, "--json").stdout)
    assert data["event"]["unabsorbed_by"] is None
    conserved(data["event"])
    assert "a party the preset does not name ([adl] unabsorbed_by)" in " ".join(run(*args).stdout.split())


def test_book_ids_are_shown_as_written_not_as_markup(tmp_path: Path) -> None:
    path = tmp_path / "markup.csv"
    path.write_text("id,side,size,entry,leverage\n[bold]x[/bold],short,1,70000,10\n[red],long,1,60000,10\n")
    result = run("adl-risk", "--preset", "binance", "--symbol", "BTCUSDT", "--mark", "60000", "--book", str(path),
                 "--liquidated-size", "1", "--bankruptcy-price", "59000", "--liquidated-side", "long")
    assert result.exit_code == 0, result.output
    assert "[bold]x[/bold]" in result.stdout and "[bold]x[/bold] is first" in " ".join(result.stdout.split())
