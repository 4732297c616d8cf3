"""The scenario pages (docs/scenarios/*.md) run as written: every ``$ liqcalc ...`` block of a
page is run in order, in an empty folder (a page's first blocks write the books its later
blocks read), and its output compared.

``LIQCALC_UPDATE_README=1 pytest tests/test_scenarios.py`` rewrites the outputs (then review
the diff), as for the README.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

PAGES = sorted((Path(__file__).parent.parent / "docs" / "scenarios").glob("*.md"))
BLOCK = re.compile(r"(```console\n\$ (liqcalc [^\n]+)\n)(.*?)(```)", re.S)


def run(command: str) -> str:
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, (command, result.output)
    return result.stdout


def test_the_three_stories_are_there() -> None:
    names = {page.name for page in PAGES}
    assert {"delisting.md", "october-2025.md", "choosing-a-venue.md"} <= names


@pytest.mark.parametrize("page", [p for p in PAGES if BLOCK.search(p.read_text(encoding="utf-8"))],
                         ids=lambda p: p.name)
def test_scenario_page_runs_as_written(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.chdir(tmp_path)
    text = page.read_text(encoding="utf-8")
    if os.environ.get("LIQCALC_UPDATE_README"):
        page.write_text(BLOCK.sub(lambda m: m.group(1) + run(m.group(2)) + m.group(4), text), encoding="utf-8")
        return
    for match in BLOCK.finditer(text):
        assert run(match.group(2)) == match.group(3), f"{page.name}: out of date: {match.group(2)}"
