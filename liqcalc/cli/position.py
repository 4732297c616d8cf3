"""``liqcalc position``: liquidation and bankruptcy prices, and where the money goes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from liqcalc.cli.errors import boundary
from liqcalc.cli.options import (
    EntryOpt,
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
from liqcalc.cli.request import Request, UsageInputError, build, key_name, option_name
from liqcalc.core.errors import InputError, LiqcalcError, UsageError
from liqcalc.core.model import Party
from liqcalc.core.position import Calculator
from liqcalc.presets.loader import Preset, load
from liqcalc.render import OutputFormat

if TYPE_CHECKING:
    from liqcalc.render.position import PositionReport, PresetInfo


EXAMPLE = "liqcalc position --preset binance --symbol BTCUSDT --side long --entry 60000 --size 1 --leverage 20"


class Session:
    """Presets and calculators loaded once and reused across the lines of a batch."""

    def __init__(self, *, stale_warning: bool = True) -> None:
        self.presets: dict[str, Preset] = {}
        self.calculators: dict[tuple[str, str], Calculator] = {}
        self.stale_warning = stale_warning
        self.warnings: dict[str, str] = {}

    def preset(self, name: str) -> Preset:
        if name not in self.presets:
            from liqcalc.presets.loader import stale_warning

            preset = self.presets[name] = load(name)
            if self.stale_warning and (warning := stale_warning(preset)):
                self.warnings[name] = warning
        return self.presets[name]

    def fund_party(self, name: str) -> Party | None:
        return self.preset(name).venue.fund_party

    def calculator(self, preset_name: str, symbol: str) -> Calculator:
        key = (preset_name, symbol)
        if key not in self.calculators:
            preset = self.preset(preset_name)
            self.calculators[key] = Calculator(preset.venue, preset.symbol(symbol))
        return self.calculators[key]

    def info(self, name: str) -> PresetInfo:
        from liqcalc.render.position import PresetInfo

        preset = self.preset(name)
        venue = preset.venue
        return PresetInfo(venue.name, venue.title, venue.as_of.isoformat(), None if preset.origin == "built-in" else str(preset.path), preset.origin,
                          venue.illustrative)

    def report(self, request: Request) -> PositionReport:
        calc = self.calculator(request.preset, request.symbol)
        from liqcalc.render.position import PositionReport

        results = [calc.evaluate(spec, fill=request.fill, caps=request.caps) for spec in request.specs]
        warnings = [self.warnings[request.preset]] if request.preset in self.warnings else []
        return PositionReport(self.info(request.preset), calc.venue, calc.symbol, request.inputs, results, warnings)


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
    no_stale_warning: NoStaleWarningOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Liquidation and bankruptcy prices of a position, and where the money goes.

    The fill options: --fill PRICE is the average price the liquidation order fills at;
    --insurance-fund AMOUNT is what the venue's fund can pay of a shortfall.

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
        stale_warning=not no_stale_warning,
        output=OutputFormat.json if json_output else OutputFormat.table,
    )


@boundary
def run_position(
    options: dict[str, Any], *, account: Path | None, input_file: str | None, stale_warning: bool, output: OutputFormat
) -> None:
    session = Session(stale_warning=stale_warning)
    given = {k: v for k, v in options.items() if v is not None and v != []}
    if input_file is not None:
        if account is not None:
            raise UsageError("--input and --account cannot be combined")
        failures = run_batch(session, _defaults(given), input_file, sys.stdout)
        for warning in session.warnings.values():
            sys.stderr.write(f"liqcalc: warning: {warning}\n")
        if failures:
            raise LiqcalcError(f"--input: {failures} line{'s' if failures > 1 else ''} failed; see the error objects on stdout")
        return
    if account is not None:
        from liqcalc.cli.account import run_account

        ignored = sorted(set(given) - {"preset", "wallet"})
        if ignored:
            raise UsageError(
                f"--account takes its positions from the file; {', '.join(option_name(k) for k in ignored)} "
                "cannot be combined with it (only --preset and --wallet can)"
            )

        run_account(session, given, account, output)
        return
    request = build(given, option_name, fund_party=session.fund_party, error=UsageInputError)
    report = session.report(request)
    emit(report, output)


def emit(report: PositionReport, output: OutputFormat) -> None:
    """Write the report in the chosen format; warnings also go to stderr."""
    renderers: dict[OutputFormat, Callable[[PositionReport], None]] = {
        OutputFormat.json: _emit_json,
        OutputFormat.table: _emit_table,
    }
    renderers[output](report)


def _emit_json(report: PositionReport) -> None:
    from liqcalc.render.numbers import dumps
    from liqcalc.render.position import report_json

    sys.stdout.write(dumps(report_json(report)) + "\n")


def _emit_table(report: PositionReport) -> None:
    from liqcalc.render.position import render_table

    for warning in dict.fromkeys(report.warnings + [w for r in report.results for w in r.warnings]):
        sys.stderr.write(f"liqcalc: warning: {warning}\n")
    render_table(report)


#: Longest line of ``--input``: one position as a JSON object is well under a kilobyte.
LINE_LIMIT = 1024 * 1024


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


def _lines(input_file: str) -> Iterator[str | UnicodeDecodeError]:
    """The lines of ``--input`` (a file or ``-``), each decoded on its own: a line that is
    not UTF-8 becomes an error for that line, not the end of the batch. A byte-order mark
    at the start is not data. A line longer than :data:`LINE_LIMIT` ends the batch with an
    error (``/dev/zero`` through a pipe is one endless line)."""
    stream: Any = sys.stdin.buffer if input_file == "-" else _open_input(input_file)
    try:
        number = 0
        while raw := stream.readline(LINE_LIMIT + 1):
            number += 1
            if len(raw) > LINE_LIMIT:
                raise InputError("--input", f"line {number} is longer than {LINE_LIMIT // 1024 // 1024} MiB; each "
                                 "line is one JSON object (a position)")
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                yield error
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _defaults(options: dict[str, Any]) -> dict[str, Any]:
    """Command-line defaults for ``--input`` lines, checked once as options (exit 2)."""
    from liqcalc.cli.request import number

    for key, sign in (("entry", "positive"), ("size", "positive"), ("notional", "positive"), ("margin", "positive"),
                      ("mark", "positive"), ("add_margin", "non_negative"), ("funding", "any"), ("mmr", "positive"),
                      ("maint_amount", "any"), ("wallet", "positive"), ("fill", "positive"),
                      ("insurance_fund", "non_negative"), ("liquidation_fee", "non_negative")):
        number(options, key, option_name, sign=sign, error=UsageInputError)
    for item in options.get("leverage") or []:
        for part in str(item).split(","):
            number({"leverage": part}, "leverage", option_name, error=UsageInputError)
    return options


def run_batch(session: Session, defaults: dict[str, Any], input_file: str, out: TextIO) -> int:
    """Evaluate each JSON line; a bad line gives an error object and the batch goes on.

    Options given on the command line are defaults for every line (a line's own keys win).
    Returns the number of failed lines.
    """
    import json

    from liqcalc.render.numbers import dumps
    from liqcalc.render.position import SCHEMA_VERSION, report_json

    failures = 0
    write = out.write
    for number, line in enumerate(_lines(input_file), start=1):
        if isinstance(line, UnicodeDecodeError):
            failures += 1
            write(dumps({"schema_version": SCHEMA_VERSION, "line": number,
                         "error": f"line {number}: not UTF-8 text ({line.reason} at byte {line.start})"}) + "\n")
            continue
        if not line.strip():
            continue
        try:
            try:
                values = json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as error:
                raise InputError(f"line {number}", f"not JSON ({error.msg} at column {error.colno})") from None
            except RecursionError:
                raise InputError(f"line {number}", "nested too deeply; a line is one flat JSON object") from None
            except ValueError as error:  # an integer beyond Python's digit limit
                from liqcalc.presets.files import too_long

                raise InputError(f"line {number}", too_long(error)) from None
            if not isinstance(values, dict):
                raise InputError(f"line {number}", "expected a JSON object")
            request = build({**defaults, **values}, key_name, fund_party=session.fund_party)
            envelope = report_json(session.report(request))
            write(dumps({"schema_version": SCHEMA_VERSION, "line": number, **envelope}) + "\n")
        except LiqcalcError as error:
            failures += 1
            write(dumps({"schema_version": SCHEMA_VERSION, "line": number, "error": str(error)}) + "\n")
        except Exception as error:  # a bug must not cost the rest of the batch
            failures += 1
            write(dumps({"schema_version": SCHEMA_VERSION, "line": number,
                         "error": f"internal error: {type(error).__name__}: {error}"}) + "\n")
    return failures
