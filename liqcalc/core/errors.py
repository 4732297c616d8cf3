"""Exceptions of the core. Non-fatal outcomes are data (``warnings``); these are for inputs
that make a calculation impossible.
"""

from __future__ import annotations

from collections.abc import Callable

#: Control characters written by name in :func:`escape`.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    r"""``text`` with every control, format, line or paragraph separator and lone surrogate
    character written as an escape (``\n``, ``\x07``, ``\u2028``), so it prints on one line
    and cannot steer the terminal (errors are one line, whatever they echo)."""
    if text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        if char in _NAMED:
            out.append(_NAMED[char])
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


class LiqcalcError(Exception):
    """Base of every error liqcalc reports to a user as one line."""

    #: The exit code the CLI maps this error to (1: domain or data error).
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(LiqcalcError):
    """A value the user gave is invalid; ``field`` names the option or file field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UsageError(LiqcalcError):
    """Options that cannot be combined, or a required option missing (exit code 2)."""

    exit_code = 2


class TierError(LiqcalcError):
    """The position falls outside the tier table (beyond the last known tier)."""


class LeverageError(LiqcalcError):
    """The leverage asked for is above what the tier allows.

    ``field`` is the input that set it (``leverage``, or ``margin`` when the margin implies
    it); :meth:`problem` words it with each caller's names for the inputs (``--margin`` on the
    command line, ``margin`` in a book row), so no caller rewrites another's message.
    """

    def __init__(self, field: str, leverage: str, rest: str, margin: str | None = None,
                 name: Callable[[str], str] = lambda key: "--" + key) -> None:
        self.field = field
        self.leverage = leverage
        self.rest = rest
        self.margin = margin
        super().__init__(f"{name(field)}: {self.problem(name)}")

    def renamed(self, name: Callable[[str], str]) -> LeverageError:
        """The same error, its inputs named by ``name`` (``margin=`` from Python)."""
        return LeverageError(self.field, self.leverage, self.rest, self.margin, name=name)

    def problem(self, name: Callable[[str], str]) -> str:
        """The message without the field, naming the margin with ``name``."""
        implied = "" if self.margin is None else f" (implied by {name('margin')} {self.margin})"
        return f"leverage {self.leverage}x{implied} {self.rest}"


class PresetError(LiqcalcError):
    """A preset file is missing, unreadable or invalid; the message names file and field.

    ``problems`` holds one line per problem found (``presets validate`` prints them all).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]

    def __str__(self) -> str:
        more = len(self.problems) - 1
        return self.message + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


class SymbolError(LiqcalcError):
    """The symbol is not in the preset; the message lists close names."""
