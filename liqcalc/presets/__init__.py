"""Preset files: read (tomllib, ``parse_float=Decimal``), validate (pydantic), cache, write."""
