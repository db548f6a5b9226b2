"""Reading input files safely: regular files only, a size limit, UTF-8, bounded nesting,
no control characters.

Every failure is a :class:`ScenarioError` naming the file; nothing here lets an
``OSError``, ``UnicodeDecodeError`` or ``RecursionError`` escape. Text may not
hold control characters (tab and line ends aside) or bidirectional overrides,
written in the file or as a TOML escape (``"\u001b[31m"``): printed, they would
drive the reader's terminal or reorder what it shows.

Every file read is remembered (:func:`was_read`) so that the command line
refuses to write an output over one of its own inputs.
"""

from __future__ import annotations

import os
import stat
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from forceplan.scenario.domains import CONTROL, control_character
from forceplan.scenario.errors import Problem, ScenarioError

#: Largest scenario TOML or CSV table read (the flagship's files are under 60 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Deepest nesting of tables and arrays in a scenario (the schema needs 6).
MAX_NESTING = 20


_read_lock = threading.Lock()
_read: set[tuple[int, int]] = set()


def was_read(path: str | Path) -> bool:
    """Whether this process has read ``path`` (the same file, through any link) as input."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return False
    with _read_lock:
        return (info.st_dev, info.st_ino) in _read


def forget_reads() -> None:
    """Start a new record of files read (a command line starting its work)."""
    with _read_lock:
        _read.clear()


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
            info = os.fstat(fh.fileno())
            _check_regular(info.st_mode, path, what)
            with _read_lock:
                _read.add((info.st_dev, info.st_ino))
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
    text = text.removeprefix("\ufeff")
    bad = CONTROL.search(text.replace("\r\n", "\n"))
    if bad is not None:
        before = text[: bad.start()]
        line = before.count("\n") + 1
        column = bad.start() - (before.rfind("\n") + 1) + 1
        raise _fail(path, f"contains a control character (U+{ord(bad.group()):04X}) at column "
                    f"{column}; remove it", f"line {line}")
    return text


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
    for location, text in _strings(data):
        reason = control_character(text)
        if reason is not None:
            raise _fail(path, reason, location)
    return data


def _strings(data: Any) -> Iterator[tuple[str, str]]:
    """Every key and text value of a parsed TOML document, with its dotted location."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}.{key}" if path else str(key)
                yield where, str(key)
                stack.append((value, where))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
        elif isinstance(node, str):
            yield path, node


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
