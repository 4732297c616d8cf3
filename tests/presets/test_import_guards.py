"""``presets import`` never writes over the response it reads, only writes a file ``--preset``
can read back, and never dates data in the future (new-user trial of issue 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from liqcalc.cli import app

RESPONSE = Path(__file__).parent.parent / "assets" / "responses" / "bybit-risk-limit.json"


def run(*args: str) -> object:
    return CliRunner().invoke(app, ["presets", "import", *args, "--format", "bybit", "--like", "bybit"])


def test_output_onto_the_response_itself_is_refused_even_with_force(tmp_path: Path) -> None:
    source = tmp_path / "risk.toml"  # a response saved under a .toml name
    shutil.copy(RESPONSE, source)
    before = source.read_bytes()
    result = run(str(source), "--output", str(source), "--force")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr == (  # type: ignore[attr-defined]
        f"liqcalc: error: --output: {source} is the response being imported; write the preset to another file\n")
    assert source.read_bytes() == before


def test_output_must_end_in_toml(tmp_path: Path) -> None:
    result = run(str(RESPONSE), "--output", str(tmp_path / "bybit.txt"))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "does not end in .toml; --preset reads a preset file by that suffix" in result.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / "bybit.txt").exists()


def test_as_of_after_today_is_refused(tmp_path: Path) -> None:
    result = run(str(RESPONSE), "--output", str(tmp_path / "b.toml"), "--as-of", "2030-01-01")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert result.stderr == ("liqcalc: error: --as-of: 2030-01-01 is after today (2026-11-21); give the date "  # type: ignore[attr-defined]
                             "the data was fetched\n")
