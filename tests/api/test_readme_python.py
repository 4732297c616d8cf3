"""The README's "Use from Python" example is real: each ```python block is run and its printed
output compared with the ```text block after it (``LIQCALC_UPDATE_README=1`` rewrites it)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent.parent / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```\n\n(```text\n)(.*?)(```)", re.S)


def examples() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(3)) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def run(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    return out.getvalue()


def test_readme_has_a_python_example() -> None:
    assert examples()


@pytest.mark.parametrize(("code", "expected"), examples())
def test_readme_python_example_prints_what_it_shows(code: str, expected: str) -> None:
    output = run(code)
    if os.environ.get("LIQCALC_UPDATE_README"):
        text = README.read_text(encoding="utf-8")
        text = BLOCK.sub(lambda m: m.group(0) if m.group(1) != code else
                         f"```python\n{code}```\n\n{m.group(2)}{output}{m.group(4)}", text)
        README.write_text(text, encoding="utf-8")
        return
    assert output == expected, "README's Python example is out of date"
