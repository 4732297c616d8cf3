"""The README's examples are real output: every ``$ liqcalc ...`` block is run and compared.

``LIQCALC_UPDATE_README=1 pytest tests/test_readme.py`` rewrites the blocks from the current
code (then review the diff).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcalc.cli import app

README = Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"(```console\n\$ (liqcalc [^\n]+)\n)(.*?)(```)", re.S)
JSON_TOOL = " | python -m json.tool"


def run(command: str) -> str:
    pretty = command.endswith(JSON_TOOL)
    args = shlex.split(command.removesuffix(JSON_TOOL))[1:]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (command, result.output)
    output = result.stdout
    if pretty:
        output = json.dumps(json.loads(output), indent=4) + "\n"
    return output


def examples() -> list[tuple[str, str]]:
    return [(m.group(2), m.group(3)) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def test_readme_has_examples() -> None:
    assert len(examples()) >= 3


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[c[:70] for c, _ in examples()])
def test_readme_example_is_current(command: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    if os.environ.get("LIQCALC_UPDATE_README"):
        text = README.read_text(encoding="utf-8")
        text = BLOCK.sub(lambda m: m.group(1) + run(m.group(2)) + m.group(4) if m.group(2) == command else m.group(0), text)
        README.write_text(text, encoding="utf-8")
        return
    assert run(command) == expected, f"README example out of date: {command}"
