"""Writing a run's large arrays beside the database, in the background where the OS allows.

A simulation's Dataset (tens of MB) takes a noticeable share of a run to
write, and writing it holds the GIL, so a thread would not help. On POSIX
systems :class:`PendingFile` forks: the child writes the file from its
copy-on-write view of the Dataset while the command goes on (printing its
tables), and the run's results are committed once the child reports the
file's checksum. The child touches nothing but the file (no database
connection; it leaves with ``os._exit``). Elsewhere the file is written
in place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from forceplan.store.arrays import write_dataset
from forceplan.store.errors import StoreError

if TYPE_CHECKING:
    import xarray as xr


class PendingFile:
    """A Dataset file being written; :meth:`result` waits for (sha256, bytes)."""

    def __init__(self, ds: xr.Dataset, path: Path, background: bool = True) -> None:
        self.path = path
        self._pid: int | None = None
        self._read_fd: int | None = None
        self._result: tuple[str, int] | None = None
        if background and hasattr(os, "fork"):
            self._fork(ds)
        else:
            self._result = _write(ds, path)

    def _fork(self, ds: xr.Dataset) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write, report, leave without running any cleanup
            status = 1
            try:
                os.close(read_fd)
                digest, size = write_dataset(ds, self.path)
                os.write(write_fd, f"ok {digest} {size}".encode())
                status = 0
            except BaseException as exc:  # reported to the parent, which raises it
                os.write(write_fd, f"error {exc}".encode()[:4000])
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid, self._read_fd = pid, read_fd

    def result(self) -> tuple[str, int]:
        """The file's SHA-256 and size once written; StoreError if writing failed."""
        if self._result is not None:
            return self._result
        assert self._pid is not None and self._read_fd is not None
        chunks = []
        while chunk := os.read(self._read_fd, 4096):
            chunks.append(chunk)
        os.close(self._read_fd)
        _, status = os.waitpid(self._pid, 0)
        self._pid = self._read_fd = None
        message = b"".join(chunks).decode(errors="replace")
        if status != 0 or not message.startswith("ok "):
            reason = message.removeprefix("error ") or f"writer exited with status {status}"
            raise StoreError(f"cannot write {self.path}: {reason}")
        _, digest, size = message.split()
        self._result = (digest, int(size))
        return self._result

    def cancel(self) -> None:
        """Stop a background write and remove what it wrote (the run is failing)."""
        import signal

        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass
            if self._read_fd is not None:
                os.close(self._read_fd)
            self._pid = self._read_fd = None
        self.path.unlink(missing_ok=True)
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _write(ds: xr.Dataset, path: Path) -> tuple[str, int]:
    try:
        return write_dataset(ds, path)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from None
