"""``liqcalc presets``: list, show, validate, import and fetch presets."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcalc.cli.emit import emit
from liqcalc.cli.errors import boundary, escape, warn
from liqcalc.cli.options import FormatOpt, JsonOpt
from liqcalc.cli.options import output_format as choose
from liqcalc.core.errors import LiqcalcError, PresetError, UsageError

if TYPE_CHECKING:
    import datetime as dt

app = typer.Typer(
    no_args_is_help=True,
    help="List, show, validate, import and fetch presets (venue rules and tier tables).",
)

FORMATS = ("ccxt", "binance", "bybit", "okx", "hyperliquid")


@app.command("list")
@boundary
def list_presets(*, json_output: JsonOpt = False, output_format: FormatOpt = None) -> None:
    """Every built-in and user preset: venue, as_of, age, symbols, origin.

    --format csv writes the presets' rows (age in days, a number); --format markdown the same
    table as a pipe table.

    Example: liqcalc presets list
    """
    from liqcalc.presets.loader import available, builtin_names, load_path
    from liqcalc.render.presets import PresetList

    chosen = choose(output_format, json_output)
    rows: list[dict[str, Any]] = []
    builtin = set(builtin_names())
    for name, path, origin in available():
        try:
            preset = load_path(path, origin)
        except PresetError as error:
            rows.append({"name": name, "origin": origin, "path": str(path), "error": str(error)})
            continue
        if origin == "user" and name in builtin:
            warn(f"your preset {path} overrides the built-in {name}", "notice")
        rows.append({"name": name, "origin": origin, "path": str(path), "preset": preset})
    emit(PresetList.build(rows), chosen)


@app.command("show")
@boundary
def show(
    name: Annotated[str, typer.Argument(metavar="NAME|PATH", help="A preset name or a .toml file.")],
    *,
    symbol: Annotated[str | None, typer.Option("--symbol", "-s", help="Show this symbol's tier table.")] = None,
    json_output: JsonOpt = False,
    output_format: FormatOpt = None,
) -> None:
    """The rules in words and the tier table.

    --format csv writes the tier table (with --symbol) or the symbols, one a row; --format
    markdown writes the rules and that table.

    Example: liqcalc presets show binance --symbol BTCUSDT
    """
    from liqcalc.presets.loader import load
    from liqcalc.render.presets import PresetShow

    chosen = choose(output_format, json_output)
    preset = load(name)
    spec = preset.symbol(symbol) if symbol else None
    emit(PresetShow(preset, spec), chosen)


@app.command("validate")
@boundary
def validate(files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Preset files (or names of presets) to check.")]) -> None:
    """Check preset files: one line per problem, naming the file and the field; exit 1 if any.

    Only regular files of at most 16 MiB are read (a FIFO or a device is refused at once). A
    name instead of a path checks the preset --preset NAME would use (a user file or a
    built-in).

    Example: liqcalc presets validate binance bybit
    """
    from liqcalc.presets.loader import parse, resolve

    failed = 0
    for given in files:
        try:
            try:
                path = Path(given) if Path(given).exists() or Path(given).is_symlink() else resolve(given)[0]
            except PresetError as error:  # neither a file nor a preset's name: said of this argument
                raise PresetError(f"{given}: {str(error).removeprefix('--preset: ')}") from None
            model = parse(path)
        except LiqcalcError as error:
            failed += 1
            for line in error.problems if isinstance(error, PresetError) else [str(error)]:
                sys.stderr.write(f"{escape(line)}\n")
            continue
        sys.stdout.write(escape(f"{path}: ok ({model.name}, {len(model.symbols)} symbol{'' if len(model.symbols) == 1 else 's'}, as of {model.as_of})") + "\n")
    if failed:
        sys.stderr.write(f"liqcalc: error: {failed} of {len(files)} preset file{'s' if len(files) > 1 else ''} invalid\n")
        raise typer.Exit(1)


SAMPLE = "sample:"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # b not written yet, or not reachable: not the same file
        return False


def _sample_names() -> list[str]:
    from importlib.resources import files

    return sorted(p.name.removesuffix(".json") for p in (files("liqcalc") / "samples").iterdir() if p.name.endswith(".json"))


def _sample_response(source: str) -> tuple[bytes, dt.date]:
    """A saved response shipped with liqcalc (``sample:NAME``, for the example in ``--help``), and the
    date it was captured, which its name ends with."""
    import datetime as dt
    from importlib.resources import files

    name = source.removeprefix(SAMPLE)
    if name not in _sample_names():
        raise UsageError(f"FILE: no sample response {name!r}; the samples are {', '.join(_sample_names())} (sample:NAME)")
    return (files("liqcalc") / "samples" / f"{name}.json").read_bytes(), dt.date.fromisoformat(name[-10:])


@app.command("import")
@boundary
def import_preset(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="The saved API or ccxt response (JSON), - for stdin, or sample:NAME.")],
    *,
    data_format: Annotated[str | None, typer.Option("--format", "-f", metavar="|".join(FORMATS), help="What the file holds.")] = None,
    like: Annotated[str | None, typer.Option(metavar="NAME", help="The built-in preset whose rules (fees, waterfall, ADL) to keep.")] = None,
    name: Annotated[str | None, typer.Option(help="The new preset's name (default: the --like name).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write (default: the user preset folder).")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    contract_size: Annotated[list[str] | None, typer.Option(metavar="FAMILY=CTVAL", help="OKX: base asset per contract (e.g. BTC-USDT=0.01), repeatable.")] = None,
    as_of: Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="Date of the data (default: the date the response carries, else the file's modification date).")] = None,
    face_value: Annotated[list[str] | None, typer.Option(metavar="SYMBOL=USD", help="Inverse contracts: the USD one contract is worth (by symbol, base asset, or for all), where the file does not state it; repeatable.")] = None,
) -> None:
    """Build a preset from one API or ccxt response and write it as TOML.

    Inverse (coin-margined) markets are imported as inverse: a ccxt market settled in its base
    (BTC/USD:BTC, or inverse: true), Bybit's category=inverse risk limits, Binance COIN-M's
    brackets in the coin (qtyFloor/qtyCap). Their face value is the file's (ccxt contractSize),
    else --face-value, else the rules' preset's for the same symbol; none is an error. Inverse
    data --like a linear preset takes its inverse twin's rules (bybit -> bybit-inverse, binance
    -> binance-coinm), said on stderr, or is refused.

    Formats: ccxt (fetch_leverage_tiers / fetch_market_leverage_tiers dump), binance
    (GET /fapi/v1/leverageBracket; COIN-M: /dapi/v1 or /dapi/v2/leverageBracket), bybit
    (GET /v5/market/risk-limit, category linear or inverse), okx
    (GET /api/v5/public/position-tiers), hyperliquid (info {"type": "meta"}).

    The preset's as_of is the date the response carries (Bybit's time, OKX's ts), else the
    file's modification date; --as-of overrides both. Which one was used is said on stderr
    and written in the preset's notes.

    sample:NAME reads a response shipped with liqcalc: binance-usdm-2026-09-01 is Binance's
    BTCUSDT and ETHUSDT brackets in ccxt's shape, captured 2026-09-01.

    Example: liqcalc presets import sample:binance-usdm-2026-09-01 --format ccxt --like binance --output binance-sample.toml
    """
    import datetime as dt
    import json
    import os

    from liqcalc.presets import importers
    from liqcalc.presets.files import RESPONSE_LIMIT, read_file, read_stream, too_long
    from liqcalc.presets.loader import builtin_dir, builtin_names, parse, today, user_dir
    from liqcalc.presets.writer import checked_text, write_atomic

    if data_format is None:
        raise UsageError(f"--format is required: one of {', '.join(FORMATS)}")
    if like is None:
        raise UsageError("--like is required: the built-in preset whose rules to keep (binance, bybit, okx, ...)")
    if data_format not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {data_format!r}")
    builtin = builtin_names()
    if like not in builtin:
        raise UsageError(f"--like: {like!r} is not a built-in preset; valid: {', '.join(builtin)}")
    if name is not None and not _valid_name(name):
        raise UsageError(
            f"--name: {name!r} cannot be a preset name; use letters, digits, '-', '_' and '.' (at most 64, not starting with '.')"
        )
    date: dt.date | None = None
    if as_of is not None:
        try:
            date = dt.date.fromisoformat(as_of) if as_of.isascii() else None
        except ValueError:
            date = None
        if date is None:
            raise UsageError(f"--as-of: expected a date YYYY-MM-DD, got {as_of!r}")
        if date > today():
            raise UsageError(f"--as-of: {date} is after today ({today()}); give the date the data was fetched")
    if output is not None and output.suffix != ".toml":
        raise UsageError(f"--output: {output} does not end in .toml; --preset reads a preset file by that suffix")
    sizes = keyed_numbers(contract_size, "--contract-size", "FAMILY=CTVAL or CTVAL with CTVAL",
                          "the base quantity per contract", "family")
    faces = keyed_numbers(face_value, "--face-value", "SYMBOL=USD or USD with USD", "the USD one contract is worth",
                          "symbol")
    label = "stdin" if source == "-" else source if source.startswith(SAMPLE) else Path(source).name
    modified: float | None = None
    as_of_override: str | None = None
    if source == "-":
        content = read_stream(sys.stdin.buffer, RESPONSE_LIMIT, "stdin")
        try:
            info = os.fstat(sys.stdin.fileno())
            import stat

            modified = info.st_mtime if stat.S_ISREG(info.st_mode) else None
        except (OSError, ValueError, AttributeError):
            modified = None
    elif source.startswith(SAMPLE):
        content, sample_date = _sample_response(source)
        if date is None:
            # the sample's capture date is in its name; the installed file's own date is the install's
            date, as_of_override = sample_date, f"the capture date in the sample's name, {label}"
    else:
        content, info = read_file(Path(source), RESPONSE_LIMIT)
        modified = info.st_mtime
    try:
        data: Any = json.loads(content.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as error:
        raise LiqcalcError(f"{label}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise LiqcalcError(f"{label}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise LiqcalcError(f"{label}: nested too deeply to be an API response") from None
    except ValueError as error:  # an integer beyond Python's digit limit for text (4,300 digits)
        raise LiqcalcError(f"{label}: {too_long(error)}") from None
    try:
        if data_format == "ccxt":
            symbols = importers.from_ccxt(data, source=label, spelling=like, contract_sizes=sizes or None)
        elif data_format == "binance":
            symbols = importers.from_binance(data, source=label)
        elif data_format == "bybit":
            symbols = importers.from_bybit(data, source=label)
        elif data_format == "okx":
            symbols = importers.from_okx(data, sizes, source=label)
        else:
            symbols = importers.from_hyperliquid(data, source=label)
    except (TypeError, KeyError, AttributeError, ValueError, ArithmeticError) as error:
        # a shape the checks above did not foresee: still the file's fault, and named so
        raise PresetError(f"{label}: not a {data_format} response liqcalc can read ({type(error).__name__}: {error})") from None
    if as_of_override is not None:
        as_of_from = as_of_override
    elif date is not None:
        as_of_from = "--as-of"
    elif (carried := importers.response_date(data, data_format, label)) is not None:
        date, as_of_from = carried
    elif modified is not None:
        date = dt.datetime.fromtimestamp(modified, tz=dt.UTC).date()
        as_of_from = f"the modification date of {label} (UTC; the response carries no date)"
    else:
        date = today()
        as_of_from = "the day of the import (the response carries no date and stdin is not a file; give --as-of for older data)"
    documents: dict[str, dict[str, Any]] = {}

    def document_of(preset: str) -> dict[str, Any]:
        if preset not in documents:
            documents[preset] = parse(builtin_dir() / f"{preset}.toml").model_dump(exclude_unset=True)
        return documents[preset]

    asked = like
    like = importers.choose_rules(like, symbols, lambda preset: importers.contract_types(document_of(preset)), builtin)
    importers.resolve_faces(symbols, faces, importers.face_values(document_of(like)), label,
                            "ccxt's contractSize: the USD one contract is worth" if data_format == "ccxt"
                            else "the USD one contract is worth")
    if like != asked:  # said once the import can go ahead: a refusal stays one line
        inverse = [n for n, s in symbols.items() if s.get("contract_type") == "inverse"]
        kind = "inverse (coin-margined)" if inverse else "linear"
        warn(f"{label} holds {kind} contracts, and {asked}'s rules are for the other kind: imported with the rules of "
             f"{like} (give --like {like} to say so)", "notice")
    target_name = name or like
    document = importers.build_preset(document_of(like), symbols, name=target_name, as_of=date,
                                      source=f"{data_format} import of {label}", as_of_from=as_of_from)
    target = output or user_dir() / f"{target_name}.toml"
    if source != "-" and not source.startswith(SAMPLE) and _same_file(Path(source), target):
        raise UsageError(f"--output: {target} is the response being imported; write the preset to another file")
    # validated before anything is written: a bad import never replaces a good file
    rendered = checked_text(document, f"imported {label}")
    write_atomic(target, rendered, force=force)
    override = "" if as_of_from == "--as-of" else "; --as-of YYYY-MM-DD overrides it"
    sys.stderr.write(escape(f"liqcalc: wrote {target} ({len(symbols)} symbols, rules of {like}, as of {date} "
                            f"from {as_of_from}{override})") + "\n")
    if target.stem in builtin and _in_user_dir(target, user_dir()):
        warn(
            f"{target} overrides the built-in {target.stem} preset: `--preset {target.stem}` and `compare` now use "
            f"this import (`liqcalc presets list` shows it; give --name to keep the built-in in use)",
            "notice",
        )


def _valid_name(name: str) -> bool:
    """A preset name is a file name in the user folder: no path, no control characters."""
    import re

    return re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}", name) is not None


def _in_user_dir(target: Path, folder: Path) -> bool:
    try:
        return target.parent.resolve() == folder.resolve()
    except (OSError, RuntimeError):
        return False


class _Bar:
    """A rich progress bar on stderr, one task per stage of a fetch."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.progress = Progress(console=Console(stderr=True), transient=True)
        self.task: Any = None

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, what: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(escape(what), total=total)

    def advance(self) -> None:
        if self.task is not None:
            self.progress.advance(self.task)


@app.command("fetch")
@boundary
def fetch(
    venue: Annotated[str | None, typer.Argument(metavar="VENUE", help="binance, bybit, bybit-inverse, okx, bitget, hyperliquid or dydx.")] = None,
    *,
    all_venues: Annotated[bool, typer.Option("--all", help="Every venue with a fetcher, each to its user preset; all or nothing.")] = False,
    symbols: Annotated[str | None, typer.Option("--symbols", metavar="A,B", help="Only these symbols (the venue's names, or a base asset).")] = None,
    name: Annotated[str | None, typer.Option(help="The new preset's name (default: the venue's).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write (default: the user preset folder).")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    base_url: Annotated[str | None, typer.Option(metavar="URL", help="Another host for the venue's API (a mirror, a test server; with --all, one host for every venue).")] = None,
    timeout: Annotated[float, typer.Option(metavar="SECONDS", help="Longest wait for each answer.")] = 10.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary line.")] = False,
) -> None:
    """Download a venue's current tier tables from its public API and write them as a preset.

    Every perpetual of the fetcher's kind the venue lists (linear; inverse for bybit-inverse),
    or --symbols, with the rules of the venue's
    built-in preset, as_of today and the endpoints in its sources. The preset is checked as
    `presets validate` checks a file and written atomically; on any failure (a timeout, an
    error answer, a symbol without its tiers) nothing is written and the exit code is 1.

    Endpoints: bybit /v5/market/instruments-info and /v5/market/risk-limit (category linear;
    bybit-inverse: category inverse, tiers in the coin, 1 USD a contract);
    okx /api/v5/public/instruments and /api/v5/public/position-tiers (SWAP, isolated);
    bitget /api/v2/mix/market/contracts and query-position-lever (USDT-FUTURES);
    hyperliquid POST /info {"type": "meta"}; dydx /v4/perpetualMarkets (indexer); binance
    /fapi/v1/leverageBracket, signed: the key and secret are read from LIQCALC_BINANCE_API_KEY
    and LIQCALC_BINANCE_API_SECRET only.

    Retries: 429 and 5xx answers are retried up to 4 times per request, after 1, 2, 4, 8 s
    (or the Retry-After the venue asks, at most 30 s), at most 120 s of waiting in all.
    Timeouts and refused connections are not retried. A progress bar shows on stderr when it
    is a terminal (not with --quiet).

    Example: liqcalc presets fetch bybit --symbols BTCUSDT,ETHUSDT --name bybit-now
    """
    from liqcalc.presets import fetchers
    from liqcalc.presets.loader import builtin_names, user_dir

    if all_venues == (venue is not None):
        raise UsageError("give one VENUE or --all")
    if all_venues and (symbols or name or output):
        raise UsageError("--all writes every venue's preset under its own name: --symbols, --name and --output need one VENUE")
    if venue is not None and venue.lower() not in fetchers.FETCHERS:
        raise UsageError(f"VENUE: no fetcher for {venue!r}; valid: {', '.join(fetchers.FETCHERS)}")
    if name is not None and not _valid_name(name):
        raise UsageError(
            f"--name: {name!r} cannot be a preset name; use letters, digits, '-', '_' and '.' (at most 64, not starting with '.')"
        )
    if output is not None and output.suffix != ".toml":
        raise UsageError(f"--output: {output} does not end in .toml; --preset reads a preset file by that suffix")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url: expected an address starting with http:// or https://, got {base_url!r}")
    if not timeout > 0:
        raise UsageError(f"--timeout: expected a number of seconds above 0, got {timeout:g}")
    wanted = tuple(s.strip() for s in symbols.split(",") if s.strip()) if symbols is not None else None
    if wanted == ():
        raise UsageError("--symbols: expected symbols separated by commas (BTCUSDT,ETHUSDT)")
    venues = [venue.lower()] if venue is not None else list(fetchers.FETCHERS)
    if all_venues and fetchers.binance_missing() is not None:
        venues.remove("binance")
        if not quiet:
            warn(f"skipping {fetchers.binance_missing()}", "notice")
    folder = user_dir()
    targets = {v: output if output is not None else folder / f"{name or v}.toml" for v in venues}
    for target in targets.values():  # before any request: a refusal costs no download
        if target.exists() and not force:
            raise UsageError(f"{target}: already exists; use --force to replace it")
    bar = sys.stderr.isatty() and not quiet
    fetched = []
    for v in venues:
        if bar:
            with _Bar() as progress:
                fetched.append(fetchers.fetch_preset(v, target=targets[v], name=name, base_url=base_url, timeout=timeout,
                                                     wanted=wanted, progress=progress))
        else:
            fetched.append(fetchers.fetch_preset(v, target=targets[v], name=name, base_url=base_url, timeout=timeout,
                                                 wanted=wanted))
    builtin = builtin_names()
    for one in fetched:
        fetchers.write(one, force=force)
        if quiet:
            continue
        sys.stderr.write(escape(f"liqcalc: wrote {one.target} ({one.symbols} symbols from {one.base_url}, rules of "
                                f"{one.fetcher.like}, as of {one.as_of})") + "\n")
        if one.target.stem in builtin and _in_user_dir(one.target, folder):
            warn(f"{one.target} overrides the built-in {one.target.stem} preset (give --name to keep the built-in in use)",
                 "notice")


def keyed_numbers(pairs: list[str] | None, option: str, form: str, what: str, key_name: str) -> dict[str, Decimal]:
    """``KEY=NUMBER`` (or ``NUMBER`` alone, for every key: ``"*"``) options as a mapping, each
    number above 0; a pair naming no key, or one key given two values, is a usage error (it
    would be ignored, or one value silently win)."""
    from liqcalc.core.errors import InputError
    from liqcalc.core.numbers import to_decimal

    values: dict[str, Decimal] = {}
    for pair in pairs or []:
        key, sep, value = pair.rpartition("=")
        try:
            number = to_decimal(value, option)
        except InputError:
            raise UsageError(f"{option}: expected {form} a number, got {pair!r}") from None
        if number <= 0:
            raise UsageError(f"{option}: {what} must be above 0, got {value!r}")
        where = key.strip() if sep else "*"
        if sep and not where:
            raise UsageError(f"{option}: {pair!r} names no {key_name}; give {key_name.upper()}=VALUE or VALUE alone")
        if where in values and values[where] != number:
            said = f"for every {key_name}" if where == "*" else f"for {where}"
            raise UsageError(f"{option}: two values {said} ({values[where]} and {number}); give one")
        values[where] = number
    return values
