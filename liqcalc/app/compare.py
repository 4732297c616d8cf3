"""``compare``: the same trade on every built-in preset (or those named), side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liqcalc.app.reports import fix_fields, plain_inputs
from liqcalc.app.request import Namer, Request, build, contracts_note, keyword_name, number
from liqcalc.core.errors import InputError, LiqcalcError, PresetError, UsageError

if TYPE_CHECKING:
    from liqcalc.app.position import Number
    from liqcalc.core.model import Party, SymbolSpec
    from liqcalc.core.position import PositionResult, PositionSpec
    from liqcalc.presets.loader import Preset


@dataclass(frozen=True)
class VenueRow:
    """One venue's answer in a comparison, or why it cannot take the trade."""

    name: str
    preset: Preset | None
    symbol: SymbolSpec | None
    result: PositionResult | None
    error: str | None
    notes: Sequence[str] = ()
    """Remarks about this venue alone (an option that does not apply to it)."""
    sizing: Sequence[str] = ()
    """Remarks about the size this venue takes (a number of contracts that is not whole)."""

    def __post_init__(self) -> None:
        fix_fields(self, notes=tuple(self.notes), sizing=tuple(self.sizing))

    @property
    def ok(self) -> bool:
        """Whether the venue took the trade."""
        return self.error is None and self.result is not None


@dataclass(frozen=True)
class CompareReport:
    """The same trade on several venues (``compare``).

    Attributes:
        request: the trade as checked (its ``inputs`` are the JSON's).
        rows: one :class:`VenueRow` per venue, in the order compared.
        warnings: the presets' staleness warnings (each venue's remarks are on its row).
    """

    request: Request
    rows: Sequence[VenueRow]
    warnings: Sequence[str] = ()

    def __post_init__(self) -> None:
        fix_fields(self, rows=tuple(self.rows), warnings=tuple(self.warnings))

    @property
    def inputs(self) -> dict[str, Any]:
        """The JSON's ``inputs``."""
        return {k: v for k, v in self.request.inputs.items() if k not in ("preset", "can_pay")}

    @property
    def all_warnings(self) -> list[str]:
        """The staleness warnings, then each venue's remarks, each once with the venues it
        concerns (``... (binance, bybit)``): what the table prints on stderr."""
        venues: dict[str, list[str]] = {}
        for row in self.rows:
            for remark in row.result.warnings if row.result is not None else ():
                venues.setdefault(remark, []).append(row.name)
        return [*self.warnings, *(f"{remark} ({', '.join(where)})" for remark, where in venues.items())]

    @property
    def refused(self) -> bool:
        """True when no venue compared could take the trade."""
        return bool(self.rows) and all(row.result is None for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object."""
        from liqcalc.render.compare import compare_json

        return plain_inputs(compare_json(self))



def chosen_presets(names: Sequence[str] | None, name: Namer) -> list[str]:
    """The presets to compare: every built-in one (in the user's version where the user has
    imported a fresher one), or the names given, each checked to exist."""
    from liqcalc.presets.loader import available, builtin_names, resolve

    if names is None:
        builtin = set(builtin_names())
        return [preset for preset, _, _ in available() if preset in builtin]
    chosen = list(dict.fromkeys(n.strip() for n in names if n.strip()))  # a name given twice is one venue
    if not chosen:
        raise UsageError(f"{name('presets')}: no preset named; give names separated by commas, e.g. binance,bybit")
    for preset in chosen:  # an unknown name is a mistake, not a venue that cannot take the trade
        try:
            resolve(preset)
        except PresetError as error:  # said of the list the name is in
            raise PresetError(error.template.replace("{preset}:", "{presets}:", 1)).renamed(name) from None
    return chosen


def venue_spec(request: Request, symbol: SymbolSpec) -> tuple[PositionSpec, list[str]]:
    """The trade in ``symbol``'s own terms, and what the row should say about its size.

    ``compare`` takes one position for every venue: ``--size`` in the base asset or
    ``--notional`` in the quote, and ``--margin`` and ``--maint-amount`` in the quote. A linear
    contract takes them as they are. An inverse contract counts contracts of ``face_value``
    quote each: ``size x entry / face`` (``notional / face``), never rounded; the quote amounts
    become coins at the entry (``--insurance-fund`` too, in :func:`evaluate_compare`). A size that is not a whole number of contracts (which is what an
    inverse venue trades) is kept exact and said in the row's note.
    """
    from dataclasses import replace

    from liqcalc.core.numbers import div

    spec = request.specs[0]
    if not symbol.inverse:
        return spec, []
    entry = spec.entry
    quote_value = request.notional if request.notional is not None else spec.size * entry
    contracts = symbol.size_of(quote_value, entry)
    sized = replace(spec, size=contracts,
                    margin=None if spec.margin is None else div(spec.margin, entry),
                    maint_amount=None if spec.maint_amount is None else div(spec.maint_amount, entry))
    note = contracts_note(symbol, contracts, quote_value)
    return sized, [] if note is None else [note]


def evaluate_compare(values: Mapping[str, Any], names: Sequence[str] | None, name: Namer, *, stale_warning: bool = True,
                     error: type[InputError] = InputError) -> CompareReport:
    """Check the trade (``values``: keys named like the options) and evaluate it on each venue.

    A venue that cannot take the trade is a row with its error, not an exception.
    """
    from liqcalc.core.numbers import div
    from liqcalc.core.position import Calculator
    from liqcalc.presets.loader import load
    from liqcalc.presets.loader import stale_warning as stale_of

    chosen = chosen_presets(names, name)
    if values.get("leverage") is not None and "," in str(values["leverage"]):
        several = ("`liqcalc position --leverage 5,10,20`" if name("leverage").startswith("--")
                   else "liqcalc.position(leverage=[5, 10, 20])")
        raise UsageError(f"{name('leverage')}: compare takes one leverage; for several, use {several}")
    given = {k: v for k, v in values.items() if v is not None}
    # insurance_fund caps each venue's own fund (an insurance fund, Hyperliquid's backstop vault)
    insurance_fund = number(given, "insurance_fund", name, sign="non_negative", error=error)
    given.pop("insurance_fund", None)
    if insurance_fund is not None and "fill" not in given:
        raise UsageError(f"{name('insurance_fund')} caps what the fund pays at a fill beyond the bankruptcy price; "
                         f"give {name('fill')}{' PRICE' if name('fill').startswith('--') else ''} too")
    # the trade is checked once, with the first preset standing in for the name
    request = build({**given, "preset": chosen[0] if chosen else "-"}, name, fund_party=lambda _: None, error=error)
    request = replace(request, inputs={**request.inputs, "insurance_fund": insurance_fund})
    rows: list[VenueRow] = []
    warnings: list[str] = []
    for preset_name in chosen:
        try:
            preset = load(preset_name)
        except LiqcalcError as problem:
            rows.append(VenueRow(preset_name, None, None, None, str(problem)))
            continue
        if stale_warning and (stale := stale_of(preset)):
            warnings.append(stale)
        caps: dict[Party, Decimal] = {}
        notes: list[str] = []  # data, the input named as the caller names it (--insurance-fund, insurance_fund=)
        if insurance_fund is not None:
            fund = preset.venue.fund_party
            if fund is None:
                notes.append(f"no fund in this venue's waterfall: {name('insurance_fund')} does not apply")
            elif fund == preset.venue.shortfall.waterfall[-1]:
                notes.append(f"the {fund.replace('_', ' ')} is this venue's last payer and pays whatever is left: "
                             f"{name('insurance_fund')} does not apply")
            else:
                caps[fund] = insurance_fund
        try:
            symbol = preset.symbol(request.symbol)
            spec, sizing = venue_spec(request, symbol)
            if symbol.inverse:  # the fund's cap is given in the quote, like every amount compare takes
                caps = {party: div(cap, request.specs[0].entry) for party, cap in caps.items()}
            result = Calculator(preset.venue, symbol).evaluate(spec, fill=request.fill, caps=caps)
            rows.append(VenueRow(preset_name, preset, symbol, result, None, notes, sizing))
        except LiqcalcError as problem:
            rows.append(VenueRow(preset_name, preset, None, None, str(problem)))
    return CompareReport(request, rows, warnings)


def compare(
    *,
    symbol: str,
    side: str,
    entry: Number,
    size: Number | None = None,
    notional: Number | None = None,
    leverage: Number | None = None,
    margin: Number | None = None,
    mark: Number | None = None,
    fill: Number | None = None,
    insurance_fund: Number | None = None,
    mmr: Number | None = None,
    maint_amount: Number | None = None,
    presets: Sequence[str] | None = None,
    no_stale_warning: bool = False,
) -> CompareReport:
    """The same trade on every built-in venue (``presets=None``) or on those named.

    The keywords are ``liqcalc compare``'s options in snake_case. The trade is the same position
    on every venue: ``size`` in the base asset (or ``notional``, ``margin``, ``maint_amount`` and
    ``insurance_fund`` in the quote); an inverse venue takes it as contracts, size x entry / face
    value, not rounded (:func:`venue_spec`). A venue that cannot take the
    trade is a row with ``ok`` False and its ``error``; :attr:`CompareReport.refused` says
    whether none could. Raises a :class:`~liqcalc.core.errors.LiqcalcError` naming the keyword.
    """
    from liqcalc.app.position import given_values, keywords

    if isinstance(presets, str):
        presets = presets.split(",")
    values = given_values({
        "symbol": symbol, "side": side, "entry": entry, "size": size, "notional": notional, "leverage": leverage,
        "margin": margin, "mark": mark, "fill": fill, "insurance_fund": insurance_fund, "mmr": mmr,
        "maint_amount": maint_amount,
    })
    with keywords():
        return evaluate_compare(values, None if presets is None else list(presets), keyword_name,
                                stale_warning=not no_stale_warning)
