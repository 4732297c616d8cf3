import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

# No per-example deadline: a loaded CI machine must not turn a slow example into a failure.
settings.register_profile("liqcalc", deadline=None)
settings.load_profile("liqcalc")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep user presets and the cache out of the developer's home."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("LIQCALC_PRESETS_DIR", str(base / "user-presets"))
    # ages of presets (the 90-day warning) are counted from a fixed day, so outputs are stable
    monkeypatch.setenv("LIQCALC_TODAY", "2026-11-21")
    monkeypatch.setenv("LIQCALC_CACHE_DIR", os.environ.get("LIQCALC_TEST_CACHE", str(base / "cache")))
