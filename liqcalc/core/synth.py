"""A model book from public aggregates: what ``liqcalc book synth`` writes.

A trader almost never has the venue's book; what is public is its open interest, the
long/short account ratio the venues publish, and a sense of the leverage used. The model:

- **Open interest** ``OI`` (quote value at the mark, of one side): long and short open
  interest are equal, as on every venue: both sides hold exactly ``U = round(OI / mark / lot)``
  lots, where the lot is the power of ten worth 1 to 10 quote units at the mark.
- **Accounts**: ``positions x long_share`` of the positions are long, the rest short (so with
  more long accounts the average long is smaller).
- **Sizes**: log-normal, ``ln(weight) ~ N(0, size_sigma^2)``; each side's ``U`` lots are shared
  in proportion to the weights (every position at least one lot, the lots left over by rounding
  down going to the largest remainders), so each side sums to ``U`` to the lot.
- **Leverage**: drawn from the mix (``2:10,5:25,...``: leverage, percent of positions), capped
  at the tier table's maximum for the position's notional.
- **Entries**: ``entry = mark x exp(spread x z)``, ``z ~ N(0, 1)``, to 6 significant digits; an
  entry that would leave the position more than half its margin in loss at the mark is mirrored
  to the other side of the mark (a live book holds no position near its liquidation price).

Every draw comes from ``random.Random(seed)``, so a seed gives the same book.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from liqcalc.core.errors import InputError
from liqcalc.core.model import Side, SymbolSpec

SIZE_SIGMA = 1.0
"""The standard deviation of ln(size) (log-normal sizes)."""
ALIVE_SHARE = 0.5
"""An entry may leave a position at most this share of its margin (1/leverage) in loss."""
MAX_ENTRY_SPREAD = 100
"""The widest ``entry_spread`` (percent) the model takes: at 100% the entries already lie from
about 1/5000 to 5000 times the mark (``exp(+-8.6)``, the extremes of ``random.gauss``); wider,
an entry rounds to 0 or overflows."""


@dataclass(frozen=True)
class SynthSpec:
    """The aggregates a model book is made from.

    Attributes:
        mark: the mark price.
        open_interest: one side's open interest, in quote value at the mark.
        long_share: the share of positions (accounts) that are long, in percent.
        leverage_mix: (leverage, percent of positions) pairs; the percents sum to 100.
        entry_spread: the standard deviation of ln(entry / mark), in percent.
        positions: how many positions.
        seed: the random generator's seed.
    """

    mark: Decimal
    open_interest: Decimal
    long_share: Decimal
    leverage_mix: tuple[tuple[Decimal, Decimal], ...]
    entry_spread: Decimal
    positions: int
    seed: int


@dataclass(frozen=True)
class SynthRow:
    """One position of a model book."""

    id: str
    side: Side
    size: Decimal
    entry: Decimal
    leverage: Decimal


@dataclass(frozen=True)
class SynthBook:
    """A model book: its rows (longs, then shorts), the lot, each side's size and how many
    leverages the tier table capped."""

    rows: tuple[SynthRow, ...]
    lot: Decimal
    side_size: Decimal
    longs: int
    shorts: int
    capped: int
    mirrored: int


def lot_of(mark: Decimal) -> Decimal:
    """The power of ten worth 1 to 10 quote units at ``mark`` (0.0001 BTC at 60,000)."""
    return Decimal(1).scaleb(math.floor(math.log10(10 / float(mark))))


def _shares(rng: random.Random, count: int, units: int) -> list[int]:
    """``units`` lots shared among ``count`` positions by log-normal weights, at least one each."""
    weights = [math.exp(SIZE_SIGMA * rng.gauss(0.0, 1.0)) for _ in range(count)]
    total = sum(weights)
    spare = units - count
    exact = [w / total * spare for w in weights]
    lots = [math.floor(x) for x in exact]
    left = spare - sum(lots)
    by_remainder = sorted(range(count), key=lambda i: (-(exact[i] - lots[i]), i))
    for i in by_remainder[:left]:
        lots[i] += 1
    return [n + 1 for n in lots]


def _max_leverage(symbol: SymbolSpec, size: Decimal, entry: Decimal) -> Decimal | None:
    """The tier table's maximum leverage for a position (None: beyond a table known in part);
    an inverse contract's tiers are read on its value in the coin, contracts x face / entry."""
    if symbol.inverse:
        measure = size * symbol.face_value if symbol.tier_unit == "base" else symbol.notional(size, entry)
    else:
        measure = symbol.measure(size, entry)
    for tier in symbol.tiers:
        if tier.cap is None or measure <= tier.cap:
            return tier.max_leverage
    return symbol.tiers[-1].max_leverage if symbol.complete else None


def synthesize(spec: SynthSpec, symbol: SymbolSpec) -> SynthBook:
    """The model book of ``spec`` for ``symbol`` (see the module); raises :class:`InputError`
    naming the input at fault when the aggregates cannot make one."""
    if not 0 <= spec.entry_spread <= MAX_ENTRY_SPREAD:
        raise InputError("entry_spread", f"must be from 0 to {MAX_ENTRY_SPREAD} (percent, the standard deviation of "
                                         f"ln(entry / mark)), got {spec.entry_spread}", key=True)
    rng = random.Random(spec.seed)
    longs = round(spec.positions * float(spec.long_share) / 100)
    longs = min(max(longs, 1), spec.positions - 1)
    shorts = spec.positions - longs
    unit = symbol.size_unit
    if symbol.inverse:  # whole contracts, each worth face_value of the quote whatever the mark
        lot = Decimal(1)
        units = int((spec.open_interest / symbol.face_value).to_integral_value(ROUND_HALF_EVEN))
    else:
        lot = lot_of(spec.mark)
        units = int((spec.open_interest / spec.mark / lot).to_integral_value(ROUND_HALF_EVEN))
    if units < max(longs, shorts):
        raise InputError("open_interest", f"{spec.open_interest} at the mark {spec.mark} is {units:,} lots of {lot} "
                                          f"{unit} a side, fewer than the {max(longs, shorts):,} positions of a "
                                          "side; give fewer positions or more open interest", key=True)
    leverages = [lev for lev, _ in spec.leverage_mix]
    weights = [float(w) for _, w in spec.leverage_mix]
    digits = math.floor(math.log10(float(spec.mark))) - 5
    step = Decimal(1).scaleb(digits)
    spread = float(spec.entry_spread) / 100
    rows: list[SynthRow] = []
    capped = mirrored = 0
    halves: tuple[tuple[Side, int, str], ...] = (("long", longs, "l"), ("short", shorts, "s"))
    for side, count, prefix in halves:
        sign = 1 if side == "long" else -1
        lots = _shares(rng, count, units)
        for n, lot_count in enumerate(lots, start=1):
            size = lot * lot_count
            leverage = rng.choices(leverages, weights)[0]
            z = rng.gauss(0.0, 1.0)
            entry = (spec.mark * Decimal(repr(math.exp(spread * z)))).quantize(step, ROUND_HALF_EVEN)
            # in loss at the mark by more than ALIVE_SHARE of the margin: mirrored to the other side
            loss = -sign * (float(spec.mark) - float(entry)) / float(entry)
            if loss > ALIVE_SHARE / float(leverage):
                entry = (spec.mark * Decimal(repr(math.exp(-spread * z)))).quantize(step, ROUND_HALF_EVEN)
                mirrored += 1
            highest = _max_leverage(symbol, size, entry)
            if highest is None:
                raise InputError("open_interest", f"a position of {size} {unit} is beyond {symbol.name}'s tier "
                                                  "table (known in part); give more positions or less open interest", key=True)
            if leverage > highest:
                leverage = highest
                capped += 1
            rows.append(SynthRow(f"{prefix}{n:06d}", side, size.normalize() + 0, entry.normalize() + 0, leverage))
    return SynthBook(tuple(rows), lot, lot * units, longs, shorts, capped, mirrored)


def parse_mix(text: str, field: str = "leverage_mix") -> tuple[tuple[Decimal, Decimal], ...]:
    """``2:10,5:25,10:30,20:25,50:10``: leverage and percent of positions, the percents summing
    to 100."""
    from liqcalc.core.numbers import to_decimal

    pairs: list[tuple[Decimal, Decimal]] = []
    for part in text.split(","):
        pieces = part.split(":")
        if len(pieces) != 2:
            raise InputError(field, f"expected LEVERAGE:PERCENT pairs separated by commas (2:10,5:25,...), got {part!r}")
        leverage, share = (to_decimal(p.strip(), field) for p in pieces)
        if leverage < 1 or share < 0:
            raise InputError(field, f"a leverage is at least 1 and a percent at least 0, got {part!r}")
        pairs.append((leverage, share))
    total = sum((share for _, share in pairs), Decimal(0))
    if total != 100:
        raise InputError(field, f"the percents add up to {total}, not 100")
    return tuple(pairs)


def sides(rows: Sequence[SynthRow]) -> tuple[Decimal, Decimal]:
    """The long and the short open interest (sizes) of ``rows``."""
    long_size = sum((r.size for r in rows if r.side == "long"), Decimal(0))
    short_size = sum((r.size for r in rows if r.side == "short"), Decimal(0))
    return long_size, short_size
