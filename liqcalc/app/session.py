"""Presets and calculators loaded once and reused: across the lines of a batch, the venues of
a comparison, or the calls of a script."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liqcalc.app.reports import PositionReport, PresetInfo

if TYPE_CHECKING:
    from liqcalc.app.request import Request
    from liqcalc.core.model import Party
    from liqcalc.core.position import Calculator
    from liqcalc.presets.loader import Preset


class Session:
    """Presets and calculators loaded once and reused across the lines of a batch."""

    def __init__(self, *, stale_warning: bool = True) -> None:
        self.presets: dict[str, Preset] = {}
        self.calculators: dict[tuple[str, str], Calculator] = {}
        self.stale_warning = stale_warning
        self.warnings: dict[str, str] = {}

    def preset(self, name: str) -> Preset:
        """The preset ``name`` (a name or a path), loaded once; its staleness noted."""
        if name not in self.presets:
            from liqcalc.presets.loader import load, stale_warning

            preset = self.presets[name] = load(name)
            if self.stale_warning and (warning := stale_warning(preset)):
                self.warnings[name] = warning
        return self.presets[name]

    def fund_party(self, name: str) -> Party | None:
        """The party ``insurance_fund`` caps on that preset (None: no fund in its waterfall)."""
        return self.preset(name).venue.fund_party

    def calculator(self, preset_name: str, symbol: str) -> Calculator:
        """The core's calculator for a preset's symbol, built once."""
        key = (preset_name, symbol)
        if key not in self.calculators:
            from liqcalc.core.position import Calculator

            preset = self.preset(preset_name)
            self.calculators[key] = Calculator(preset.venue, preset.symbol(symbol))
        return self.calculators[key]

    def stale(self, name: str) -> list[str]:
        """The preset's staleness warning, as a list (empty when fresh or not asked for)."""
        return [self.warnings[name]] if name in self.warnings else []

    def info(self, name: str) -> PresetInfo:
        """What a report says about the preset."""
        preset = self.preset(name)
        venue = preset.venue
        return PresetInfo(venue.name, venue.title, venue.as_of.isoformat(), None if preset.origin == "built-in" else str(preset.path), preset.origin,
                          venue.illustrative)

    def report(self, request: Request) -> PositionReport:
        """Evaluate a checked request: one result per leverage."""
        calc = self.calculator(request.preset, request.symbol)
        request = request.sized(calc.symbol)
        results = [calc.evaluate(spec, fill=request.fill, caps=request.caps) for spec in request.specs]
        from liqcalc.app.request import contracts_note

        note = contracts_note(calc.symbol, request.specs[0].size, request.notional)
        if note is not None:
            from dataclasses import replace

            results = [replace(r, warnings=(note, *r.warnings)) for r in results]
        return PositionReport(self.info(request.preset), calc.venue, calc.symbol, request.inputs, results,
                              self.stale(request.preset))
