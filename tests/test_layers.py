"""The layers as imports: only the CLI imports liqcalc.cli (render, core, presets and the
application layer sit below it), and only the book module imports numpy at its top (issue 8).
ruff's TID253 bans module-level numpy/rich elsewhere; this test adds what ruff cannot say
for folders where typer and rich are allowed (render): no import of liqcalc.cli, even lazy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "liqcalc"
BELOW_THE_CLI = sorted(p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts[:1]
                       and p.name != "__main__.py")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", BELOW_THE_CLI, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_below_the_cli_imports_it(path: Path) -> None:
    assert not {n for n in imported(path) if n == "liqcalc.cli" or n.startswith("liqcalc.cli.")}


def test_core_imports_neither_typer_rich_nor_the_presets_io() -> None:
    for path in (PACKAGE / "core").glob("*.py"):
        names = imported(path)
        assert not {n for n in names if n.split(".")[0] in ("typer", "rich", "click")}, path
