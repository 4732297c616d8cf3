"""``liqcalc book``: books a trader can get (``book synth``: a model book from public aggregates)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liqcalc.app.request import UsageInputError, option_name
from liqcalc.cli.errors import boundary, warn
from liqcalc.cli.options import PresetOpt, SymbolOpt
from liqcalc.core.errors import UsageError

app = typer.Typer(no_args_is_help=True, help="Books a trader can get: a model book from public aggregates (book synth).")

DEFAULT_MIX = "2:10,5:25,10:30,20:25,50:10"  # liqcalc.app.synth.DEFAULT_MIX, written here so --help needs no import


@app.command("synth")
@boundary
def synth(
    *,
    preset: PresetOpt = None,
    symbol: SymbolOpt = None,
    mark: Annotated[str | None, typer.Option(metavar="PRICE", help="The mark price the entries spread around.")] = None,
    open_interest: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Open interest of one side, in quote value at the mark (long and short open interest are equal).")] = None,
    long_share: Annotated[str, typer.Option(metavar="PCT", help="Percent of the positions (accounts) that are long: the venue's long/short account ratio.")] = "50",
    leverage_mix: Annotated[str, typer.Option(metavar="LEV:PCT,...", help="Leverages and the percent of positions at each (capped at the tier table's maximum).")] = DEFAULT_MIX,
    entry_spread: Annotated[str, typer.Option(metavar="PCT", help="Standard deviation of ln(entry / mark), in percent, at most 100 (entries from about 1/5000 to 5000 times the mark).")] = "2",
    positions: Annotated[int, typer.Option(metavar="N", help="How many positions.")] = 1000,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the random draws: the same seed writes the same book.")] = 0,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE", help="Write the book to FILE (default: standard output, CSV): Parquet when FILE ends in .parquet or .pq, Arrow IPC when it ends in .arrow, .feather or .ipc, else CSV.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output if it exists.")] = False,
) -> None:
    """A model book from public aggregates, in a format adl-risk --book reads (CSV, Parquet or
    Arrow IPC): open interest equal on both sides to the lot, the long/short account ratio, a
    leverage mix, entries spread around the mark, log-normal sizes; the same seed writes the same
    book. An inverse symbol's sizes are whole contracts; presets without ADL are refused, as
    adl-risk refuses them.
    The model is described in docs/book-synth.md (in the source repository).

    Example: liqcalc book synth --preset binance --symbol BTCUSDT --mark 60000 --open-interest 30000000 --long-share 60 --positions 20 --seed 7
    """
    from liqcalc.app.synth import synth_book
    from liqcalc.render.synth import summary

    for key, given in (("preset", preset), ("symbol", symbol), ("mark", mark), ("open_interest", open_interest)):
        if given is None:
            raise UsageError(f"{option_name(key)}: missing", key)
    assert preset is not None and symbol is not None
    target = None if output is None or output == "-" else Path(output)
    if target is not None and target.exists() and not force:
        raise UsageError(f"--output: {output} exists; give --force to overwrite it", "output")
    report = synth_book(preset=preset, symbol=symbol, mark=mark, open_interest=open_interest, long_share=long_share,
                        leverage_mix=leverage_mix, entry_spread=entry_spread, positions=positions, seed=seed,
                        name=option_name, error=UsageInputError)
    if target is None:
        from liqcalc.cli.emit import out

        out(report.to_csv())
        warn(summary(report, "standard output"), "note")
        return
    from liqcalc.app.books import output_format

    try:
        target.write_bytes(report.to_bytes(output_format(str(target))))
    except OSError as problem:
        raise UsageError(f"--output: cannot write {output} ({problem.strerror})", "output") from None
    warn(summary(report, str(target)), "note")
