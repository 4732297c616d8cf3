"""The one error boundary: every liqcalc error becomes one line on stderr and an exit code.

An error is always one line: control characters in what it echoes (a ``--symbol`` with a
newline, a path with an escape sequence) are written as escapes. The inputs an error mentions
are named here as options (``{wallet}`` -> ``--wallet``, :func:`liqcalc.core.errors.worded`). A closed stdout (``liqcalc
... --json | head -1``) ends the command quietly, as Unix filters do.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer

from liqcalc.core.errors import LiqcalcError, option_name
from liqcalc.core.errors import escape as escape  # re-exported: the boundary's one-line rule

P = ParamSpec("P")
R = TypeVar("R")

DEBUG_VARIABLE = "LIQCALC_DEBUG"


def debugging() -> bool:
    """Whether ``LIQCALC_DEBUG`` asks for tracebacks (set, and not 0, false, no or off)."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no", "off")

#: Exit code after a closed pipe: Python's own (``python -c 'print(1)' | true`` gives 1 when
#: the write fails; https://docs.python.org/3/library/signal.html#note-on-sigpipe).
BROKEN_PIPE_EXIT = 1

def line(prefix: str, message: str) -> str:
    """One stderr line: ``liqcalc: prefix: message`` with the message escaped."""
    return f"liqcalc: {prefix}: {escape(message)}\n"


def fail(message: str, code: int) -> typer.Exit:
    """Print ``liqcalc: error: message`` (one line) on stderr and return the exit to raise."""
    sys.stderr.write(line("error", message))
    return typer.Exit(code)


def warn(message: str, prefix: str = "warning") -> None:
    """Print ``liqcalc: warning: message`` (one line) on stderr."""
    sys.stderr.write(line(prefix, message))


def closed_pipe() -> NoReturn:
    """stdout's reader went away: point stdout at /dev/null so the interpreter's final flush
    does not fail a second time, and exit with Python's code for it, saying nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test runner's buffer): nothing left to flush
    raise typer.Exit(BROKEN_PIPE_EXIT)


def _flush() -> None:
    """Flush stdout inside the boundary, so a closed pipe is seen here and not at exit."""
    flush = getattr(sys.stdout, "flush", None)
    if flush is not None:
        flush()


def describe(error: BaseException) -> tuple[str, int] | None:
    """The one-line message and exit code for an ordinary failure that is not a liqcalc
    error (a file system refusal, nesting beyond Python's limit), or None for a bug."""
    if isinstance(error, OSError):
        from liqcalc.presets.files import os_problem

        names = [str(name) for name in (error.filename, error.filename2) if name is not None]
        where = f"{' -> '.join(names)}: " if names else ""
        return f"{where}{os_problem(error)}", 1
    if isinstance(error, ValueError) and "integer string conversion" in str(error):
        from liqcalc.presets.files import too_long

        return f"the input has {too_long(error)}", 1
    if isinstance(error, UnicodeDecodeError):
        return f"the input is not UTF-8 text ({error.reason} at byte {error.start})", 1
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to read", 1
    if isinstance(error, MemoryError):
        return "out of memory: the input is too large", 1
    return None


def _not_utf8(value: object) -> str | None:
    """The first command-line value (text, path, or inside a list or dict of them) holding
    bytes that are not UTF-8 (Python keeps them as lone surrogates), or None."""
    if isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return text
        return None
    if isinstance(value, list | tuple):
        items: list[object] = list(value)
    elif isinstance(value, dict):
        items = list(value.values())
    else:
        return None
    for item in items:
        if (found := _not_utf8(item)) is not None:
            return found
    return None


def boundary(command: Callable[P, R]) -> Callable[P, R]:
    """Map exceptions to one stderr line and an exit code (0 ok, 1 domain, 2 usage).

    Set ``LIQCALC_DEBUG=1`` to see the traceback of an unexpected error.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        bad = _not_utf8([*args, *kwargs.values()])
        if bad is not None:
            raise fail(f"a command-line value is not UTF-8 text: {bad!r}; liqcalc reads UTF-8 only", 2)
        try:
            result = command(*args, **kwargs)
            _flush()
            return result
        except typer.Exit:
            try:
                _flush()
            except BrokenPipeError:
                closed_pipe()
            raise
        except BrokenPipeError:
            closed_pipe()
        except LiqcalcError as error:
            if debugging():
                raise
            raise fail(str(error.renamed(option_name)), error.exit_code) from None  # inputs as options
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except Exception as error:
            if debugging():
                raise
            described = describe(error)
            if described is not None:
                raise fail(*described) from None
            raise fail(
                f"internal error: {type(error).__name__}: {error} (set {DEBUG_VARIABLE}=1 for the traceback, "
                "and please report it)",
                1,
            ) from None

    return wrapper
