"""One dashboard app per backend (SQLite and the real PostgreSQL server), with a token.

The app is driven in-process through HTTPX (FastAPI's TestClient); runs it
starts are computed in its worker process, as in `forceplan serve`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pgserver import PostgresServer

from forceplan.store import Store
from forceplan.store.tokens import create_token
from forceplan.web import create_app
from forceplan.web.settings import WebSettings

FLAGSHIP = "reassurance-2025"


@dataclass
class Web:
    client: TestClient
    store: Store
    token: str
    settings: WebSettings

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self, **body: Any) -> int:
        response = self.client.post("/api/runs", json=body, headers=self.auth)
        assert response.status_code == 202, response.text
        return int(response.json()["id"])

    def wait(self, run_id: int, timeout: float = 240) -> dict[str, Any]:
        """The run once it is no longer running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.client.get(f"/api/runs/{run_id}").json()
            if run["status"] != "running":
                return dict(run)
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} still running after {timeout} s")


def backend_url(request: pytest.FixtureRequest, folder: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'runs.sqlite'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


def make_web(url: str, folder: Path, **settings: Any) -> Iterator[Web]:
    store = Store.open(url, files=folder / "files")
    _, token = create_token(store, "tests")
    config = WebSettings(scenario_dir=folder / "scenarios", **settings)
    app = create_app(config, store=store)
    with TestClient(app) as client:
        yield Web(client, store, token, config)
    store.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """An app on an empty store of each backend, for a whole test module."""
    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    yield from make_web(backend_url(request, folder), folder)


@pytest.fixture
def sqlite_web(tmp_path: Path) -> Iterator[Web]:
    """An app on its own SQLite store, for one test."""
    yield from make_web(f"sqlite:///{tmp_path / 'runs.sqlite'}", tmp_path)
