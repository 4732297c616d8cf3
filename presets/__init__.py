"""The built-in presets. This folder is installed as the package ``liqcalc._presets`` (see
``[tool.setuptools]`` in pyproject.toml), so every ``*.toml`` here ships inside the wheel and
the loader finds it with ``importlib.resources``, never by searching a repository."""
