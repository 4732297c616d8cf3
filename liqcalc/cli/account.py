"""``liqcalc position --account FILE``: cross-margin liquidation price of every position."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from liqcalc.core.errors import InputError, LiqcalcError, SymbolError
from liqcalc.core.numbers import given, size_text
from liqcalc.core.position import AccountRow, Calculator, evaluate_account
from liqcalc.render import OutputFormat


def read_account(path: Path) -> dict[str, Any]:
    """The account file as a dict: JSON, or TOML when the name ends in .toml."""
    import os

    from liqcalc.presets.files import ACCOUNT_LIMIT, read_regular

    if not os.path.lexists(path):
        raise LiqcalcError(f"--account: no such file {path}")
    content = read_regular(path, ACCOUNT_LIMIT, label=f"--account: {path}")
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


def run_account(session: Any, options: dict[str, Any], path: Path, output: OutputFormat) -> None:
    from liqcalc.cli.request import number, side_of, text

    data = read_account(path)
    unknown = sorted(set(data) - {"preset", "wallet", "positions", "funding"})
    if unknown:
        raise LiqcalcError(f"{path}: {unknown[0]}: unknown field; valid fields: funding, positions, preset, wallet")
    preset_name = options.get("preset") or data.get("preset")
    if not isinstance(preset_name, str):
        raise LiqcalcError(f"{path}: preset: missing; name the preset in the file or give --preset")
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
        where = f"{path}: positions[{n}]"

        def name(key: str, where: str = where) -> str:
            return f"{where}.{key}"

        if not isinstance(row, dict):
            raise LiqcalcError(f"{where}: expected an object with symbol, side, size, entry, mark")
        extra = sorted(set(row) - {"symbol", "side", "size", "entry", "mark", "mmr", "maint_amount", "leverage"})
        if extra:
            raise LiqcalcError(f"{name(extra[0])}: unknown field; valid fields: entry, leverage, maint_amount, mark, mmr, side, size, symbol")
        try:
            symbol_text = text(row, "symbol", name, InputError)
            if symbol_text is None:
                raise InputError(name("symbol"), "missing")
            values = {key: number(row, key, name) for key in ("size", "entry", "mark")}
            for key, value in values.items():
                if value is None:
                    raise InputError(name(key), "missing")
            leverage = number(row, "leverage", name)
            mmr = number(row, "mmr", name)
            if mmr is not None and mmr >= 1:
                raise InputError(name("mmr"), f"must be below 1, got {given(mmr)}")
            try:
                symbol = preset.symbol(symbol_text)
            except SymbolError as error:
                raise InputError(name("symbol"), str(error).removeprefix("--symbol: ")) from None
            if symbol.name in seen:
                raise InputError(
                    name("symbol"),
                    f"{symbol.name} is also positions[{seen[symbol.name]}]; liqcalc models one-way mode (one position "
                    "per symbol): merge the rows (hedge mode is not modelled)",
                )
            seen[symbol.name] = n
            rows.append(AccountRow(
                symbol=symbol, side=side_of(row, name, InputError),
                size=cast(Decimal, values["size"]), entry=cast(Decimal, values["entry"]), mark=cast(Decimal, values["mark"]),
                mmr=mmr, maint_amount=number(row, "maint_amount", name, sign="any"), leverage=leverage,
            ))
            if leverage is not None and mmr is None:
                entry_tier = Calculator(preset.venue, symbol).tier_at(rows[-1].size, rows[-1].entry, "entry notional")
                if leverage > entry_tier.max_leverage:
                    raise InputError(
                        name("leverage"),
                        f"{size_text(leverage)}x is above the maximum {size_text(entry_tier.max_leverage)}x "
                        f"for {symbol.name} at this size (tier {entry_tier.number})",
                    )
        except LiqcalcError as error:
            raise LiqcalcError(f"{error}" if str(error).startswith(str(path)) else f"{where}: {error}") from None
    try:
        results = evaluate_account(preset.venue, wallet, rows, funding=funding)
    except InputError as error:  # a row's field (positions[n].mark), named by the core
        raise LiqcalcError(f"{path}: {error}") from None
    from liqcalc.render.account import render_account

    stale = [session.warnings[preset_name]] if preset_name in session.warnings else []
    render_account(session.info(preset_name), preset.venue, wallet, results, output, sys.stdout, stale)
