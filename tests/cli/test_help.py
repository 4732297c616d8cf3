"""Every command has help text and an example."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from liqcalc.cli import app


def command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            paths.extend([name, child] for child in sub)
        else:
            paths.append([name])
    return paths


def test_the_commands_of_the_issues_exist() -> None:
    names = {" ".join(p) for p in command_paths()}
    assert {"position", "compare", "presets list", "presets show", "presets validate", "presets import"} <= names


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p))
def test_help_has_an_example(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: liqcalc " + " ".join(path) in result.stdout.replace("\n", " ")
