"""The request builder lives in :mod:`liqcalc.app.request`; these names stay importable here
for the commands that still reach them from the CLI."""

from liqcalc.app.request import (
    Namer,
    Request,
    UsageInputError,
    build,
    key_name,
    keyword_name,
    number,
    option_name,
    parse_caps,
    side_of,
    text,
)

__all__ = ["Namer", "Request", "UsageInputError", "build", "key_name", "keyword_name", "number", "option_name",
           "parse_caps", "side_of", "text"]
