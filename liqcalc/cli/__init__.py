"""The command-line interface: a thin Typer layer over the core."""

from __future__ import annotations

import sys

import typer

HELP = "Exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures."
COMMANDS = ("position", "adl-risk", "presets", "compare")


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with ``only`` one of them.

    Typer turns every option of every registered command into a click parameter at start-up
    (about half a millisecond each); a run of one command registers just that one.
    """
    app = typer.Typer(
        name="liqcalc",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        help=HELP,
    )
    if only in (None, "position"):
        from liqcalc.cli.position import position

        app.command("position", no_args_is_help=True)(position)
    if only in (None, "adl-risk"):
        from liqcalc.cli.adl_risk import adl_risk

        app.command("adl-risk", no_args_is_help=True)(adl_risk)
    if only in (None, "presets"):
        from liqcalc.cli import presets_cmd

        app.add_typer(presets_cmd.app, name="presets")
    if only in (None, "compare"):
        from liqcalc.cli.compare import compare

        app.command("compare", no_args_is_help=True)(compare)

    @app.callback()
    def _root() -> None:
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
    app = build_app(name if name in COMMANDS else None)
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
