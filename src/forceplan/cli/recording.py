"""Recording CLI runs in the run store (forceplan.store); stages never see it.

Each of plan, simulate and compare wraps its work in :func:`recording`. The
store is opened, and the run inserted as ``running``, in a background
thread while the scenario is planned (the solver releases the GIL), so
recording costs a plan almost nothing; :meth:`Recorder.ready` waits for it
before any long Monte Carlo work and before output is printed, so a store
that cannot be opened stops the command with exit 2 and nothing written.
On success :meth:`Recorder.finish` stores the results and marks the run
finished in one transaction; on an error, Ctrl-C or exit the run is marked
failed with the reason.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forceplan.cli.common import EXIT_BAD_INPUT, Failed, fail
from forceplan.cli.tables import print_wrapped

if TYPE_CHECKING:
    from forceplan.scenario import Scenario
    from forceplan.store import ResultPart, Store
    from forceplan.store.direct import DirectRecorder

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        envvar="FORCEPLAN_DB",
        show_envvar=True,
        help="Where runs are recorded: a database URL such as postgresql://HOST/DB "
        "(default: runs.sqlite in your user data folder).",
    ),
]
NoStoreOpt = Annotated[
    bool, typer.Option("--no-store", help="Do not record this run in the run store.")
]


def open_store_or_exit(db: str | None) -> Store:
    """The run store, or a clear error and exit 2."""
    from forceplan.store import Store, StoreError

    try:
        return Store.open(db)
    except StoreError as exc:
        fail(f"{exc}{from_environment(db)}", EXIT_BAD_INPUT)


def from_environment(db: str | None) -> str:
    """' (set by FORCEPLAN_DB)' when the store's URL came from the environment, else ''."""
    env = os.environ.get("FORCEPLAN_DB", "").strip()
    return " (the URL is FORCEPLAN_DB's)" if env and (db is None or db.strip() == env) else ""


class Recorder:
    """One CLI run's record in the store (does nothing when disabled)."""

    def __init__(
        self,
        db: str | None,
        enabled: bool,
        kind: str,
        scenarios: Sequence[tuple[str, Scenario]],
        options: dict[str, Any],
        seed: int | None = None,
        rerun_of: int | None = None,
    ) -> None:
        self.enabled = enabled
        self.db = db
        self.store: Store | DirectRecorder | None = None
        self.run_id: int | None = None
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}
        self._parts: list[ResultPart] | None = None
        self._files: list[Any] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if enabled:
            self._thread = threading.Thread(
                target=self._open,
                args=(db, kind, list(scenarios), options, seed, rerun_of),
                name="forceplan-store",
                daemon=True,
            )
            self._thread.start()

    def _open(self, db: str | None, *args: Any) -> None:
        try:
            from forceplan.store.direct import open_recorder

            self.store = open_recorder(db)
            self.run_id = self.store.start_run(*args[:3], seed=args[3], rerun_of=args[4])
        except BaseException as exc:  # re-raised in the main thread by ready()
            self._error = exc

    def ready(self) -> None:
        """Wait until the run is recorded as running; exit 2 if the store cannot be used."""
        if self._thread is None:
            return
        self._thread.join()
        self._thread = None
        if self._error is not None:
            from forceplan.store import StoreError

            error, self._error = self._error, None
            if isinstance(error, StoreError):
                self.enabled = False
                fail(f"{error}{from_environment(self.db)} (or run with --no-store)")
            raise error

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Time a step of the run into ``timings[name + '_s']``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[f"{name}_s"] = round(time.perf_counter() - start, 6)

    def stage(self, parts: Callable[[], Sequence[ResultPart]]) -> None:
        """Build the results to store and start writing their arrays in the background,
        while the command goes on printing (``parts()`` is only called when recording)."""
        if not self.enabled:
            return
        self.ready()
        from forceplan.store import StoreError

        assert self.store is not None and self.run_id is not None
        self._parts = list(parts())
        try:
            self._files = self.store.write_files(self.run_id, self._parts, background=True)
        except (StoreError, OSError) as exc:
            self._parts = None
            fail(f"the run could not be stored: {_why(exc)}")

    def finish(self, parts: Callable[[], Sequence[ResultPart]] | None = None) -> None:
        """Store the results (those staged, or ``parts()``) and say where."""
        if not self.enabled:
            return
        if self._parts is None:
            assert parts is not None, "finish() needs the parts unless stage() was called"
            self.stage(parts)
        from forceplan.store import StoreError
        from forceplan.store.headline import headline

        assert self.store is not None and self.run_id is not None and self._parts is not None
        self.timings["total_s"] = round(time.perf_counter() - self.started, 6)
        try:
            self.store.finish_run(self.run_id, self._parts, timings=self.timings,
                                  headline=headline(self._parts), files=self._files)
        except (StoreError, OSError) as exc:  # a full disk while writing its arrays, say
            self._cancel_files()
            self.enabled = False
            fail(f"the run could not be stored: {_why(exc)}")
        self.enabled = False
        print_wrapped(
            f"[dim]recorded as run {self.run_id} in {self.store.where} "
            f"(forceplan show {self.run_id})[/]"
        )

    def _cancel_files(self) -> None:
        for pending in self._files or []:
            if pending is not None:
                pending.cancel()
        self._files = None

    def fail(self, reason: str) -> None:
        """Mark the run failed (best effort: the command is already failing)."""
        if not self.enabled:
            return
        self.enabled = False
        self._cancel_files()
        try:
            if self._thread is not None:
                self._thread.join()
            if self.store is not None and self.run_id is not None:
                self.store.fail_run(self.run_id, reason)
        except Exception:  # the original failure is the one to report
            pass


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)


@contextmanager
def recording(
    db: str | None,
    no_store: bool,
    kind: str,
    scenarios: Sequence[tuple[str, Scenario]],
    options: dict[str, Any],
    seed: int | None = None,
    rerun_of: int | None = None,
) -> Iterator[Recorder]:
    """A :class:`Recorder` whose run is marked failed if the block does not finish it."""
    recorder = Recorder(db, not no_store, kind, scenarios, options, seed, rerun_of)
    try:
        yield recorder
    except Failed as exc:
        recorder.fail(exc.message)
        raise
    except typer.Exit as exc:
        recorder.fail(f"exit {exc.exit_code}")
        raise
    except KeyboardInterrupt:
        recorder.fail("interrupted (Ctrl-C)")
        raise
    except BaseException as exc:
        recorder.fail(f"{type(exc).__name__}: {exc}")
        raise
    recorder.fail("ended without storing its results")
