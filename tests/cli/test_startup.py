"""Start-up work of the command line that the benchmark counts (benchmarks/bench_position.py)."""

from __future__ import annotations


def test_position_annotations_are_objects_not_strings_for_typer_to_evaluate() -> None:
    """Typer evaluates string annotations twice per start; position's come as objects."""
    from liqcalc.cli.position import position

    assert not any(isinstance(a, str) for a in position.__annotations__.values())
