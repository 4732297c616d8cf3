"""The short seeded fuzz run (issue 7 §6): a few hundred command lines and malformed files,
no traceback, no "internal error", every error one stderr line, exit code 0, 1 or 2.

The long run is ``python tests/fuzz/run_fuzz.py --count 5000``. Cases that hit a finding
already listed in ``liqfuzz.KNOWN`` (areas other parts of issue 7 fix) are left out here.
"""

from __future__ import annotations

from pathlib import Path

from fuzz import liqfuzz

SEED = 2026
COUNT = 250


def test_short_seeded_fuzz_gives_one_named_line_per_error(tmp_path: Path) -> None:
    pools = liqfuzz.build_workdir(tmp_path / "files", zero=False)
    failures: list[str] = []
    ran = 0
    for case in liqfuzz.generate(SEED, COUNT, pools, tmp_path / "out"):
        if case.known:
            continue
        outcome = liqfuzz.run_case(case, tmp_path, pools, timeout=10)
        ran += 1
        if outcome.problems:
            failures.append(f"{liqfuzz.shell(case.argv)} [user folder {case.user_folder}]: {outcome.problems[0]}")
    assert ran > COUNT * 0.8
    assert not failures, "\n".join(failures[:20])


def test_fuzz_cases_repeat_for_a_seed(tmp_path: Path) -> None:
    pools = liqfuzz.build_workdir(tmp_path / "files", zero=False)
    first = [c.argv for c in liqfuzz.generate(5, 50, pools, tmp_path / "out")]
    second = [c.argv for c in liqfuzz.generate(5, 50, pools, tmp_path / "out")]
    assert first == second
