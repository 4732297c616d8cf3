"""The pure calculation core: no I/O, no typer, no rich.

Everything here works on :class:`decimal.Decimal` and immutable records, so the same
numbers come out whether the caller is the CLI, a script or a test.
"""
