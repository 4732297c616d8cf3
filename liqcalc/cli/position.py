"""``liqcalc position``: liquidation and bankruptcy prices, and where the money goes.

No ``from __future__ import annotations`` here: Typer reads the command's annotations at every
start (``inspect.signature(eval_str=True)`` and ``get_type_hints``), and as strings each of the
28 options' ``Annotated[...]`` is compiled and evaluated twice (about 1.4 ms a start); as
objects they come ready from the bytecode.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from liqcalc.app.position import Line, check_defaults, evaluate
from liqcalc.app.request import UsageInputError, option_name
from liqcalc.app.session import Session
from liqcalc.cli.emit import emit
from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
    FormatOpt,
    InsuranceFundOpt,
    JsonOpt,
    MarginOpt,
    MarkOpt,
    ModeOpt,
    NoStaleWarningOpt,
    NotionalOpt,
    PresetOpt,
    SideOpt,
    SizeOpt,
    SymbolOpt,
    WalletOpt,
)
from liqcalc.cli.options import output_format as choose
from liqcalc.core.errors import InputError, LiqcalcError, UsageError
from liqcalc.render import OutputFormat

#: ``--format csv`` with ``--input`` and no ``--fields`` (liqcalc.app.batch.COMPACT, spelled here
#: so that --help does not import the batch).
COMPACT = ("line", "symbol", "side", "entry", "size", "mark", "notional", "leverage", "initial_margin", "margin_balance",
           "maintenance_margin", "margin_asset", "liquidation_price", "bankruptcy_price", "contract_type")

EXAMPLE = "liqcalc position --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20"


def position(
    *,
    preset: PresetOpt = None,
    symbol: SymbolOpt = None,
    side: SideOpt = None,
    entry: EntryOpt = None,
    size: SizeOpt = None,
    notional: NotionalOpt = None,
    leverage: Annotated[list[str] | None, typer.Option(metavar="X", help="Leverage; repeat it (or give 5,10,20) for one row each.")] = None,
    margin: MarginOpt = None,
    mark: MarkOpt = None,
    add_margin: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Margin added to the isolated position.")] = None,
    funding: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Funding paid out of the margin so far (negative when received).")] = None,
    mmr: Annotated[str | None, typer.Option(metavar="RATE", help="Maintenance rate overriding the tier table (0.005 = 0.5%).")] = None,
    maint_amount: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Maintenance amount going with --mmr.")] = None,
    mode: ModeOpt = None,
    wallet: WalletOpt = None,
    account: Annotated[Path | None, typer.Option(metavar="FILE", help="A JSON or TOML cross account: preset, wallet, positions.")] = None,
    fill: Annotated[str | None, typer.Option(metavar="PRICE", help="The average price the liquidation order fills at.")] = None,
    insurance_fund: InsuranceFundOpt = None,
    can_pay: Annotated[list[str] | None, typer.Option(metavar="PARTY=AMOUNT", help="What a waterfall payer can pay (repeatable).")] = None,
    liquidation_fee: Annotated[str | None, typer.Option(metavar="RATE", help="Liquidation fee rate overriding the preset's.")] = None,
    input_file: Annotated[str | None, typer.Option("--input", metavar="FILE|-", help="JSON lines of positions in, JSON lines of results out.")] = None,
    fields: Annotated[str | None, typer.Option("--fields", metavar="A,B,C", help="With --input: only these keys of each line's object, in this order (top-level keys, such as line, symbol, liquidation_price, error: null on a line that priced; a failed line keeps line and error). A line of several leverages gives one row each: its line's keys and that leverage's (unless results is asked for). The compact set below is priced in groups as arrays (fast). With --format csv: the columns, then an error column unless error is one of them (default, the compact set: " + ", ".join(COMPACT) + ").")] = None,
    no_stale_warning: NoStaleWarningOpt = False,
    json_output: JsonOpt = False,
    output_format: FormatOpt = None,
    plot: Annotated[bool, typer.Option("--plot", help="Draw the price ladder in the terminal, below the tables: entry, mark, liquidation, bankruptcy and --fill, the waterfall's amounts in lines below (needs the extra: pip install \"liqcalc\\[plot]\").")] = False,
    plot_file: Annotated[str | None, typer.Option(metavar="FILE.svg|FILE.png", help="Write the price ladder to a new SVG or PNG file (matplotlib, the same extra); an existing file is refused, never overwritten.")] = None,
) -> None:
    """Liquidation and bankruptcy prices of a position, and where the money goes.

    The fill options: --fill PRICE is the average price the liquidation order fills at;
    --insurance-fund AMOUNT is what the venue's fund can pay of a shortfall.

    --format csv writes one table: the position's rows (field, value, note), or with several
    --leverage the leverage table, or with --account the positions; --format markdown writes
    every table under a heading. --input writes JSON lines, or with --format csv one row a line
    (with --fields or --format csv, a row per leverage for a line of several; --fields picks
    the keys or columns; --format markdown with --input is refused).

    Example: liqcalc position --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20
    """
    run_position(
        {
            "preset": preset, "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional, "leverage": leverage,
            "margin": margin, "mark": mark, "add_margin": add_margin, "funding": funding, "mmr": mmr, "maint_amount": maint_amount,
            "mode": mode, "wallet": wallet, "fill": fill, "insurance_fund": insurance_fund, "can_pay": can_pay,
            "liquidation_fee": liquidation_fee,
        },
        account=account,
        input_file=input_file,
        fields=fields,
        stale_warning=not no_stale_warning,
        output=output_format,
        json_output=json_output,
        plot=plot,
        plot_file=plot_file,
    )


@boundary
def run_position(
    options: dict[str, Any], *, account: Path | None, input_file: str | None, stale_warning: bool,
    output: OutputFormat | None, json_output: bool, plot: bool = False, plot_file: str | None = None,
    fields: str | None = None,
) -> None:
    chosen = choose(output, json_output)
    if fields is not None and input_file is None:
        raise UsageError("--fields picks the keys of each line of --input; for one position use --json (and jq)")
    if plot or plot_file is not None:
        _plot_position(options, account=account, input_file=input_file, stale_warning=stale_warning, chosen=chosen,
                       plot=plot, plot_file=plot_file)
        return
    session = Session(stale_warning=stale_warning)
    given = {k: v for k, v in options.items() if v is not None and v != []}
    if input_file is not None:
        if account is not None:
            raise UsageError("--input and --account cannot be combined")
        if chosen not in (OutputFormat.table, OutputFormat.json, OutputFormat.csv):
            raise UsageError(f"--input writes JSON lines (or CSV); --format {chosen.value} cannot be combined with it")
        picked = _fields(fields, chosen)
        failures = run_batch(session, check_defaults(given, option_name, UsageInputError), input_file, sys.stdout,
                             fields=picked, csv=chosen is OutputFormat.csv)
        for warning in session.warnings.values():
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
        if failures:
            where = "the error column" if chosen is OutputFormat.csv else "the error objects"
            raise LiqcalcError(f"--input: {failures:,} line{'s' if failures > 1 else ''} failed; see {where} on stdout")
        return
    if account is not None:
        from liqcalc.app.account import evaluate_account, read_account

        ignored = sorted(set(given) - {"preset", "wallet"})
        if ignored:
            raise UsageError(
                f"--account takes its positions from the file; {', '.join(option_name(k) for k in ignored)} "
                "cannot be combined with it (only --preset and --wallet can)"
            )
        emit(evaluate_account(session, given, read_account(account), str(account), option_name), chosen)
        return
    emit(evaluate(given, option_name, session, UsageInputError), chosen)


def _plot_position(options: dict[str, Any], *, account: Path | None, input_file: str | None, stale_warning: bool,
                   chosen: OutputFormat, plot: bool, plot_file: str | None) -> None:
    """``--plot``/``--plot-file``: the report as usual, and its price ladder."""

    from liqcalc.render import plot as pictures

    if account is not None or input_file is not None:
        raise UsageError("--plot and --plot-file draw one position: not with --account or --input")
    pictures.check_options(plot, plot_file, chosen is OutputFormat.table, chosen.value)
    session = Session(stale_warning=stale_warning)
    given = {k: v for k, v in options.items() if v is not None and v != []}
    report = evaluate(given, option_name, session, UsageInputError)
    ladder = pictures.ladder_chart(report)
    if plot_file is not None:
        pictures.ladder_save(ladder, plot_file)
    emit(report, chosen)
    if plot:
        width, color = pictures.screen()
        sys.stdout.write(pictures.ladder_terminal(ladder, width, 8 + 3 * len(ladder.rungs), color))


#: Longest line of ``--input``: one position as a JSON object is well under a kilobyte. A longer
#: line is skipped (read on to its newline, a block at a time) and gives its error object.
LINE_LIMIT = 1024 * 1024
#: The most of one line read before the input is given up: a line with no newline in 64 MiB is
#: not JSON lines (``/dev/zero`` through a pipe is one endless line), and the batch stops there.
SKIP_LIMIT = 64 * 1024 * 1024


def _open_input(input_file: str) -> Any:
    """``--input`` opened for reading: a regular file or a pipe (``<(...)`` gives one), never a
    device or a folder. Opened without blocking, so a named pipe nobody writes to reads as empty
    instead of waiting; then back to blocking reads for a writer that is slow to start."""
    import fcntl
    import os
    import stat

    from liqcalc.presets.files import kind_of, os_problem

    try:
        fd = os.open(input_file, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except (OSError, ValueError) as error:
        problem = "not a usable file name" if isinstance(error, ValueError) else os_problem(error)
        raise UsageError(f"--input: {input_file} cannot be read ({problem})") from None
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        os.close(fd)
        raise UsageError(f"--input: {input_file} is {kind_of(mode)}; give a file of JSON lines, or - for stdin")
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return os.fdopen(fd, "rb")


def _lines(input_file: str) -> Iterator[Line]:
    """The lines of ``--input`` (a file or ``-``), each decoded on its own: a line that is
    not UTF-8 becomes an error for that line, not the end of the batch. A byte-order mark
    at the start is not data. A line longer than :data:`LINE_LIMIT` is skipped to its newline
    without being held and becomes an error for that line (:class:`LongLine`); one that goes
    on past :data:`SKIP_LIMIT` ends the batch with an error after that line's."""
    from liqcalc.app.position import LongLine

    stream: Any = sys.stdin.buffer if input_file == "-" else _open_input(input_file)
    try:
        number = 0
        while raw := stream.readline(LINE_LIMIT + 1):
            number += 1
            if len(raw) > LINE_LIMIT:
                read = len(raw)
                while raw[-1:] != b"\n" and read <= SKIP_LIMIT:
                    raw = stream.readline(LINE_LIMIT)
                    if not raw:
                        break
                    read += len(raw)
                yield LongLine(LINE_LIMIT)
                if read > SKIP_LIMIT and raw[-1:] != b"\n":
                    raise InputError("--input", f"line {number} goes on past {SKIP_LIMIT // 1024 // 1024} MiB without "
                                     "a newline; the input stops there (each line is one JSON object, a position)")
                continue
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                yield error
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _fields(fields: str | None, chosen: OutputFormat) -> tuple[str, ...] | None:
    """``--fields`` checked (an unknown key: a usage error naming the valid ones), or the
    compact set for CSV, or None (the full object)."""
    if fields is None:
        return COMPACT if chosen is OutputFormat.csv else None
    from liqcalc.app.batch import parse_fields

    try:
        return parse_fields(fields)
    except ValueError as error:
        raise UsageError(str(error)) from None


def run_batch(session: Session, defaults: dict[str, Any], input_file: str, out: TextIO, *,
              fields: tuple[str, ...] | None = None, csv: bool = False) -> int:
    """Evaluate each JSON line (:func:`liqcalc.app.batch.texts`); a bad line gives an error
    object and the batch goes on. ``fields``: only those keys (or CSV columns).

    Options given on the command line are defaults for every line (a line's own keys win).
    Returns the number of failed lines.
    """
    from liqcalc.app import batch

    failures = 0
    if fields is not None and csv:
        out.write(batch.csv_writer(fields)[0] + "\n")
    for text, failed in batch.texts(session, defaults, _lines(input_file), fields, csv):
        out.write(text)
        failures += failed
    return failures
