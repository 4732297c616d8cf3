"""Read what a user names as a file (a preset, an account, a saved API response) safely.

Only a regular file is read, and only up to a stated size: a ``.toml`` that is a symlink to
``/dev/zero`` or a FIFO is refused at once, never read for GiBs or waited on. Each refusal is
one line naming the file and what is wrong with it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from liqcalc.core.errors import LiqcalcError

MIB = 1024 * 1024

#: Largest preset file read: the built-in Binance preset (900 symbols) is under 1 MiB.
PRESET_LIMIT = 16 * MIB
#: Largest account file read (a cross account of a few thousand positions is well under it).
ACCOUNT_LIMIT = 16 * MIB
#: Largest saved API or ccxt response read by ``presets import`` (every Binance symbol's
#: brackets is a few MiB).
RESPONSE_LIMIT = 64 * MIB

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def size_words(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit} bytes"


def os_problem(error: OSError) -> str:
    """An OSError in words (``no such file``, ``permission denied``, ``file name too long``)."""
    if error.errno == errno.ENOENT:
        return "no such file"
    if error.errno == errno.ENAMETOOLONG:
        return "file name too long"
    if error.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    if error.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return error.strerror.lower() if error.strerror else str(error)


def read_regular(path: Path, limit: int, error: type[LiqcalcError] = LiqcalcError, label: str | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; else raise
    ``error`` naming the file (``label`` or the path) and the problem."""
    return read_file(path, limit, error, label)[0]


def read_file(
    path: Path, limit: int, error: type[LiqcalcError] = LiqcalcError, label: str | None = None
) -> tuple[bytes, os.stat_result]:
    """:func:`read_regular` with the file's status (its modification time dates an import).

    The file is opened without blocking (a FIFO is not waited on) and checked with ``fstat``
    on the open descriptor, so what is checked is what is read.
    """
    name = label or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as problem:  # ValueError: a NUL character in the name
        if isinstance(problem, ValueError):
            raise error(f"{name}: not a usable file name (it holds a NUL character)") from None
        raise error(f"{name}: cannot be read ({os_problem(problem)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{name}: is {kind_of(info.st_mode)}, not a regular file; give a file")
        if info.st_size > limit:
            raise error(f"{name}: is {info.st_size:,} bytes, above the {size_words(limit)} limit for this file")
        chunks: list[bytes] = []
        total = 0
        while True:  # read to the end, never past the limit (a file may grow while read)
            chunk = os.read(fd, min(MIB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"{name}: is above the {size_words(limit)} limit for this file")
        return b"".join(chunks), info
    except OSError as problem:
        raise error(f"{name}: cannot be read ({os_problem(problem)})") from None
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, limit: int, name: str, error: type[LiqcalcError] = LiqcalcError) -> bytes:
    """Up to ``limit`` bytes of a binary stream (stdin), refusing more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise error(f"{name}: is above the {size_words(limit)} limit")
    return data


def too_long(error: ValueError) -> str:
    """A parser's ValueError that is not a syntax error: an integer beyond Python's limit on
    digits converted from text (``sys.get_int_max_str_digits()``, 4,300 by default)."""
    import sys

    limit = sys.get_int_max_str_digits()
    if "integer string conversion" in str(error):
        return f"an integer has more than {limit:,} digits; a price, size or amount has at most a few dozen"
    return f"unreadable value ({error})"
