"""Exceptions of the core. Non-fatal outcomes are data (``warnings``); these are for inputs
that make a calculation impossible.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: A name for an input, from its key: ``option_name`` (``--can-pay``), ``key_name`` (``can_pay``)
#: or ``keyword_name`` (``can_pay=``) in :mod:`liqcalc.app.request`.
Namer = Callable[[str], str]

#: A field in a message: ``{wallet}`` (the input's name) or ``{mode=cross}`` (the input given a value);
#: or ``{{``, a brace of the text itself (see :func:`literal`).
_FIELD = re.compile(r"\{\{|\{([a-z][a-z_]*)(?:=([a-z_]+))?\}")
#: A field that is one input's key (``mark``, ``can_pay``), not a caller's fuller name.
_KEY = re.compile(r"[a-z][a-z_]*")


def option_name(key: str) -> str:
    """The command line's name of an input: ``add_margin`` -> ``--add-margin``."""
    return "--" + key.replace("_", "-")


def field(key: str) -> str:
    """The placeholder the core writes for an input in a message (``{wallet}``)."""
    return "{" + key + "}"


def literal(text: str) -> str:
    """Text a user wrote (a preset name, a symbol, a path), made safe to put in a message
    template: its ``{`` doubled, so that no namer reads ``{mark}`` in it as an input."""
    return text.replace("{", "{{")


def worded(text: str, name: Namer) -> str:
    """``text`` with each placeholder named by ``name``: ``{wallet}`` -> ``--wallet``,
    ``wallet`` or ``wallet=``; ``{mode=cross}`` -> ``--mode cross``, ``mode "cross"`` or
    ``mode='cross'`` (the form each reader would write)."""
    if "{" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        key, value = match[1], match[2]
        if key is None:  # "{{": a brace of the text
            return "{"
        named = name(key)
        if value is None:
            return named
        if named.endswith("="):
            return f"{named}{value!r}"
        if named.startswith("-"):
            return f"{named} {value}"
        return f'{named} "{value}"'

    return _FIELD.sub(one, text)


class Note(str):
    """A warning that mentions inputs: its text words them as the command line does
    (``--fill``); ``template`` keeps the placeholders (``{fill}``) for :func:`reworded`."""

    template: str

    def __new__(cls, template: str) -> Note:
        """The note of ``template``, worded for the command line."""
        note = super().__new__(cls, worded(template, option_name))
        note.template = template
        return note


def reworded(text: str, name: Namer) -> str:
    """A warning with its inputs named by ``name`` (a plain warning names none: itself)."""
    return worded(text.template, name) if isinstance(text, Note) else text


def is_key(name: str) -> bool:
    """Whether ``name`` is an input's bare key (``mark``), which each caller names its way."""
    return _KEY.fullmatch(name) is not None

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
    """Base of every error liqcalc reports to a user as one line.

    The core writes the inputs its message mentions as placeholders (``{wallet}``, see
    :func:`worded`), never as a flag; each edge names them once with :meth:`renamed` (the
    API: ``wallet=``, a batch line: ``wallet``). Until then ``str()`` words them as the
    command line does (``--wallet``), the form the CLI boundary prints.
    """

    #: The exit code the CLI maps this error to (1: domain or data error).
    exit_code = 1
    #: The input the error is about, named for the caller (see the subclasses); None when the
    #: error is not about one input (a preset file's problem, an unknown symbol), so
    #: ``error.field`` is always there to read.
    field: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.template = message
        self.namer: Namer = option_name

    @property
    def message(self) -> str:
        """The message, its inputs named by this error's namer."""
        return worded(self.template, self.namer)

    def renamed(self, name: Namer) -> LiqcalcError:
        """The error with its inputs named by ``name`` (this one, changed, is returned)."""
        self.namer = name
        return self

    def __str__(self) -> str:
        return self.message


class InputError(LiqcalcError):
    """A value the user gave is invalid.

    ``field`` is the input: its key (``mark``, ``can_pay``; ``key`` is then True) as the core
    raises it, the caller's name once an edge has named it (``mark=`` from the API; the command line keeps
    the key and prints ``--mark``), or a caller's fuller name that no namer changes
    (``positions[2].mark``, ``line 3``, ``--entry`` when the caller named it already).
    ``problem`` is the message without the field (its other inputs still placeholders).
    """

    field: str  # always set: the input at fault

    def __init__(self, field: str, problem: str, *, key: bool = False) -> None:
        super().__init__(f"{'{' + field + '}' if key else field}: {problem}")
        self.field = field
        self.problem = problem
        #: Whether ``field`` is still an input's key, for the caller to name.
        self.key = key

    def renamed(self, name: Namer) -> LiqcalcError:
        """The error named by ``name``, its ``field`` too (``mark`` -> ``mark=``)."""
        self.field = name(self.field) if self.key else worded(self.field, name)
        self.key = False
        return super().renamed(name)


class UsageError(LiqcalcError):
    """Options that cannot be combined, or a required option missing (exit code 2).

    ``field``, when given, is the key of the input at fault (``wallet``), whoever names it."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TierError(LiqcalcError):
    """The position falls outside the tier table (beyond the last known tier)."""


class LeverageError(LiqcalcError):
    """The leverage asked for is above what the tier allows.

    ``field`` is the key of the input that set it (``leverage``, or ``margin`` when the margin
    implies it); the message names it, and the margin, the way each caller names inputs.
    """

    field: str  # always set: leverage or margin

    def __init__(self, field: str, leverage: str, rest: str, margin: str | None = None) -> None:
        self.field = field
        self.leverage = leverage
        self.rest = rest
        self.margin = margin
        implied = "" if margin is None else f" (implied by {{margin}} {margin})"
        self.template_problem = f"leverage {leverage}x{implied} {rest}"
        super().__init__(f"{{{field}}}: {self.template_problem}")

    def problem(self, name: Namer) -> str:
        """The message without the field, naming the margin with ``name``."""
        return worded(self.template_problem, name)


class PresetError(LiqcalcError):
    """A preset file is missing, unreadable or invalid; the message names file and field.

    ``problems`` holds one line per problem found (``presets validate`` prints them all).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self._problems = problems or None

    @property
    def problems(self) -> list[str]:
        """One line per problem (the message, its inputs named, when it is the only one)."""
        return self._problems if self._problems is not None else [self.message]

    def __str__(self) -> str:
        more = len(self.problems) - 1
        return self.message + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


class SymbolError(LiqcalcError):
    """The symbol is not in the preset; the message lists close names."""
