"""Find, read, validate and cache preset files.

A preset file is validated in full the first time its exact content is seen; what passed is
cached (``marshal`` of plain strings, keyed by a hash of the file's bytes and liqcalc's
version) so that later runs read one symbol's table without parsing 1 MB of TOML or
importing pydantic. A cache that cannot be written is skipped: it only ever saves time.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import stat
import sys
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from liqcalc import __version__
from liqcalc.core.errors import LiqcalcError, Note, PresetError, SymbolError, literal
from liqcalc.core.frozen import FrozenDict
from liqcalc.core.model import (
    AdlRule,
    FeeRules,
    MarginRules,
    ShortfallRule,
    SurplusRule,
    SymbolSpec,
    Tier,
    Venue,
)

if TYPE_CHECKING:
    from liqcalc.presets.schema import PresetModel

CACHE_FORMAT = 5
#: Longest preset name: a file name of at most 255 bytes, ``.toml`` included.
NAME_LIMIT = 250
Origin = Literal["built-in", "user", "file"]

# One symbol as cached: base, quote, kind, complete, liquidation fee, tier unit, tiers as strings
# (floor, cap, max leverage, rate, amount, and under a size-scaled rate its two per-size factors),
# contract type, face value.
RawTier = tuple[str, str | None, str, str, str] | tuple[str, str | None, str, str, str, str, str]
RawSymbol = tuple[str, str, str, bool, str | None, str, tuple[RawTier, ...], str, str]


@dataclass(frozen=True, repr=False)
class Preset:
    """A loaded preset: the venue's rules and its symbols' tables, each built on first use."""

    venue: Venue
    path: Path
    origin: Origin
    index: Mapping[str, tuple[str, str, str]]
    """Each symbol's base, quote and kind."""
    packed: Mapping[str, bytes]
    """Each symbol's table, marshalled (see :func:`pack`)."""

    def __repr__(self) -> str:
        return f"Preset({self.venue.name!r}, {str(self.path)!r}, {self.origin}, {len(self.index)} symbols)"

    @property
    def symbol_names(self) -> list[str]:
        """Every symbol, in the file's order."""
        return list(self.index)

    def complete_count(self) -> int:
        """How many symbols carry their whole tier table (the rest hold the first tiers only)."""
        return sum(1 for packed in self.packed.values() if marshal.loads(packed)[3])

    def symbol(self, query: str) -> SymbolSpec:
        """The symbol named ``query``: the venue's spelling in any case, or a base asset
        (``BTC``) for that base's perpetual in the preset's main quote."""
        wanted = query.strip()
        if wanted in self.index:
            return self._build(wanted)
        folded = wanted.casefold()
        for name in self.index:
            if name.casefold() == folded:
                return self._build(name)
        by_base = [
            name for name, (base, _, kind) in self.index.items()
            if base.casefold() == folded and kind == "perpetual"
        ]
        main = [name for name in by_base if self.index[name][1] == self.venue.main_quote]
        if len(main) == 1:
            return self._build(main[0])
        if len(by_base) == 1:
            return self._build(by_base[0])
        if by_base:
            raise SymbolError(
                f"{{symbol}}: {literal(query)} is the base of several {self.venue.name} perpetuals; "
                f"name one: {literal(', '.join(by_base))}"
            )
        import difflib

        close = difflib.get_close_matches(wanted.upper(), [n.upper() for n in self.index], n=5, cutoff=0.6)
        hint = f"; close names: {literal(', '.join(close))}" if close else ""
        fetch = (f"; `liqcalc presets fetch {self.venue.name}` downloads every symbol the venue lists"
                 if self.venue.name in FETCH_VENUES else "")
        raise SymbolError(
            f"{{symbol}}: {literal(query)} is not a symbol of the {self.venue.name} preset "
            f"({len(self.index)} symbols, `liqcalc presets show {self.venue.name}` lists them){hint}{fetch}"
        )

    def _build(self, name: str) -> SymbolSpec:
        raw: RawSymbol = marshal.loads(self.packed[name])
        base, quote, kind, complete, fee, unit, tiers, contract, face = raw
        return SymbolSpec(
            name=name,
            base=base,
            quote=quote,
            kind=cast(Any, kind),
            complete=complete,
            liquidation_fee=None if fee is None else Decimal(fee),
            tier_unit=cast(Any, unit),
            tiers=tuple(
                Tier(n + 1, Decimal(floor), None if cap is None else Decimal(cap), Decimal(lev), Decimal(mmr), Decimal(amt),
                     *(Decimal(factor) for factor in per_size))
                for n, (floor, cap, lev, mmr, amt, *per_size) in enumerate(tiers)
            ),
            contract_type=cast(Any, contract),
            face_value=Decimal(face),
        )


# -- where presets live -------------------------------------------------------------------


def builtin_dir() -> Path:
    """The folder of the presets that ship inside the package (``liqcalc._presets``)."""
    from importlib import import_module

    package = import_module("liqcalc._presets")
    assert package.__file__ is not None
    return Path(package.__file__).parent


def user_dir() -> Path:
    """The user's preset folder: ``$LIQCALC_PRESETS_DIR``, else the platform config folder."""
    override = os.environ.get("LIQCALC_PRESETS_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        root = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return root / "liqcalc" / "presets"


def cache_dir() -> Path | None:
    """Where validated presets are cached, or None when ``LIQCALC_NO_CACHE`` is set."""
    if os.environ.get("LIQCALC_NO_CACHE"):
        return None
    override = os.environ.get("LIQCALC_CACHE_DIR")
    if override:
        return Path(override)
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "liqcalc"


def builtin_names() -> list[str]:
    """The names of the presets that ship with liqcalc, sorted."""
    return sorted(path.stem for path in builtin_dir().glob("*.toml"))


def available() -> Iterator[tuple[str, Path, Origin]]:
    """Every preset by name: the user's (which override built-ins of the same name), then
    the built-in ones."""
    seen: set[str] = set()
    user = user_dir()
    try:
        found = sorted(user.glob("*.toml")) if user.is_dir() else []
    except (OSError, ValueError):  # an unreadable or unusable folder holds no presets we can use
        found = []
    for path in found:
        seen.add(path.stem)
        yield path.stem, path, "user"
    for path in sorted(builtin_dir().glob("*.toml")):
        if path.stem not in seen:
            yield path.stem, path, "built-in"


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False where the name cannot be a file (too long, a NUL byte)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _exists(path: Path) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def resolve(name_or_path: str) -> tuple[Path, Origin]:
    """The file ``--preset`` means: a path to a TOML file, or a preset name."""
    if "\0" in name_or_path:
        raise PresetError(f"{{preset}}: {literal(repr(name_or_path))} holds a NUL character; give a preset name or a .toml path")
    if name_or_path.endswith(".toml") or os.sep in name_or_path or "/" in name_or_path:
        try:
            candidate = Path(name_or_path).expanduser()
        except RuntimeError:  # ~user that does not exist, or no home folder
            user = name_or_path.split("/", 1)[0]
            raise PresetError(f"{{preset}}: {literal(name_or_path)}: cannot expand {literal(user)} (no such user or no home folder)") from None
        try:
            info = candidate.stat()
        except OSError as error:
            from liqcalc.presets.files import os_problem

            raise PresetError(f"{{preset}}: no preset file at {literal(name_or_path)} ({os_problem(error)})") from None
        if not stat.S_ISREG(info.st_mode):
            from liqcalc.presets.files import kind_of

            raise PresetError(f"{{preset}}: {literal(name_or_path)} is {kind_of(info.st_mode)}, not a preset file")
        return candidate, "file"
    if len(name_or_path.encode("utf-8", "surrogateescape")) > NAME_LIMIT:
        raise PresetError(
            f"{{preset}}: a preset name of {len(name_or_path)} characters is too long (at most {NAME_LIMIT}); "
            f"valid names: {literal(', '.join(name for name, _, _ in available()))}, or a path to a .toml file"
        )
    for folder, origin in ((user_dir(), "user"), (builtin_dir(), "built-in")):
        direct = folder / f"{name_or_path.lower()}.toml"
        # a user file that is there but broken (a FIFO, a dangling link) is still the one
        # meant: loading it names its problem rather than quietly using the built-in
        if _is_file(direct) or (origin == "user" and _exists(direct)):
            return direct, cast(Origin, origin)
    names: dict[str, tuple[Path, Origin]] = {}
    for name, path, origin in available():
        names[name] = (path, origin)
    if name_or_path in names:
        return names[name_or_path]
    lowered = name_or_path.lower()
    if lowered in names:
        return names[lowered]
    import difflib

    close = difflib.get_close_matches(lowered, list(names), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise PresetError(
        f"{{preset}}: unknown preset {literal(repr(name_or_path))}{literal(hint)}; valid names: {literal(', '.join(sorted(names)))}, "
        "or a path to a .toml file"
    )


# -- reading and validating ---------------------------------------------------------------


def parse(path: Path, content: bytes | None = None) -> PresetModel:
    """Read and validate one preset file in full; every problem names the file and field."""
    import tomllib

    from pydantic import ValidationError

    from liqcalc.presets.files import too_long
    from liqcalc.presets.schema import SCHEMA_VERSIONS, PresetModel

    if content is None:
        content = _read(path)
    try:
        data = tomllib.loads(content.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as error:
        raise PresetError(literal(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})")) from None
    except tomllib.TOMLDecodeError as error:
        raise PresetError(literal(f"{path}: TOML syntax error: {error}")) from None
    except RecursionError:
        raise PresetError(literal(f"{path}: arrays or tables nested too deeply (a preset nests a few levels)")) from None
    except ValueError as error:  # an integer beyond Python's digit limit for text (4,300 digits)
        raise PresetError(literal(f"{path}: {too_long(error)}")) from None
    problems = list(number_problems(data))
    if problems:
        lines = [f"{path}: {line}" for line in problems]
        raise PresetError(literal(lines[0]), lines)
    version = data.get("schema_version")
    if version is None:
        raise PresetError(literal(f"{path}: schema_version: missing; this liqcalc reads schema_version 1"))
    if version not in SCHEMA_VERSIONS:
        raise PresetError(literal(
            f"{path}: schema_version: {version!r} is not supported; this liqcalc reads "
            f"schema_version {', '.join(map(str, SCHEMA_VERSIONS))}"
        ))
    try:
        return PresetModel.model_validate(data)
    except RecursionError:
        raise PresetError(literal(f"{path}: arrays or tables nested too deeply (a preset nests a few levels)")) from None
    except ValidationError as error:
        problems = [f"{path}: {line}" for line in validation_lines(error)]
        raise PresetError(literal(problems[0]), problems) from None


def validation_lines(error: Any) -> list[str]:
    """Pydantic errors as ``field.path: message`` lines."""
    lines: list[str] = []
    for item in error.errors():
        loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"]).lstrip(".")
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "missing"
        elif item["loc"] and item["loc"][-1] == "mmr" and item["type"] in ("greater_than", "less_than"):
            message = f"a maintenance rate must be in (0, 1), got {item['input']}"
        elif item["type"] not in ("value_error", "assertion_error") and "input" in item and not isinstance(item["input"], dict | list):
            shown = str(item["input"]) if isinstance(item["input"], Decimal) else repr(item["input"])
            message = f"{message} (got {shown})"
        for part in message.split("\n"):
            if part.startswith("[") or part.startswith("."):
                lines.append(f"{loc}{part}")
            elif loc and not part.startswith("symbols."):
                lines.append(f"{loc}: {part}")
            else:
                lines.append(part)
    return lines


#: Deepest nesting of arrays and tables in a preset (symbols.X.tiers[n] is 4 levels).
MAX_DEPTH = 16


def number_problems(data: Any, where: str = "", depth: int = 0) -> Iterator[str]:
    """Numbers a preset cannot hold (NaN, infinities, beyond 1e30 either way), text with
    control characters (a symbol or title that would break a line or steer the terminal), and
    nesting deeper than :data:`MAX_DEPTH`, as ``field.path: problem`` lines."""
    from liqcalc.core.errors import InputError
    from liqcalc.core.numbers import to_decimal

    if depth > MAX_DEPTH:
        yield f"{where or 'the file'}: nested more than {MAX_DEPTH} levels deep"
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if not key.isprintable():
                yield f"{where or 'the file'}: control characters are not allowed in a key (got {key[:40]!r})"
                continue
            yield from number_problems(value, f"{where}.{key}" if where else str(key), depth + 1)
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from number_problems(value, f"{where}[{n}]", depth + 1)
    elif isinstance(data, str) and not data.isprintable():
        yield f"{where}: control characters are not allowed in a preset's text (got {data[:40]!r})"
    elif isinstance(data, Decimal | int) and not isinstance(data, bool):
        try:
            to_decimal(data, where)
        except InputError as error:
            yield str(error)


def _read(path: Path) -> bytes:
    from liqcalc.presets.files import PRESET_LIMIT, read_regular

    return read_regular(path, PRESET_LIMIT, PresetError)


def load(name_or_path: str) -> Preset:
    """Load a preset by name or path, from the cache when this exact content passed before."""
    path, origin = resolve(name_or_path)
    return load_path(path, origin)


def load_path(path: Path, origin: Origin = "file") -> Preset:
    """Load the preset at ``path``: validated in full, unless the cache holds this file as it
    is now (same path, size and modification time, the rule CPython uses for its ``.pyc``
    files, and the same liqcalc version)."""
    from liqcalc.presets.files import kind_of, os_problem

    try:
        info = path.stat()
        absolute = str(path.resolve())
    except (OSError, RuntimeError) as error:
        problem = os_problem(error) if isinstance(error, OSError) else str(error)
        raise PresetError(literal(f"{path}: cannot be read ({problem})")) from None
    if not stat.S_ISREG(info.st_mode):
        raise PresetError(literal(f"{path}: is {kind_of(info.st_mode)}, not a preset file"))
    fingerprint = [absolute, info.st_size, info.st_mtime_ns, __version__, CACHE_FORMAT]
    folder = cache_dir()
    cached = folder / f"{path.stem}-{zlib.crc32(absolute.encode()):08x}.marshal" if folder else None
    if cached is not None:
        try:
            from liqcalc.presets.files import RESPONSE_LIMIT, read_regular

            stored = marshal.loads(read_regular(cached, RESPONSE_LIMIT))  # a FIFO there is not waited on
            if stored["fingerprint"] == fingerprint:
                return _from_plain(stored, path, origin)
        except (LiqcalcError, OSError, ValueError, EOFError, TypeError, KeyError):
            pass
    plain = pack(to_plain(parse(path)))
    plain["fingerprint"] = fingerprint
    if cached is not None:
        _write_cache(cached, plain)
    return _from_plain(plain, path, origin)


def pack(plain: dict[str, Any]) -> dict[str, Any]:
    """Index the symbols and marshal each table on its own, so a run unpacks only one."""
    symbols: dict[str, RawSymbol] = plain["symbols"]
    packed = dict(plain)
    packed["index"] = {name: raw[:3] for name, raw in symbols.items()}
    packed["symbols"] = {name: marshal.dumps(raw) for name, raw in symbols.items()}
    return packed


def _write_cache(target: Path, plain: dict[str, Any]) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(plain))
        os.replace(temporary, target)
    except OSError:
        pass  # a read-only or full cache folder only costs time on the next run


# -- model <-> core -----------------------------------------------------------------------


def _s(value: Decimal) -> str:
    return str(value)


def to_plain(model: PresetModel) -> dict[str, Any]:
    """The validated model as plain strings: the cache's content and the core's input."""
    from liqcalc.core.tiers import maint_amounts
    from liqcalc.presets.schema import derived_rates

    symbols: dict[str, RawSymbol] = {}
    for name, symbol in model.symbols.items():
        rates = derived_rates(model.margin.maintenance_rate, symbol.tiers)
        if model.margin.deduction:
            amounts = maint_amounts([t.floor for t in symbol.tiers], rates)
        else:
            amounts = [Decimal(0)] * len(symbol.tiers)
        tiers: list[RawTier] = []
        for t, rate, amount in zip(symbol.tiers, rates, amounts, strict=True):
            row = (_s(t.floor), None if t.cap is None else _s(t.cap), _s(t.max_leverage), _s(rate), _s(amount))
            # under a size-scaled rate, the row's two per-size factors
            tiers.append(row if t.imr_per_size is None or t.mmr_per_size is None else
                         (*row, _s(t.imr_per_size), _s(t.mmr_per_size)))
        fee = None if symbol.liquidation_fee is None else _s(symbol.liquidation_fee)
        face = _s(symbol.face_value) if symbol.face_value is not None else "1"
        symbols[name] = (symbol.base, symbol.quote, symbol.kind, symbol.complete, fee, symbol.tier_unit, tuple(tiers),
                         symbol.contract_type, face)
    return {
        "format": CACHE_FORMAT,
        "name": model.name,
        "title": model.title,
        "as_of": model.as_of.isoformat(),
        "illustrative": model.illustrative,
        "main_quote": model.main_quote,
        "sources": list(model.sources),
        "notes": list(model.notes),
        "margin": [model.margin.tier_basis, model.margin.maintenance_basis, model.margin.close_fee, model.margin.source,
                   model.margin.added_margin, model.margin.maintenance_rate],
        "fees": [_s(model.fees.maker), _s(model.fees.taker), _s(model.fees.liquidation), model.fees.liquidation_fee_to, model.fees.source],
        "surplus": [model.surplus.to, model.surplus.backstop_fraction(), model.surplus.backstop_to, model.surplus.source],
        "shortfall": [list(model.shortfall.waterfall), model.shortfall.source],
        "adl": [model.adl.ranking, model.adl.price, model.adl.indicator_min, model.adl.indicator_max, model.adl.source,
                model.adl.unabsorbed_by, model.adl.indicator_basis],
        "symbols": symbols,
    }


def _from_plain(plain: dict[str, Any], path: Path, origin: Origin) -> Preset:
    if plain.get("format") != CACHE_FORMAT:
        raise ValueError("cache format")
    tier_basis, maintenance_basis, close_fee, margin_source, added_margin, maintenance_rate = plain["margin"]
    maker, taker, liquidation, fee_to, fee_source = plain["fees"]
    surplus_to, backstop, backstop_to, surplus_source = plain["surplus"]
    waterfall, shortfall_source = plain["shortfall"]
    ranking, adl_price, indicator_min, indicator_max, adl_source, unabsorbed_by, indicator_basis = plain["adl"]
    venue = Venue(
        name=plain["name"],
        title=plain["title"],
        as_of=dt.date.fromisoformat(plain["as_of"]),
        illustrative=plain["illustrative"],
        main_quote=plain["main_quote"],
        sources=tuple(plain["sources"]),
        notes=tuple(plain["notes"]),
        margin=MarginRules(tier_basis, maintenance_basis, close_fee, margin_source, added_margin, maintenance_rate),
        fees=FeeRules(Decimal(maker), Decimal(taker), Decimal(liquidation), fee_to, fee_source),
        surplus=SurplusRule(surplus_to, None if backstop is None else tuple(backstop), backstop_to, surplus_source),
        shortfall=ShortfallRule(tuple(waterfall), shortfall_source),
        adl=AdlRule(ranking, adl_price, indicator_min, indicator_max, adl_source, unabsorbed_by, indicator_basis),
    )
    return Preset(venue=venue, path=path, origin=origin, index=FrozenDict(plain["index"]),
                  packed=FrozenDict(plain["symbols"]))


# -- age ----------------------------------------------------------------------------------

#: A preset older than this many days gets a warning: tier tables change every few weeks.
STALE_AFTER_DAYS = 90


def today() -> dt.date:
    """Today, or ``$LIQCALC_TODAY`` (an ISO date) so that tests and examples are reproducible."""
    fixed = os.environ.get("LIQCALC_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def age_days(venue: Venue) -> int:
    """Days since the preset's ``as_of`` date."""
    return (today() - venue.as_of).days


#: The venues ``liqcalc presets fetch`` downloads (the keys of ``fetchers.FETCHERS``, kept here
#: so that a warning can name the command without importing the fetchers).
FETCH_VENUES = ("binance", "bybit", "bybit-inverse", "okx", "bitget", "hyperliquid", "dydx")


def refresh_command(name: str) -> str:
    """The command that refreshes the preset ``name``: a fetch for a venue with a fetcher, else
    an import of a saved answer with the preset's rules (inverse markets included)."""
    return f"liqcalc presets fetch {name}" if name in FETCH_VENUES else f"liqcalc presets import FILE --like {name}"


def stale_warning(preset: Preset) -> str | None:
    """The warning for a preset older than :data:`STALE_AFTER_DAYS`, or None."""
    age = age_days(preset.venue)
    if age <= STALE_AFTER_DAYS:
        return None
    return Note(
        f"the {preset.venue.name} preset is {age} days old (as of {preset.venue.as_of}); tier tables change often: "
        f"refresh it with `{refresh_command(preset.venue.name)}`, or pass {{no_stale_warning}}"
    )
