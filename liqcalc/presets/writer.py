"""Write presets as TOML with tomli-w, atomically, never over a file without ``force``."""

from __future__ import annotations

import os
import stat
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from liqcalc.core.errors import PresetError


def _plain(value: Any) -> Any:
    """Decimals that are whole numbers become ints (``300000``, not ``300000.0``); dicts and
    lists are walked; ``None`` entries are dropped (TOML has no null)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dumps(data: dict[str, Any]) -> str:
    """A preset (a model dump in Python mode, or an equivalent dict) as TOML text."""
    import tomli_w

    return tomli_w.dumps(_plain(data), indent=2)


def checked_text(document: dict[str, Any], label: str) -> str:
    """``document`` as TOML, once it passes every check of ``presets validate`` (a problem is
    raised naming ``label`` and the field): a bad preset is never written."""
    from liqcalc.presets.loader import parse

    rendered = dumps(document)
    try:
        parse(Path(label), rendered.encode("utf-8"))
    except PresetError as error:
        raise PresetError(str(error)) from None  # one line, "(and N more problems)"
    return rendered


def write_atomic(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so a crash leaves the old file whole. Refuses to replace a file unless ``force``; a
    replaced file keeps its permission bits, a new one gets the usual ``0666 & ~umask``.
    Every refusal of the file system is one error naming the path."""
    from liqcalc.presets.files import os_problem

    try:
        _write_atomic(path, text, force=force)
    except OSError as error:
        raise PresetError(f"{path}: cannot be written ({os_problem(error)}{_why(path)})") from None


def _why(path: Path) -> str:
    """Which part of the path is in the way, when one is a file rather than a folder."""
    for parent in path.parents:
        try:
            if parent.exists():
                return "" if parent.is_dir() else f": {parent} is a file, not a folder"
        except OSError:
            return ""
    return ""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, text: str, *, force: bool) -> None:
    if path.is_dir():
        raise PresetError(f"{path}: is a folder; give a file path such as {path / 'venue.toml'}")
    if path.exists() and not force:
        raise PresetError(f"{path}: already exists; use --force to replace it")
    from liqcalc.presets.loader import user_dir

    if not path.parent.exists() and not _why(path) and path.parent != user_dir():
        # liqcalc makes its own presets folder, never a folder the user named by mistake
        raise PresetError(f"{path.parent}: no such folder; create it first, or give a path in an existing folder")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        if force:
            os.replace(temporary, path)
        else:
            # a hard link never replaces an existing file, even one created since the check above
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise PresetError(f"{path}: already exists; use --force to replace it") from None
            except OSError:  # a file system without hard links: the check above stands
                os.replace(temporary, path)
            else:
                Path(temporary).unlink()
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
