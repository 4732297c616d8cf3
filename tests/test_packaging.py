"""The wheel ships every package of liqcalc: pyproject lists them by name, so a new folder
(seen: liqcalc/app, missing from the wheel, `ModuleNotFoundError` from an installed liqcalc)
must be added there too."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_liqcalc_package_is_in_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "liqcalc").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
