"""Read-only containers for what the API hands out (reports, presets): no I/O, no imports."""

from __future__ import annotations

from typing import Any, NoReturn


class FrozenDict(dict[Any, Any]):
    """A dict that refuses every change: a report's mappings (its ``inputs``) and a preset's
    tables, read-only like what holds them. Still a dict, so that ``--json`` writes it as before
    and it compares equal to one; it copies and pickles; :func:`thawed` gives a plain copy."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("read-only (a report or a preset); copy it, dict(...), to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle build it whole, never by __setitem__
        return (FrozenDict, (dict(self),))


def frozen(value: Any) -> Any:
    """``value`` with every dict a :class:`FrozenDict` and every list a tuple, all the way down.
    A :class:`FrozenDict` is taken as it is: this function built it (a report freezes the
    inputs its request froze already)."""
    if type(value) is FrozenDict:
        return value
    if isinstance(value, dict):  # (only a container is walked again: a batch freezes ~40 values a line)
        return FrozenDict({k: frozen(v) if isinstance(v, dict | list) else v for k, v in value.items()})
    if isinstance(value, list):
        return tuple(frozen(v) if isinstance(v, dict | list) else v for v in value)
    return value


def thawed(value: Any) -> Any:
    """A plain copy of a :func:`frozen` value: dicts and lists again (the JSON's shapes)."""
    if isinstance(value, dict):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    return value
