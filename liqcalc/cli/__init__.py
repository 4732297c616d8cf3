"""The command-line interface: a thin Typer layer over the core."""

from __future__ import annotations

import inspect
import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

HELP = "Exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures."
COMMANDS = ("position", "adl-risk", "presets", "compare", "book")

# A line that starts one of its own inside a paragraph of help: an example, a list item.
_OWN_LINE = re.compile(r"\s*(liqcalc\s|\$\s|Examples?:|- |• )")


def reflow(text: str | None) -> str | None:
    """Help text with each paragraph on one line, for the terminal to wrap.

    Typer's rich help keeps the single line breaks of a docstring, so a paragraph written over
    three source lines is printed broken mid-sentence at every width; examples and list items
    keep a line of their own, and a paragraph that starts with ``\\b`` is left as written.
    """
    if not text:
        return text
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if paragraph.startswith("\b"):
            paragraphs.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.split("\n"):
            if lines and not _OWN_LINE.match(line):
                lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
            else:
                lines.append(line.strip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


class _Argument(TyperArgument):
    """An argument whose help row shows its metavar (``NAME|PATH``) without Typer's type
    placeholder (``<str>``, ``<list[Path]>``) beside it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _quiet(param: Any) -> Any:
    """Help without type placeholders: a flag takes no value (no ``<bool>``), an option
    without a metavar is named after itself (``--name NAME``), an argument shows its metavar."""
    if isinstance(param, TyperOption) and param.metavar is None:
        param.metavar = "" if param.is_flag else (param.name or "value").upper()
    elif type(param) is TyperArgument:
        param.__class__ = _Argument
    return param


class _Given:
    """How an option's value is checked, for the values the command line gives: a missing
    option is None (or ``()`` when repeatable), a text option is its text, a repeatable text
    option the list of its texts; any other value goes to Typer's own coercion.

    Typer builds a pydantic ``TypeAdapter`` for every parameter of the command at every start,
    given or not (about half a millisecond each; ``position`` has 24), only to pass text
    through: liqcalc takes its numbers as text and checks them itself (:mod:`liqcalc.app.request`).
    """

    __slots__ = ("text", "whole")

    def __init__(self, text: bool, whole: bool = False) -> None:
        self.text = text  # a str (or list[str]) option: its given text is its value
        self.whole = whole  # an int option: its text is a whole number, or one liqcalc line says it is not

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        several = param.multiple or param.nargs == -1
        if value is None:
            return () if several else None
        if self.whole and not several and type(value) is str:
            if _WHOLE.fullmatch(value) is None:
                raise _NotWhole(param, value)
            return int(value)
        if self.text and not several and type(value) is str:
            return value
        if self.text and several and type(value) in (list, tuple) and all(type(v) is str for v in value):
            return list(value)
        param._runtime_param = None  # anything else: Typer's own coercion, built now
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


_TEXT, _OTHER, _INT = _Given(text=True), _Given(text=False), _Given(text=False, whole=True)
_WHOLE = re.compile(r"\s*[+-]?\d+\s*")


class _NotWhole(typer.BadParameter):
    """A whole-number option given something else: ``--samples: expected a whole number, got '2.5'``
    (click's own words would be pydantic's "Input should be a valid integer, ...")."""

    def __init__(self, param: Any, value: str) -> None:
        super().__init__(f"expected a whole number, got {value!r}", param=param)
        self.value = value

    def format_message(self) -> str:
        option = max(self.param.opts, key=len) if self.param is not None and self.param.opts else "value"
        return f"{option}: {self.message}"


def _given(param: Any) -> Any:
    """``param`` checked by :class:`_Given` until a value needs Typer's coercion (a Typer
    without ``_runtime_param`` is left as it is)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None and getattr(param, "_runtime_param", False) is None:
        info = descriptor.parameter_info  # an option with its own parser keeps it
        plain = getattr(info, "parser", None) is None and getattr(info, "click_type", None) is None
        annotation = descriptor.annotation
        param._runtime_param = (_TEXT if plain and annotation in (str, list[str])
                                else _INT if plain and annotation in (int, int | None) else _OTHER)
    return param


class Command(TyperCommand):
    """A command whose help reads as prose (see :func:`reflow` and :func:`_quiet`), and whose
    options cost no pydantic adapter when they are not given or are text (:class:`_Given`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)

    def get_params(self, ctx: Any) -> list[Any]:
        return [_given(_quiet(p)) for p in super().get_params(ctx)]


class Group(TyperGroup):
    """A group whose help reads as prose, like :class:`Command`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)

    def get_params(self, ctx: Any) -> list[Any]:
        return [_given(_quiet(p)) for p in super().get_params(ctx)]


def _version(value: bool) -> None:
    if value:
        from liqcalc import __version__

        sys.stdout.write(f"liqcalc {__version__}\n")
        raise typer.Exit()


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with ``only`` one of them (``""``: none, for
    ``--version``).

    Typer turns every option of every registered command into a click parameter at start-up
    (about half a millisecond each); a run of one command registers just that one. Shell
    completion (``--install-completion``, ``--show-completion``, and the completion requests
    of the shell, which name no command) needs every command, so only the whole app has it.
    """
    app = typer.Typer(
        name="liqcalc",
        cls=Group,
        no_args_is_help=True,
        add_completion=only is None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        help=HELP,
    )
    if only in (None, "position"):
        from liqcalc.cli.position import position

        app.command("position", no_args_is_help=True, cls=Command)(position)
    if only in (None, "adl-risk"):
        from liqcalc.cli.adl_risk import adl_risk

        app.command("adl-risk", no_args_is_help=True, cls=Command)(adl_risk)
    if only in (None, "presets"):
        from liqcalc.cli import presets_cmd

        for info in presets_cmd.app.registered_commands:  # its commands read as prose too
            if info.cls in (None, TyperCommand):
                info.cls = Command
        app.add_typer(presets_cmd.app, name="presets", cls=Group)
    if only in (None, "book"):
        from liqcalc.cli import book_cmd

        for info in book_cmd.app.registered_commands:  # its commands read as prose too
            if info.cls in (None, TyperCommand):
                info.cls = Command
        app.add_typer(book_cmd.app, name="book", cls=Group)
    if only in (None, "compare"):
        from liqcalc.cli.compare import compare

        app.command("compare", no_args_is_help=True, cls=Command)(compare)

    @app.callback()
    def _root(
        version: Annotated[
            bool, typer.Option("--version", is_eager=True, callback=_version, help="Print liqcalc's version and exit.")
        ] = False,
    ) -> None:
        """Exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures.

        Exit codes: 0 ok, 1 domain or data error, 2 usage error.
        """

    return app


_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """``liqcalc.cli.app``, the whole app (tests, ``typer.main.get_command``), built on first use
    so that the entry point does not import every command's module."""
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        _app = build_app()
    return _app


def main() -> None:
    """Console entry point: registers only the command being run, and turns Typer's own usage
    errors (an unknown option, a missing value) into one line on stderr, exit code 2."""
    name = sys.argv[1] if len(sys.argv) > 1 else None
    app = build_app(name if name in COMMANDS else "" if sys.argv[1:] == ["--version"] else None)
    try:
        code = app(standalone_mode=False)
    except Exception as error:
        # click's UsageError family, recognised by its interface (the CLI never imports click)
        message, exit_code = getattr(error, "format_message", None), getattr(error, "exit_code", None)
        if message is None or not isinstance(exit_code, int):
            raise
        if type(error).__name__ == "NoArgsIsHelpError":
            app()  # Typer prints the help, as it does on its own, and exits 2
        from liqcalc.cli.errors import escape

        sys.stderr.write(f"liqcalc: error: {escape(' '.join(str(message()).split()))}\n")
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)
