"""The one error boundary: every liqcalc error becomes one line on stderr and an exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from liqcalc.core.errors import LiqcalcError

P = ParamSpec("P")
R = TypeVar("R")

DEBUG_VARIABLE = "LIQCALC_DEBUG"


def fail(message: str, code: int) -> typer.Exit:
    """Print ``liqcalc: error: message`` on stderr and return the exit to raise."""
    sys.stderr.write(f"liqcalc: error: {message}\n")
    return typer.Exit(code)


def boundary(command: Callable[P, R]) -> Callable[P, R]:
    """Map exceptions to one stderr line and an exit code (0 ok, 1 domain, 2 usage).

    Set ``LIQCALC_DEBUG=1`` to see the traceback of an unexpected error.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except LiqcalcError as error:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            raise fail(str(error), error.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except Exception as error:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            raise fail(
                f"internal error: {type(error).__name__}: {error} (set {DEBUG_VARIABLE}=1 for the traceback, "
                "and please report it)",
                1,
            ) from None

    return wrapper
