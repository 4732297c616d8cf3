"""A cross account: the account file's reader, its checks, and every position's liquidation
price with the others held at their marks (``position --account``, ``liqcalc.account``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from liqcalc.app.reports import PresetInfo, fix_fields
from liqcalc.app.request import Namer, keyword_name, number, side_of, text
from liqcalc.app.session import Session
from liqcalc.core.errors import InputError, LiqcalcError, SymbolError
from liqcalc.core.numbers import given, size_text

if TYPE_CHECKING:
    from liqcalc.core.model import Venue
    from liqcalc.core.position import PositionResult

@dataclass(frozen=True)
class AccountReport:
    """One cross account (``position --account``): every position's liquidation price with
    the others held at their marks.

    Attributes:
        preset: the preset used.
        venue: the venue's rules.
        wallet: the cross wallet balance.
        results: one result per position, in the file's order.
        warnings: the preset's staleness warning and each position's remarks (``SYMBOL: ...``).
        margin_asset: the asset of the wallet and every amount.
        in_coin: whether it is a coin (inverse contracts).
    """

    preset: PresetInfo
    venue: Venue
    wallet: Decimal
    results: Sequence[PositionResult]
    warnings: Sequence[str] = ()
    margin_asset: str = ""
    """The asset of the wallet and of every amount (the positions share it)."""
    in_coin: bool = False
    """Whether that asset is a coin (the positions are inverse contracts)."""

    def __post_init__(self) -> None:
        fix_fields(self, results=tuple(self.results), warnings=tuple(self.warnings))

    @property
    def margin_balance(self) -> Decimal:
        """The wallet after funding (every position's evaluation carries the account's)."""
        return self.results[0].margin_balance

    @property
    def unrealized_pnl(self) -> Decimal:
        """The unrealized PnL of every position at its mark."""
        return sum((r.unrealized_pnl for r in self.results), Decimal(0))

    @property
    def equity(self) -> Decimal:
        """Margin balance + unrealized PnL of every position."""
        return self.results[0].equity

    @property
    def maintenance_margin(self) -> Decimal:
        """The positions' maintenance margin at their marks."""
        return sum((r.maintenance_margin for r in self.results), Decimal(0))

    @property
    def margin_ratio(self) -> Decimal | None:
        """Maintenance margin / equity (liquidation at 1); None when equity is not positive."""
        return self.results[0].margin_ratio

    @property
    def all_warnings(self) -> list[str]:
        """The warnings, as the JSON's ``warnings`` lists them."""
        return list(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        from liqcalc.render.account import account_json

        return account_json(self)


#: The keys of an account file.
ACCOUNT_KEYS = ("funding", "positions", "preset", "wallet")


def read_account(path: Path, label: str = "--account") -> dict[str, Any]:
    """The account file as a dict: JSON, or TOML when the name ends in .toml; ``label`` names
    where the path was given (``--account``, ``account=``)."""
    import os

    from liqcalc.presets.files import ACCOUNT_LIMIT, read_regular

    if not os.path.lexists(path):
        raise LiqcalcError(f"{label}: no such file {path}")
    content = read_regular(path, ACCOUNT_LIMIT, label=f"{label}: {path}")
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data: Any = tomllib.loads(content.decode("utf-8-sig"), parse_float=Decimal)
        else:
            import json

            data = json.loads(content, parse_float=Decimal)
    except UnicodeDecodeError:
        raise LiqcalcError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise LiqcalcError(f"{path}: nested too deeply to be an account (preset, wallet, positions)") from None
    except ValueError as error:  # JSONDecodeError and TOMLDecodeError are ValueErrors; also a 5,000-digit integer
        if "integer string conversion" in str(error):
            from liqcalc.presets.files import too_long

            raise LiqcalcError(f"{path}: {too_long(error)}") from None
        raise LiqcalcError(f"{path}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {error}") from None
    if not isinstance(data, dict):
        raise LiqcalcError(f"{path}: expected an object with preset, wallet and positions")
    return cast(dict[str, Any], data)


def evaluate_account(session: Session, options: Mapping[str, Any], data: Mapping[str, Any], where: str,
                     name: Namer) -> AccountReport:
    """Check an account (``data``, the file's shape) and evaluate it. ``options`` may give
    ``preset`` and ``wallet`` over the file's; ``where`` starts each message about the account
    (its path), ``name`` names an option (``--preset``, ``preset=``)."""
    from liqcalc.core.position import AccountRow, Calculator
    from liqcalc.core.position import evaluate_account as evaluate_rows

    path = where
    unknown = sorted(set(data) - set(ACCOUNT_KEYS))
    if unknown:
        raise LiqcalcError(f"{path}: {unknown[0]}: unknown field; valid fields: {', '.join(ACCOUNT_KEYS)}")
    preset_name = options.get("preset") or data.get("preset")
    if not isinstance(preset_name, str):
        raise LiqcalcError(f"{path}: preset: missing; name the preset in the file or give {name('preset')}")
    wallet_value = options.get("wallet", data.get("wallet"))
    try:
        wallet = number({"wallet": wallet_value}, "wallet", lambda k: f"{path}: {k}")
        funding = number(data, "funding", lambda k: f"{path}: {k}", sign="any") or Decimal(0)
    except InputError as error:
        raise LiqcalcError(str(error)) from None
    if wallet is None:
        raise LiqcalcError(f"{path}: wallet: missing; give the cross wallet balance")
    rows_data = data.get("positions")
    if not isinstance(rows_data, list) or not rows_data:
        raise LiqcalcError(f"{path}: positions: expected a non-empty list of positions")
    preset = session.preset(preset_name)
    rows: list[AccountRow] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows_data):
        at = f"{path}: positions[{n}]"

        def field(key: str, at: str = at) -> str:
            return f"{at}.{key}"

        if not isinstance(row, dict):
            raise LiqcalcError(f"{at}: expected an object with symbol, side, size, entry, mark")
        extra = sorted(set(row) - {"symbol", "side", "size", "entry", "mark", "mmr", "maint_amount", "leverage"})
        if extra:
            raise LiqcalcError(f"{field(extra[0])}: unknown field; valid fields: entry, leverage, maint_amount, mark, mmr, side, size, symbol")
        try:
            symbol_text = text(row, "symbol", field, InputError)
            if symbol_text is None:
                raise InputError(field("symbol"), "missing")
            values = {key: number(row, key, field) for key in ("size", "entry", "mark")}
            for key, value in values.items():
                if value is None:
                    raise InputError(field(key), "missing")
            leverage = number(row, "leverage", field)
            mmr = number(row, "mmr", field)
            if mmr is not None and mmr >= 1:
                raise InputError(field("mmr"), f"must be below 1, got {given(mmr)}")
            try:
                symbol = preset.symbol(symbol_text)
            except SymbolError as error:
                raise InputError(field("symbol"), error.template.removeprefix("{symbol}: ")) from None
            if symbol.name in seen:
                raise InputError(
                    field("symbol"),
                    f"{symbol.name} is also positions[{seen[symbol.name]}]; liqcalc models one-way mode (one position "
                    "per symbol): merge the rows (hedge mode is not modelled)",
                )
            seen[symbol.name] = n
            rows.append(AccountRow(
                symbol=symbol, side=side_of(row, field, InputError),
                size=cast(Decimal, values["size"]), entry=cast(Decimal, values["entry"]), mark=cast(Decimal, values["mark"]),
                mmr=mmr, maint_amount=number(row, "maint_amount", field, sign="any"), leverage=leverage,
            ))
            if leverage is not None and mmr is None:
                calc = Calculator(preset.venue, symbol)
                _, core_size, (core_entry,) = calc.to_core(rows[-1].side, rows[-1].size, rows[-1].entry)
                entry_tier = calc.tier_at(core_size, core_entry, "entry notional")
                if leverage > entry_tier.max_leverage:
                    raise InputError(
                        field("leverage"),
                        f"{size_text(leverage)}x is above the maximum {size_text(entry_tier.max_leverage)}x "
                        f"for {symbol.name} at this size ({calc.tier_words(entry_tier, core_size, core_entry)})",
                    )
        except LiqcalcError as error:
            raise LiqcalcError(f"{error}" if str(error).startswith(str(path)) else f"{at}: {error}") from None
    try:
        results = evaluate_rows(preset.venue, wallet, rows, funding=funding)
    except InputError as error:  # a row's field (positions[n].mark), named by the core
        raise LiqcalcError(f"{path}: {error}") from None
    warnings = [*session.stale(preset_name), *(f"{r.symbol}: {w}" for r in results for w in r.warnings)]
    first = rows[0].symbol
    return AccountReport(session.info(preset_name), preset.venue, wallet, results, warnings,
                         margin_asset=first.margin_asset, in_coin=first.inverse)


def account(
    *,
    account: str | Path | Mapping[str, Any],
    preset: str | None = None,
    wallet: Decimal | int | float | str | None = None,
    no_stale_warning: bool = False,
    session: Session | None = None,
) -> AccountReport:
    """Every position of a cross account, each liquidation price holding the others at their
    marks (``liqcalc position --account FILE``).

    ``account`` is the account file (JSON, or TOML by its name) or a mapping of the same shape:
    ``{"preset": ..., "wallet": ..., "funding": ..., "positions": [{"symbol", "side", "size",
    "entry", "mark", optional "leverage", "mmr", "maint_amount"}]}``; ``preset`` and ``wallet``
    override the file's.
    """
    from liqcalc.app.position import keywords

    session = session or Session(stale_warning=not no_stale_warning)
    options = {k: v for k, v in (("preset", preset), ("wallet", wallet)) if v is not None}
    with keywords():  # a preset's error names preset=, not --preset
        if isinstance(account, Mapping):
            return evaluate_account(session, options, account, "account=", keyword_name)
        path = Path(account)
        return evaluate_account(session, options, read_account(path, "account="), str(path), keyword_name)
