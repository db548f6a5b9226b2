"""Reading input files safely: regular files only, a size limit, UTF-8, bounded nesting.

Every failure is a :class:`ScenarioError` naming the file; nothing here lets an
``OSError``, ``UnicodeDecodeError`` or ``RecursionError`` escape.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from forceplan.scenario.errors import Problem, ScenarioError

#: Largest scenario TOML or CSV table read (the flagship's files are under 60 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Deepest nesting of tables and arrays in a scenario (the schema needs 6).
MAX_NESTING = 20


def _fail(path: Path | str, message: str, location: str = "") -> ScenarioError:
    return ScenarioError([Problem(str(path), location, message)])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _check_regular(mode: int, path: Path, what: str) -> None:
    if stat.S_ISDIR(mode):
        raise _fail(path, f"is a directory, not a {what}")
    if not stat.S_ISREG(mode):
        raise _fail(path, f"is not a regular file (a device, pipe or socket); a {what} must be one")


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`."""
    try:
        _check_regular(os.stat(path).st_mode, path, what)
        # O_NONBLOCK: should the path have become a FIFO since, opening it must not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _fail(path, f"no such {what}") from None
    except (OSError, ValueError) as exc:
        raise _fail(path, f"cannot read {what}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "rb") as fh:
            _check_regular(os.fstat(fh.fileno()).st_mode, path, what)
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _fail(path, f"cannot read {what}: {_reason(exc)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _fail(
            path,
            f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the limit for a {what}",
        )
    return data


def read_text(path: Path, what: str) -> str:
    """A file's UTF-8 text (a leading byte-order mark, as Excel writes, is dropped)."""
    data = read_bytes(path, what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            path,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column}); "
            "save the file as UTF-8",
            f"line {line}",
        ) from None
    return text.removeprefix("\ufeff")


def read_toml(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """A TOML file's tables, nested at most :data:`MAX_NESTING` levels deep."""
    text = read_text(path, what)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise _fail(path, f"nested more than {MAX_NESTING} levels deep") from None
    where = too_deep(data)
    if where is not None:
        raise _fail(path, f"nested more than {MAX_NESTING} levels deep", where)
    return data


def too_deep(data: Any, limit: int = MAX_NESTING) -> str | None:
    """The path of the first container nested deeper than ``limit``, else None (iterative)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict):
            items: Any = ((f"{path}.{k}" if path else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            items = ((f"{path}[{i}]", v) for i, v in enumerate(node))
        else:
            continue
        if depth >= limit:
            return path
        stack.extend((v, p, depth + 1) for p, v in items)
    return None
