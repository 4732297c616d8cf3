"""``liqcalc book synth``: a model book from public aggregates (the model:
:mod:`liqcalc.core.synth`), in the CSV format ``adl-risk --book`` reads, or as Parquet or Arrow.

:func:`synth_book` is the command as a Python call; its :class:`SynthReport` holds the rows,
``to_csv()`` the file (``to_bytes("parquet")``, ``to_bytes("arrow")`` the other formats) and
``to_dict()`` the summary.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from liqcalc.core.errors import InputError, LiqcalcError
from liqcalc.core.synth import MAX_ENTRY_SPREAD, SynthBook, SynthSpec, parse_mix, synthesize

DEFAULT_MIX = "2:10,5:25,10:30,20:25,50:10"
DEFAULT_LONG_SHARE = "50"
DEFAULT_ENTRY_SPREAD = "2"
DEFAULT_POSITIONS = 1000
MAX_POSITIONS = 2_000_000
HEADER = ("id", "side", "size", "entry", "leverage")

Namer = Callable[[str], str]


@dataclass(frozen=True)
class SynthReport:
    """A model book and how it was made.

    Attributes:
        preset: the preset's name; symbol the venue's symbol; base and quote its assets.
        spec: the aggregates it was made from.
        book: the rows and their totals.
    """

    preset: str
    symbol: str
    base: str
    quote: str
    spec: SynthSpec
    book: SynthBook
    face_value: Decimal | None = None
    """An inverse contract's face (``base`` is then ``contracts``): the open interest is
    ``side_size x face_value`` of the quote, whatever the mark."""

    def to_csv(self) -> str:
        """The book as CSV (``id,side,size,entry,leverage``), as ``adl-risk --book`` reads it."""
        lines = [",".join(HEADER)]
        lines.extend(f"{r.id},{r.side},{r.size:f},{r.entry:f},{r.leverage:f}" for r in self.book.rows)
        return "\n".join(lines) + "\n"

    def to_table(self) -> Any:
        """The book as a :class:`pyarrow.Table` (``id``, ``side`` as text; ``size``, ``entry``,
        ``leverage`` as float64), the columns ``adl-risk --book`` reads from Parquet or Arrow."""
        import pyarrow as pa

        rows = self.book.rows
        return pa.table({
            "id": pa.array([r.id for r in rows], type=pa.string()),
            "side": pa.array([r.side for r in rows], type=pa.string()),
            "size": pa.array([float(r.size) for r in rows], type=pa.float64()),
            "entry": pa.array([float(r.entry) for r in rows], type=pa.float64()),
            "leverage": pa.array([float(r.leverage) for r in rows], type=pa.float64()),
        })

    def to_bytes(self, kind: str) -> bytes:
        """The book as a file of ``kind``: ``csv`` (:meth:`to_csv`), ``parquet`` or ``arrow``
        (an Arrow IPC file, as Feather v2 writes it)."""
        if kind == "csv":
            return self.to_csv().encode("utf-8")
        import pyarrow as pa

        sink = pa.BufferOutputStream()
        table = self.to_table()
        if kind == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, sink, write_page_checksum=True)  # a damaged page is refused on reading
        elif kind == "arrow":
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        else:
            raise ValueError(f"unknown book format {kind!r}")
        return bytes(sink.getvalue().to_pybytes())

    def to_dict(self) -> dict[str, Any]:
        """The summary: the inputs and each side's totals."""
        return {
            "preset": self.preset, "symbol": self.symbol, "mark": self.spec.mark, "open_interest": self.spec.open_interest,
            "long_share": self.spec.long_share, "entry_spread": self.spec.entry_spread, "seed": self.spec.seed,
            "leverage_mix": [{"leverage": lev, "percent": share} for lev, share in self.spec.leverage_mix],
            "positions": len(self.book.rows), "longs": self.book.longs, "shorts": self.book.shorts,
            "lot": self.book.lot, "side_size": self.book.side_size, "capped_leverages": self.book.capped,
            "mirrored_entries": self.book.mirrored,
            # an inverse contract's sizes are contracts of face_value quote each
            **({} if self.face_value is None else {"contract_type": "inverse", "face_value": self.face_value,
                                                   "size_unit": self.base}),
        }


def _keyword(key: str) -> str:
    return f"{key}="


def synth_book(*, preset: str | os.PathLike[str], symbol: str, mark: Any, open_interest: Any,
               long_share: Any = DEFAULT_LONG_SHARE, leverage_mix: str = DEFAULT_MIX,
               entry_spread: Any = DEFAULT_ENTRY_SPREAD, positions: int = DEFAULT_POSITIONS, seed: int = 0,
               name: Namer = _keyword, error: type[InputError] = InputError) -> SynthReport:
    """A model book for ``symbol`` on ``preset``: ``open_interest`` (one side, quote value at
    ``mark``), ``long_share`` percent of the positions long, leverages from ``leverage_mix``
    (``"2:10,5:25,..."``), entries spread ``entry_spread`` percent around the mark, ``positions``
    positions, from ``seed``. Long and short open interest are equal to the lot.

    Example::

        book = synth_book(preset="binance", symbol="BTCUSDT", mark=60000, open_interest=50_000_000,
                          long_share=60, positions=500, seed=7)
        book.to_csv()      # what ``adl-risk --book`` reads
    """
    from liqcalc.app.request import number
    from liqcalc.presets.loader import load

    def value(raw: Any, key: str, sign: str = "positive") -> Decimal:
        found = number({key: raw}, key, name, sign=sign, error=error)
        if found is None:
            raise error(name(key), "missing")
        return found

    for key, whole in (("positions", positions), ("seed", seed)):
        if isinstance(whole, bool) or not isinstance(whole, int):
            raise error(name(key), f"expected a whole number, got {whole!r}")
    if not 2 <= positions <= MAX_POSITIONS:
        raise error(name("positions"), f"must be from 2 to {MAX_POSITIONS:,}, got {positions}")
    share = value(long_share, "long_share")
    if not 0 < share < 100:
        raise error(name("long_share"), f"a percent of the positions, above 0 and below 100, got {long_share}")
    try:
        mix = parse_mix(leverage_mix) if isinstance(leverage_mix, str) else None
    except InputError as problem:
        raise error(name("leverage_mix"), problem.problem) from None
    if mix is None:
        raise error(name("leverage_mix"), f"expected LEVERAGE:PERCENT pairs (2:10,5:25,...), got {leverage_mix!r}")
    spread = value(entry_spread, "entry_spread", "non_negative")
    if spread > MAX_ENTRY_SPREAD:
        raise error(name("entry_spread"), f"at most {MAX_ENTRY_SPREAD} (percent, the standard deviation of ln(entry / "
                                          f"mark): entries from about 1/5000 to 5000 times the mark), got {entry_spread}")
    spec = SynthSpec(mark=value(mark, "mark"), open_interest=value(open_interest, "open_interest"), long_share=share,
                     leverage_mix=mix, entry_spread=spread, positions=positions, seed=seed)
    loaded = load(os.fspath(preset))
    spec_symbol = loaded.symbol(symbol)
    from liqcalc.app.adl import refuse_unmodelled

    refuse_unmodelled(loaded.venue, spec_symbol, "book synth writes books for adl-risk, which")
    try:
        book = synthesize(spec, spec_symbol)
    except LiqcalcError as problem:
        raise problem.renamed(name) from None
    return SynthReport(loaded.venue.name, spec_symbol.name, spec_symbol.size_unit, spec_symbol.quote, spec, book,
                       spec_symbol.face_value if spec_symbol.inverse else None)
