"""The preset file format, as pydantic models (schema_version 1; see presets/FORMAT.md).

Validation happens once per file content: the loader caches what passed. Each problem is
reported as ``file: field.path: message``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from liqcalc.core.model import (
    AddedMargin,
    AdlPrice,
    Bearer,
    CloseFee,
    ContractType,
    IndicatorBasis,
    MaintenanceBasis,
    MaintenanceRate,
    Party,
    Ranking,
    SymbolKind,
    TierBasis,
)
from liqcalc.core.tiers import maint_amounts, mmr_from_max_leverage

SCHEMA_VERSIONS = (1,)

Rate = Annotated[Decimal, Field(ge=0, lt=1)]
Url = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierModel(_Model):
    """One tier row: ``floor < notional <= cap``."""

    floor: Annotated[Decimal, Field(ge=0)]
    """Notional above which the tier applies (quote currency)."""
    cap: Decimal | None = None
    """Notional up to which it applies; omitted only on a last tier the venue leaves open."""
    max_leverage: Annotated[Decimal, Field(ge=1)]
    """Highest leverage allowed in the tier."""
    mmr: Annotated[Decimal, Field(gt=0, lt=1)] | None = None
    """Maintenance-margin rate, in (0, 1)."""
    maint_amount: Decimal | None = None
    """Maintenance amount (deduction); checked against the recursion when given."""
    imr_per_size: Annotated[Decimal, Field(ge=0, lt=1)] | None = None
    """``size_scaled`` only: what each unit of size (in the base coin) adds to the initial rate
    ``1 / max_leverage`` (Deribit's "Increase Factor", 0.005% for BTC)."""
    mmr_per_size: Annotated[Decimal, Field(ge=0, lt=1)] | None = None
    """``size_scaled`` only: what each unit of size adds to ``mmr``."""


class SymbolModel(_Model):
    """A contract and its tier table."""

    base: str
    quote: str
    kind: SymbolKind = "perpetual"
    complete: bool = True
    liquidation_fee: Rate | None = None
    tier_unit: Literal["quote", "base"] = "quote"
    """What the tier bounds measure: the notional in the margin asset (an inverse contract's
    value in its coin), or position size in the base asset."""
    contract_type: ContractType = "linear"
    """``linear`` (size in the base asset, money in the quote) or ``inverse`` (size in
    contracts, money in the base coin)."""
    face_value: Annotated[Decimal, Field(gt=0)] | None = None
    """The quote amount (USD) one inverse contract is worth; required for inverse contracts."""
    tiers: Annotated[list[TierModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _contract(self) -> Self:
        if self.contract_type == "inverse":
            if self.face_value is None:
                raise ValueError("face_value: missing; an inverse contract states the quote amount one contract "
                                 "is worth (e.g. face_value = 100 for Binance's BTCUSD_PERP)")
            if self.tier_unit != "quote":
                raise ValueError("tier_unit: an inverse contract's tiers are its value in the settle coin "
                                 "(leave tier_unit out)")
        elif self.face_value is not None:
            raise ValueError("face_value: only an inverse contract has a face value (contract_type = \"inverse\"); "
                             "a linear contract's size is in the base asset")
        return self

    @field_validator("tiers")
    @classmethod
    def _sorted_contiguous(cls, tiers: list[TierModel]) -> list[TierModel]:
        for n in range(1, len(tiers)):
            if tiers[n].floor < tiers[n - 1].floor:
                raise ValueError(
                    f"[{n}].floor: {tiers[n].floor} comes after a tier starting at {tiers[n - 1].floor} "
                    "(tiers must be sorted by floor)"
                )
        if tiers[0].floor != 0:
            raise ValueError(f"[0].floor: the first tier must start at 0, not {tiers[0].floor}")
        for n, tier in enumerate(tiers):
            if tier.cap is None:
                if n != len(tiers) - 1:
                    raise ValueError(f"[{n}].cap: only the last tier may leave out its cap")
            elif tier.cap <= tier.floor:
                raise ValueError(f"[{n}].cap: {tier.cap} must be above the floor {tier.floor}")
            if n > 0:
                previous = tiers[n - 1]
                assert previous.cap is not None
                if tier.floor < previous.cap:
                    raise ValueError(
                        f"[{n}].floor: {tier.floor} overlaps the previous tier, which ends at "
                        f"{previous.cap} (tiers must be sorted and must not overlap)"
                    )
                if tier.floor > previous.cap:
                    raise ValueError(
                        f"[{n}].floor: {tier.floor} leaves a gap after the previous tier, which "
                        f"ends at {previous.cap} (each floor must equal the previous cap)"
                    )
        return tiers


class MarginModel(_Model):
    """How the tier table becomes maintenance margin."""

    tier_basis: TierBasis
    maintenance_basis: MaintenanceBasis
    maintenance_rate: MaintenanceRate = "tier"
    deduction: bool
    close_fee: CloseFee
    source: Url
    added_margin: AddedMargin = "as_is"
    """How margin added to an isolated position counts (Bybit UTA inverse: ÷ (1 + taker))."""


class FeesModel(_Model):
    """Fee rates."""

    maker: Rate
    taker: Rate
    liquidation: Rate
    liquidation_fee_to: Party
    source: Url


class SurplusModel(_Model):
    """Where a surplus goes."""

    to: Party
    backstop_below_mm: str | None = None
    backstop_to: Party | None = None
    source: Url

    @field_validator("backstop_below_mm")
    @classmethod
    def _fraction(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[1-9][0-9]*/[1-9][0-9]*", value):
            raise ValueError(f"expected a fraction such as \"2/3\", got {value!r}")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.backstop_below_mm is None) != (self.backstop_to is None):
            raise ValueError("give both backstop_below_mm and backstop_to, or neither")
        return self

    def backstop_fraction(self) -> tuple[int, int] | None:
        """``backstop_below_mm`` as ``(numerator, denominator)``."""
        if self.backstop_below_mm is None:
            return None
        numerator, denominator = self.backstop_below_mm.split("/")
        return int(numerator), int(denominator)


class ShortfallModel(_Model):
    """Who pays a shortfall, in order."""

    waterfall: Annotated[list[Party], Field(min_length=1)]
    source: Url


class AdlModel(_Model):
    """The venue's auto-deleveraging rule."""

    ranking: Ranking
    price: AdlPrice
    indicator_min: Annotated[int, Field(ge=0)]
    indicator_max: Annotated[int, Field(ge=0)]
    source: Url
    unabsorbed_by: Bearer | None = None
    """Who bears what the ADL counterparties do not (optional; see presets/FORMAT.md)."""
    indicator_basis: IndicatorBasis = "count"
    """What the indicator's bands divide: the count of ranked positions, or their size (BitMEX)."""

    @model_validator(mode="after")
    def _scale(self) -> Self:
        if self.indicator_max < self.indicator_min:
            raise ValueError(f"indicator_max {self.indicator_max} is below indicator_min {self.indicator_min}")
        return self


class PresetModel(_Model):
    """A whole preset file."""

    schema_version: Literal[1]
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title: str
    as_of: dt.date
    illustrative: bool = False
    main_quote: str
    sources: Annotated[list[Url], Field(min_length=1)]
    notes: list[str] = []
    margin: MarginModel
    fees: FeesModel
    surplus: SurplusModel
    shortfall: ShortfallModel
    adl: AdlModel
    symbols: Annotated[dict[str, SymbolModel], Field(min_length=1)]

    @model_validator(mode="after")
    def _tier_rates(self) -> Self:
        """Rates where the rule needs them, and given amounts equal to the recursion."""
        problems: list[str] = []
        problems += self._size_scaled()
        # the rate is stated on the row ("tier"; "size_scaled": at size 0), or derived from max_leverage
        stated = self.margin.maintenance_rate in ("tier", "size_scaled")
        for name, symbol in self.symbols.items():
            where = f"symbols.{name}.tiers"
            for n, tier in enumerate(symbol.tiers):
                if stated and tier.mmr is None:
                    problems.append(f"{where}[{n}].mmr: missing (margin.maintenance_rate is \"{self.margin.maintenance_rate}\")")
                if not stated and tier.mmr is not None:
                    problems.append(
                        f"{where}[{n}].mmr: not allowed; margin.maintenance_rate "
                        f"\"{self.margin.maintenance_rate}\" derives it from max_leverage"
                    )
                if tier.mmr is not None and tier.mmr * tier.max_leverage >= 1:
                    problems.append(
                        f"{where}[{n}].mmr: {tier.mmr} is not below the initial rate at max leverage "
                        f"(1/{tier.max_leverage}); a position opened at the maximum would be liquidated at once "
                        "(a percentage written as a rate?)"
                    )
                if not self.margin.deduction and tier.maint_amount not in (None, 0):
                    problems.append(f"{where}[{n}].maint_amount: not allowed; margin.deduction is false")
            if problems:
                continue
            if self.margin.deduction:
                rates = derived_rates(self.margin.maintenance_rate, symbol.tiers)
                expected = maint_amounts([t.floor for t in symbol.tiers], rates)
                for n, (tier, amount) in enumerate(zip(symbol.tiers, expected, strict=True)):
                    if tier.maint_amount is not None and tier.maint_amount != amount:
                        problems.append(
                            f"{where}[{n}].maint_amount: {tier.maint_amount} is not the documented "
                            f"recursion's {amount.normalize():f} (previous amount + floor x "
                            "(rate - previous rate)), so the table is not continuous"
                        )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _size_scaled(self) -> list[str]:
        """``maintenance_rate = "size_scaled"`` (Deribit): one row per symbol, with its per-size
        factors, the size read at the entry and in the base coin; the factors nowhere else."""
        problems: list[str] = []
        scaled = self.margin.maintenance_rate == "size_scaled"
        if scaled and self.margin.tier_basis != "entry_notional":
            problems.append("margin.tier_basis: a size-scaled rate reads the size at the entry (\"entry_notional\"); "
                            "it has no tiers to read at the liquidation notional")
        for name, symbol in self.symbols.items():
            where = f"symbols.{name}"
            for n, tier in enumerate(symbol.tiers):
                for key in ("imr_per_size", "mmr_per_size"):
                    given = getattr(tier, key)
                    if scaled and given is None:
                        problems.append(f"{where}.tiers[{n}].{key}: missing (margin.maintenance_rate is \"size_scaled\")")
                    if not scaled and given is not None:
                        problems.append(f"{where}.tiers[{n}].{key}: only margin.maintenance_rate = \"size_scaled\" "
                                        "has a per-size factor")
                if scaled and tier.imr_per_size is not None and tier.mmr_per_size is not None and (
                        tier.mmr_per_size > tier.imr_per_size):
                    problems.append(f"{where}.tiers[{n}].mmr_per_size: {tier.mmr_per_size} is above imr_per_size "
                                    f"{tier.imr_per_size}; a large enough position would be liquidated as it opens")
            if not scaled:
                continue
            if len(symbol.tiers) != 1:
                problems.append(f"{where}.tiers: a size-scaled rate has one row (its rates at size 0 and the per-size "
                                f"factors), not {len(symbol.tiers)}")
            if symbol.contract_type == "linear" and symbol.tier_unit != "base":
                problems.append(f"{where}.tier_unit: a size-scaled rate grows with the size in the base coin; write "
                                "tier_unit = \"base\" (an inverse contract reads its value in the coin)")
        return problems


def derived_rates(rule: MaintenanceRate, tiers: list[TierModel]) -> list[Decimal]:
    """Each tier's maintenance rate: as given, or half the initial rate at max leverage."""
    if rule == "half_initial_at_max_leverage":
        return [mmr_from_max_leverage(t.max_leverage) for t in tiers]
    return [t.mmr for t in tiers if t.mmr is not None]
