"""The rich console the tables are printed on."""

from __future__ import annotations

import os
import sys

from rich.console import Console


def console() -> Console:
    """A console on stdout; 120 columns when stdout is not a terminal (pipes, README
    examples) unless ``COLUMNS`` says otherwise."""
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(highlight=False, width=120 if wide else None, soft_wrap=False)
