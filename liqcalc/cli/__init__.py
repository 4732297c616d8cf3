"""The command-line interface: a thin Typer layer over the core."""

from __future__ import annotations

import typer

from liqcalc.cli import presets_cmd
from liqcalc.cli.adl_risk import adl_risk
from liqcalc.cli.compare import compare
from liqcalc.cli.position import position

app = typer.Typer(
    name="liqcalc",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures.",
)
app.command("position", no_args_is_help=True)(position)
app.command("adl-risk", no_args_is_help=True)(adl_risk)
app.add_typer(presets_cmd.app, name="presets")
app.command("compare", no_args_is_help=True)(compare)


@app.callback()
def _root() -> None:
    """Exchange-faithful liquidation, bankruptcy and ADL what-ifs for perpetual futures.

    Exit codes: 0 ok, 1 domain or data error, 2 usage error.
    """


def main() -> None:
    """Console entry point."""
    app()
