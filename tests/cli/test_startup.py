"""Start-up work of the command line that the benchmark counts (benchmarks/bench_position.py)."""

from __future__ import annotations


def test_position_annotations_are_objects_not_strings_for_typer_to_evaluate() -> None:
    """Typer evaluates string annotations twice per start; position's come as objects."""
    from liqcalc.cli.position import position

    assert not any(isinstance(a, str) for a in position.__annotations__.values())


def test_position_json_imports_neither_pydantic_nor_json_nor_other_reports() -> None:
    """Typer builds a pydantic TypeAdapter per option at every start, given or not; liqcalc's
    options are text (checked by liqcalc.app.request) or absent, so none is built, and
    pydantic is never imported on the JSON path (the benchmark's floor imports it). The JSON
    is written without the json package (its string escaping is the C accelerator's), and the
    other commands' reports (their dataclasses) are not created."""
    import subprocess
    import sys
    import tempfile

    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write(' '.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('pydantic', 'json') or m in ('typer._adapters', 'liqcalc.app.account', "
            "'liqcalc.app.compare', 'liqcalc.app.adl')))))\n"
            "sys.argv = ['liqcalc', *sys.argv[1:]]\n"
            "from liqcalc.cli import main\n"
            "main()\n")
    args = ["position", "--preset", "binance", "--symbol", "BTCUSDT", "--side", "long", "--entry", "60000", "--size", "1",
            "--leverage", "5,10", "--leverage", "20", "--can-pay", "insurance_fund=5", "--fill", "50000", "--json"]
    for _run in ("cold", "warm"):  # the first run validates the preset (with pydantic) and caches it
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                              cwd=tempfile.gettempdir())
        assert done.returncode == 0, done.stderr
    assert done.stderr.split() == []


def test_options_typer_coerces_still_go_through_typer() -> None:
    """A path, a choice and a value that is not text are coerced by Typer as before."""
    from pathlib import Path

    import pytest

    pytest.importorskip("typer._coercion", reason="a Typer that builds no adapters (before 0.29) is left as it is")

    from typer.testing import CliRunner

    from liqcalc.cli import _TEXT, app

    runner = CliRunner()
    account = Path(__file__).parent.parent / "assets" / "accounts" / "binance-cross.json"
    result = runner.invoke(app, ["position", "--account", str(account), "--format", "JSON", "--no-stale-warning"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["position", "--preset", "binance", "--format", "xml"])
    assert result.exit_code == 2 and "xml" in result.output

    class Param:  # a text option given bytes (no command line gives them): Typer's own str coercion
        multiple, nargs, name = False, 1, "preset"
        _runtime_param: object = _TEXT

        def get_runtime_param(self) -> object:
            from typer._coercion import build_runtime_param, resolve_type_descriptor
            from typer.models import OptionInfo

            if self._runtime_param is None:
                self._runtime_param = build_runtime_param(resolve_type_descriptor(str, OptionInfo()))
            return self._runtime_param

    param = Param()
    assert _TEXT.coerce(b"binance", param, None) == "binance"
    assert param._runtime_param is not _TEXT
    assert _TEXT.coerce("binance", Param(), None) == "binance"
    assert _TEXT.coerce(None, Param(), None) is None


def test_json_strings_and_integers_are_written_as_json_dumps_writes_them() -> None:
    import enum
    import json

    from liqcalc.core.errors import Note
    from liqcalc.render.numbers import dumps

    class Level(enum.IntEnum):
        high = 3

    for value in ['a"b\\ é\u2028\n\x00\ud800', "", 5, -3, 10**30, Level.high, Note("{fill} is late")]:
        assert dumps(value) == json.dumps(value), value
    assert dumps({"é": ["x", 1]}) == json.dumps({"é": ["x", 1]})


def test_a_text_option_with_its_own_parser_keeps_typers_coercion() -> None:
    from types import SimpleNamespace

    from liqcalc.cli import _OTHER, _TEXT, _given

    def param(**info: object) -> SimpleNamespace:
        descriptor = SimpleNamespace(annotation=str, parameter_info=SimpleNamespace(parser=None, click_type=None) if not info
                                     else SimpleNamespace(**{"parser": None, "click_type": None, **info}))
        return SimpleNamespace(type_descriptor=descriptor, _runtime_param=None)

    assert _given(param())._runtime_param is _TEXT
    assert _given(param(parser=str.upper))._runtime_param is _OTHER
    built = param()
    built._runtime_param = "Typer's own"
    assert _given(built)._runtime_param == "Typer's own"  # built already: left alone
