"""Output files of a command: checked before any work, written all-or-nothing.

Every output of one command (``--json``, ``--netcdf``, ``--csv DIR``, ``-o``)
is first written under a temporary name beside its target (a name that
contains ``.forceplan-tmp``); only when all of them are written are they
renamed onto their targets, one after another, so an interruption before
that point leaves every old output as it was. A directory output that does
not exist yet, or holds only files this command writes, is filled as a
temporary directory and swapped in whole (an atomic exchange on Linux).

Rules (docs/cli.md):

* an empty path, a directory where a file is expected (or a file where a
  directory is), a FIFO, device or socket, a parent that is a file, and a
  location the user cannot write are refused before any work starts;
* a symbolic link to a file is followed: the file it points to is replaced,
  the link is kept;
* an existing file keeps its permission bits; a new one gets the usual ones
  (0666 less the umask);
* temporary files are removed when a command fails, is interrupted (Ctrl-C)
  or terminated (SIGTERM); one killed outright (SIGKILL) leaves them, named
  ``.<name>.<pid>-<token>.forceplan-tmp``, and the next run writing into that
  directory removes those whose process is gone.

This module imports nothing heavy: the signal handler in :func:`forceplan.cli.main`
uses :func:`remove_temporaries` at any point of start-up.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import secrets
import shutil
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

TEMP_MARK = ".forceplan-tmp"
OLD_MARK = ".forceplan-old"
_STALE = re.compile(r"\.(\d+)-[0-9a-f]+(\.forceplan-tmp|\.forceplan-old)$")
#: Test hook: seconds to pause after each temporary file is written (tests kill
#: the process during the pause and check that no output is half-replaced).
PAUSE_ENV = "FORCEPLAN_TEST_PAUSE_BETWEEN_WRITES"
_NAME_MAX = 255

_lock = threading.Lock()
_live: set[Path] = set()
_closing = [False]


class OutputError(Exception):
    """An output path that cannot be written, in words."""


# ---------------------------------------------------------------------------
# Checks before any work
# ---------------------------------------------------------------------------


def check_output(path: str | None, kind: str, option: str) -> Path | None:
    """Check an output location before any work; return the path to write (links followed).

    ``kind`` is ``"file"`` or ``"directory"``; ``option`` names the option in
    messages. Raises :class:`OutputError`.
    """
    if path is None:
        return None
    if not path.strip():
        raise OutputError(f"{option}: the path is empty")
    if "\0" in path:
        raise OutputError(f"{option}: the path contains a NUL character")
    if path == "-":  # many tools read it as standard output; here it would be a file named -
        raise OutputError(f"{option} -: this option writes a file, not standard output; "
                          "give a path (./- for a file named '-')")
    given = Path(path)
    for part in given.parts:
        if len(os.fsencode(part)) > _NAME_MAX - 40:
            raise OutputError(f"{option} {path}: the name {part[:40]}... is too long")
    try:
        return _check_existing(given, path, kind, option)
    except RuntimeError:  # Path.resolve on a loop of links
        raise OutputError(f"{option} {path}: a loop of symbolic links") from None
    except OSError as exc:  # a folder on the way that cannot be searched, say
        raise OutputError(f"{option} {path}: {exc.strerror or exc}") from None


def _check_existing(given: Path, path: str, kind: str, option: str) -> Path:
    target = given.resolve(strict=False) if given.is_symlink() else given
    if kind == "file":
        if target.is_dir():
            raise OutputError(f"{option} {path}: is a directory, expected a file path")
        if target.exists() and not target.is_file():
            raise OutputError(
                f"{option} {path}: is not a regular file (a FIFO, device or socket); "
                "refusing to replace it"
            )
    elif target.exists() and not target.is_dir():
        raise OutputError(f"{option} {path}: is a file, expected a directory")
    ancestor = target.parent if kind == "file" or not target.exists() else target
    while not ancestor.exists() and not ancestor.is_symlink():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(
            f"{option} {path}: cannot create {target.parent}: {ancestor} is not a directory"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {path}: permission denied: cannot write in {ancestor}")
    return target


#: Outputs whose format readers tell by the file's ending (Excel refuses a workbook named
#: ``.txt``; a browser shows an ``.txt`` report as source), by option.
SUFFIXES = {"--xlsx": (".xlsx",), "--html": (".html", ".htm"),
            "--netcdf": (".nc", ".nc4", ".cdf")}


def check_suffix(option: str, path: Path | None) -> None:
    """Refuse an output whose name does not end as its format must (see :data:`SUFFIXES`)."""
    wanted = SUFFIXES.get(option)
    if path is None or wanted is None or path.suffix.lower() in wanted:
        return
    raise OutputError(
        f"{option} {path}: the name must end in {' or '.join(wanted)} (the format of this "
        "output); rename it"
    )


def check_distinct(paths: dict[str, Path | None]) -> None:
    """Refuse two options naming the same output (one would overwrite the other)."""
    seen: dict[Path, str] = {}
    for option, path in paths.items():
        if path is None:
            continue
        key = path.absolute()
        if key in seen:
            raise OutputError(f"{seen[key]} and {option} name the same output {path}")
        seen[key] = option


def check_not_inputs(outputs: dict[str, Path | None], inputs: list[str]) -> None:
    """Refuse an output that is one of the command's input files (through any link)."""
    for option, path in outputs.items():
        if path is None or not path.is_file():
            continue
        for ref in inputs:
            if _same_file(path, ref):
                raise OutputError(
                    f"{option} {path}: is also an input of this command ({ref}); refusing "
                    "to write over it"
                )


def _same_file(path: Path, other: str) -> bool:
    try:
        return os.path.isfile(other) and os.path.samefile(path, other)
    except (OSError, ValueError):
        return False


def _check_not_read(target: Path) -> None:
    """Refuse to replace a file this process read as input (a scenario's base, its CSV)."""
    files = sys.modules.get("forceplan.scenario.files")  # nothing read if never imported
    if files is not None and target.exists() and files.was_read(target):
        raise OutputError(
            f"{target}: is one of this command's input files; refusing to write over it"
        )


# ---------------------------------------------------------------------------
# Temporary names, their registry and clean-up
# ---------------------------------------------------------------------------


def _temp_name(target: Path, mark: str = TEMP_MARK) -> Path:
    stem = target.name[:100]
    return target.parent / f".{stem}.{os.getpid()}-{secrets.token_hex(4)}{mark}"


def _register(path: Path) -> None:
    with _lock:
        if _closing[0]:
            raise OutputError("interrupted")
        _live.add(path)


def _forget(path: Path) -> None:
    with _lock:
        _live.discard(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def remove_temporaries() -> None:
    """Remove every temporary file and directory of this process (on a signal)."""
    with _lock:
        _closing[0] = True
        paths = list(_live)
        _live.clear()
    for path in paths:
        _remove(path)


def remove_stale(directory: Path) -> None:
    """Remove temporaries left in ``directory`` by forceplan runs that were killed."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = _STALE.search(entry.name)
        if not match or not entry.name.startswith("."):
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        _remove(Path(entry.path))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _new_mode(existing: Path | None) -> int:
    if existing is not None:
        with contextlib.suppress(OSError):
            return stat.S_IMODE(existing.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _dir_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


_writes = [0]


def _pause_for_tests() -> None:
    """``$FORCEPLAN_TEST_PAUSE_BETWEEN_WRITES`` = "SECONDS" (after every temporary file
    written) or "SECONDS@N" (after the N-th only): say so on stderr, then sleep."""
    setting = os.environ.get(PAUSE_ENV)
    if not setting:
        return
    _writes[0] += 1
    seconds, _, nth = setting.partition("@")
    if nth and int(nth) != _writes[0]:
        return
    sys.stderr.write("forceplan-test: paused between writes\n")
    sys.stderr.flush()
    time.sleep(float(seconds))


def _mkdirs(directory: Path, created: list[Path]) -> None:
    """``mkdir -p``, remembering each directory made (removed again on failure)."""
    missing = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for d in reversed(missing):
        d.mkdir()
        created.append(d)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# One command's outputs
# ---------------------------------------------------------------------------


class DirectoryOutput:
    """Files of one directory output (``--csv DIR``), written under temporary names."""

    def __init__(self, owner: Outputs, target: Path, names: list[str]) -> None:
        self.owner = owner
        self.target = target
        self.names = list(names)
        existing = set(os.listdir(target)) if target.is_dir() else None
        ours = {n for n in existing or () if n in self.names or _STALE.search(n)}
        # swap the whole directory in when nothing else lives there (and its
        # parent can be written); else file by file
        self.swap = existing is None or (
            existing <= ours and os.access(target.parent, os.W_OK | os.X_OK)
        )
        self.written: list[tuple[Path, Path]] = []
        if self.swap:
            owner._make_parent(target)
            remove_stale(target.parent)
            self.temp_dir = _temp_name(target)
            _register(self.temp_dir)
            self.temp_dir.mkdir()
        else:
            remove_stale(target)

    def write_text(self, name: str, text: str | bytes) -> Path:
        if name not in self.names:
            raise ValueError(f"{name} is not one of this output's files")
        final = self.target / name
        _check_not_read(final)
        if self.swap:
            tmp = self.temp_dir / name
        else:
            tmp = _temp_name(final)
            _register(tmp)
        _write_file(tmp, text)
        self.written.append((tmp, final))
        _pause_for_tests()
        return final

    def commit(self) -> None:
        if not self.swap:
            for tmp, final in self.written:
                os.chmod(tmp, _new_mode(final if final.exists() else None))
                os.replace(tmp, final)
                _forget(tmp)
            return
        for tmp, _ in self.written:
            os.chmod(tmp, _new_mode(None))
        if self.target.exists():
            os.chmod(self.temp_dir, _new_mode(self.target))
            _exchange(self.temp_dir, self.target)
            _remove(self.temp_dir)  # now the old directory
        else:
            os.chmod(self.temp_dir, _dir_mode())
            os.rename(self.temp_dir, self.target)
        _forget(self.temp_dir)

    def abort(self) -> None:
        if self.swap:
            _remove(self.temp_dir)
            _forget(self.temp_dir)
        for tmp, _ in self.written:
            _remove(tmp)
            _forget(tmp)


class Outputs:
    """All outputs of one command: write each under a temporary name, then rename them all.

    Use as a context manager: on normal exit everything is renamed into place;
    on any exception (or signal) every temporary is removed and no target is
    touched.
    """

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []  # (temporary, target)
        self.dirs: list[DirectoryOutput] = []
        self.created: list[Path] = []

    def _make_parent(self, target: Path) -> None:
        _mkdirs(target.parent, self.created)

    def temporary(self, target: Path) -> Path:
        """A temporary path beside ``target`` for a writer that takes a path (netCDF)."""
        _check_not_read(target)
        self._make_parent(target)
        remove_stale(target.parent)
        tmp = _temp_name(target)
        _register(tmp)
        self.files.append((tmp, target))
        return tmp

    def written(self) -> None:
        """Call after filling a :meth:`temporary` path (syncs it; the test pause)."""
        _fsync_file(self.files[-1][0])
        _pause_for_tests()

    def write_text(self, target: Path, text: str) -> None:
        tmp = self.temporary(target)
        _write_file(tmp, text)
        _pause_for_tests()

    def write_with(self, target: Path, writer: Callable[[Path], None]) -> None:
        writer(self.temporary(target))
        self.written()

    def directory(self, target: Path, names: list[str]) -> DirectoryOutput:
        out = DirectoryOutput(self, target, names)
        self.dirs.append(out)
        return out

    def commit(self) -> None:
        for tmp, target in self.files:
            os.chmod(tmp, _new_mode(target if target.exists() else None))
        for tmp, target in self.files:
            os.replace(tmp, target)
            _forget(tmp)
        for d in self.dirs:
            d.commit()

    def abort(self) -> None:
        for tmp, _ in self.files:
            _remove(tmp)
            _forget(tmp)
        for d in self.dirs:
            d.abort()
        for directory in reversed(self.created):
            with contextlib.suppress(OSError):
                directory.rmdir()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()


@contextlib.contextmanager
def single_output(target: Path) -> Iterator[Path]:
    """One file through :class:`Outputs`: yields the temporary path to fill."""
    with Outputs() as out:
        yield out.temporary(target)
        out.written()


def _write_file(path: Path, text: str | bytes) -> None:
    if isinstance(text, bytes):  # an image, say
        with open(path, "wb") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


# ---------------------------------------------------------------------------
# Swapping a directory in
# ---------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new: Path, old: Path) -> None:
    """Swap ``new`` and ``old`` atomically (renameat2); two renames where that is missing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        result = renameat2(
            _AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(old), _RENAME_EXCHANGE
        )
        if result == 0:
            return
    # not atomic: a crash between the two renames leaves the old directory
    # under a .forceplan-old name beside the target
    aside = _temp_name(old, OLD_MARK)
    os.rename(old, aside)
    os.rename(new, old)
    os.rename(aside, new)
