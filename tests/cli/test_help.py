"""Every command has help text and an example; the help reads as prose (no type placeholders,
no paragraph broken mid-sentence) and every example runs as written from any folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from liqcalc import __version__
from liqcalc.cli import app, build_app, reflow


def command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            paths.append([name])
            paths.extend([name, child] for child in sub)
        else:
            paths.append([name])
    return paths


def leaf_paths() -> list[list[str]]:
    return [p for p in command_paths() if not getattr(_command(p), "commands", None)]


def _command(path: list[str]) -> typer.core.TyperCommand:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command  # type: ignore[return-value]


def help_text(path: list[str], columns: int) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(columns), "TERMINAL_WIDTH": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_commands_of_the_issues_exist() -> None:
    names = {" ".join(p) for p in command_paths()}
    assert {"position", "compare", "presets list", "presets show", "presets validate", "presets import"} <= names


@pytest.mark.parametrize("path", leaf_paths(), ids=lambda p: " ".join(p))
def test_help_has_an_example(path: list[str]) -> None:
    assert "Example: liqcalc " + " ".join(path) in help_text(path, 400)


ALL_HELP = [[], *command_paths()]


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("path", ALL_HELP, ids=lambda p: " ".join(p) or "liqcalc")
def test_help_has_no_type_placeholders(path: list[str], columns: int) -> None:
    # seen: `--json <bool>`, `--symbol <str>`, `FILE... <list[Path]>` (issue 7, §3)
    text = help_text(path, columns)
    assert not re.search(r"<[A-Za-z][\w\[\], ]*>", text), text


@pytest.mark.parametrize("path", ALL_HELP, ids=lambda p: " ".join(p) or "liqcalc")
def test_help_paragraphs_are_not_broken_mid_sentence(path: list[str]) -> None:
    """On a wide terminal every paragraph of prose is one line, and so is each command's
    summary in a group's list (seen: "what a liquidation / or a price shock" in two lines)."""
    text = help_text(path, 400)
    description, _, panels = text.partition("╭")
    for line in description.splitlines():
        line = line.strip()
        if line and not line.startswith(("Usage:", "Example", "liqcalc ")):
            assert line.endswith((".", ":", ")", "?", "!", "`")), f"paragraph broken after {line!r}"
    if "─ Commands ─" in panels:
        rows = [row for row in panels.split("─ Commands ─", 1)[1].splitlines() if row.startswith("│")]
        assert rows and all(re.match(r"│ [a-z-]+ ", row) for row in rows), rows


def test_reflow_joins_a_paragraph_and_keeps_examples_and_unwrapped_blocks() -> None:
    text = "Events: a\n  liquidation or a shock.\n\nExamples:\nliqcalc a --b\nliqcalc c\n\n\b\nkeep\nthis"
    assert reflow(text) == "Events: a liquidation or a shock.\n\nExamples:\nliqcalc a --b\nliqcalc c\n\n\b\nkeep\nthis"


# -- the examples ---------------------------------------------------------------------------

EXAMPLE = re.compile(r"^[│ ]*(?:Examples?:\s*)?(?:\$\s*)?(liqcalc\s.*?)[│ ]*$")


def examples() -> list[tuple[str, str]]:
    """(command path, example) for every example line in every --help."""
    found: list[tuple[str, str]] = []
    for path in ALL_HELP:
        matches = [EXAMPLE.match(line) for line in help_text(path, 1000).splitlines() if "Usage:" not in line]
        found.extend((" ".join(path), match.group(1)) for match in matches if match)
    return found


WAITING = {
}

#: Examples that download from a venue: run against a local server in tests/presets/test_fetch.py.
NETWORK = {
    "presets fetch": "downloads from the venue's API",
}


def _cases() -> list[object]:
    cases: list[object] = []
    for path, example in examples():
        marks = [pytest.mark.xfail(reason=WAITING[path], strict=True)] if path in WAITING else []
        if path in NETWORK:
            marks.append(pytest.mark.skip(reason=NETWORK[path]))
        cases.append(pytest.param(example, marks=marks, id=example))
    return cases


def test_every_leaf_command_has_an_example_found_by_the_extractor() -> None:
    assert {path for path, _ in examples()} >= {" ".join(p) for p in leaf_paths()}


@pytest.mark.parametrize("example", _cases())
def test_help_example_runs_as_written_from_another_folder(example: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = shlex.split(example)
    assert args[0] == "liqcalc"
    result = CliRunner().invoke(app, args[1:])
    assert result.exit_code == 0, f"{example}\n{result.stdout}\n{result.stderr}"


# -- --version and shell completion -----------------------------------------------------------


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"liqcalc {__version__}\n"


def test_show_completion_prints_a_script_for_the_shell() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert result.exit_code == 0, result.output
    assert "_LIQCALC_COMPLETE=complete_bash" in result.stdout
    assert "complete -o default -F _liqcalc_completion liqcalc" in result.stdout


def test_a_single_command_run_registers_neither_completion_nor_other_commands() -> None:
    """Start-up speed: `liqcalc position ...` builds only its own command (benchmarks/bench_position.py)."""
    root = typer.main.get_command(build_app("position"))
    assert list(root.commands) == ["position"]  # type: ignore[attr-defined]
    assert {p.name for p in root.params} == {"version"}
    assert list(typer.main.get_command(build_app("")).commands) == []  # type: ignore[attr-defined]
    whole = typer.main.get_command(build_app())
    assert {"install_completion", "show_completion", "version"} <= {p.name for p in whole.params}


@pytest.mark.parametrize("command", ["position", "adl-risk"])
def test_help_names_the_plot_extra_whole(command: str) -> None:
    # rich reads a bare [plot] as markup and drops it: the copied command would install no plotting
    done = subprocess.run([sys.executable, "-m", "liqcalc", command, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "300"}, cwd=tempfile.gettempdir(), check=False)
    assert '"liqcalc[plot]"' in done.stdout
