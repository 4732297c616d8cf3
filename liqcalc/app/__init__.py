"""The application layer: what a command does, from checked inputs to a typed report.

The Python API (``liqcalc.position``, ``liqcalc.account``, ``liqcalc.compare``, ...) and the
command line are two clients of these modules: the CLI turns options into an API call and
writes the report once (``--json`` is the report's ``to_dict()``). Nothing here prints, and
nothing here imports the command line's package.
"""
