"""The installed entry point, as a subprocess (no runner in between)."""

from __future__ import annotations

import json
import subprocess
import sys


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
