"""Every test records its runs in a throwaway store, never in the user's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _throwaway_run_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("run-store")
    patch = pytest.MonkeyPatch()
    patch.setenv("FORCEPLAN_DB", f"sqlite:///{folder / 'runs.sqlite'}")
    patch.delenv("FORCEPLAN_STORE_FILES", raising=False)
    yield folder
    patch.undo()
