"""``liqcalc book synth`` output: the one sentence that says what was written (the book itself
is CSV, :meth:`liqcalc.app.synth.SynthReport.to_csv`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liqcalc.render.numbers import money, price

if TYPE_CHECKING:
    from liqcalc.app.synth import SynthReport


def summary(report: SynthReport, where: str) -> str:
    """What was written where: the positions, each side's open interest, the seed."""
    book, spec = report.book, report.spec
    notional = book.side_size * (spec.mark if report.face_value is None else report.face_value)
    parts = [f"wrote {len(book.rows):,} positions of {report.symbol} ({report.preset}) to {where}: {book.longs:,} longs "
             f"and {book.shorts:,} shorts, each side {book.side_size.normalize():,f} {report.base} "
             f"({money(notional)} {report.quote}{' at the mark' if report.face_value is None else ' at any mark; the mark'} {price(spec.mark)}), seed {spec.seed}"]
    if book.capped:
        parts.append(f"{book.capped:,} leverages capped at the tier table's maximum")
    return "; ".join(parts)
