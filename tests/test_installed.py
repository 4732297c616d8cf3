"""The installed entry point, as a subprocess (no runner in between)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# The console script pip installed next to the interpreter: the shell's completion calls it by name.
ENTRY_POINT = str(Path(sys.executable).parent / "liqcalc")
needs_entry_point = pytest.mark.skipif(not Path(ENTRY_POINT).is_file(), reason="liqcalc is not installed beside python")


def test_python_dash_m_help() -> None:
    done = subprocess.run([sys.executable, "-m", "liqcalc", "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "position" in done.stdout


def test_position_json_from_another_folder(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "liqcalc", "position", "--preset", "binance", "--symbol", "BTC", "--side", "short",
         "--entry", "60000", "--size", "1", "--leverage", "20", "--json"],
        capture_output=True, text=True, check=False, cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert round(json.loads(done.stdout)["liquidation_price"], 2) == 62749.0


def test_typer_usage_errors_are_one_line() -> None:
    """Typer's own parsing errors (unknown option, missing value) come out as one line too."""
    for args, message in ((["position", "--bogus"], "No such option: --bogus"),
                          (["position", "--leverage"], "Option '--leverage' requires an argument."),
                          (["frobnicate"], "No such command 'frobnicate'.")):
        done = subprocess.run([sys.executable, "-m", "liqcalc", *args], capture_output=True, text=True, check=False)
        assert done.returncode == 2
        assert done.stderr == f"liqcalc: error: {message}\n"


def test_version_from_the_entry_point_imports_no_command() -> None:
    """`liqcalc --version` answers without building the commands (the start-up path stays short)."""
    from liqcalc import __version__

    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write(' '.join(sorted(m for m in sys.modules if m.startswith('liqcalc.cli.')))))\n"
            "sys.argv = ['liqcalc', '--version']\n"
            "from liqcalc.cli import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"liqcalc {__version__}\n"
    assert done.stderr.split() == []


@needs_entry_point
def test_shell_completion_request_completes_commands_and_options(tmp_path: object) -> None:
    """What the script of `liqcalc --install-completion` runs on <TAB>: the shell names no command."""
    import os

    for words, cword, expected in (("liqcalc comp", "1", "compare"), ("liqcalc compare --insurance", "2", "--insurance-fund")):
        env = {**os.environ, "_LIQCALC_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword}
        done = subprocess.run([ENTRY_POINT], capture_output=True, text=True, check=False, env=env,
                              cwd=str(tmp_path))
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout.split()


@needs_entry_point
def test_install_completion_writes_the_script_for_the_shell(tmp_path: object) -> None:
    import os

    home = Path(str(tmp_path))
    env = {**os.environ, "HOME": str(home), "SHELL": "/bin/bash"}
    done = subprocess.run([ENTRY_POINT, "--install-completion", "bash"], capture_output=True,
                          text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    scripts = list(home.rglob("*liqcalc*"))
    assert scripts, done.stdout
    assert any("_LIQCALC_COMPLETE" in p.read_text() for p in scripts if p.is_file())
