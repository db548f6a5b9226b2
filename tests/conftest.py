"""Every test keeps its cached plans in a throwaway folder, never in the user's cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _throwaway_plan_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("plan-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("FORCEPLAN_CACHE_DIR", str(folder))
    patch.delenv("FORCEPLAN_NO_CACHE", raising=False)
    yield folder
    patch.undo()
