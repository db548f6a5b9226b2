"""Property-based tests of every API operation against /openapi.json (schemathesis).

A bounded number of generated requests per operation, on a store holding one
finished plan: no request gets a server error, and every response matches the
schema its operation declares.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from conftest import Web, make_web
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def app_with_a_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    for web in make_web(f"sqlite:///{folder / 'runs.sqlite'}", folder):
        web.wait(web.start(kind="plan", scenarios=["iiss-small"]))
        yield web


def test_no_server_error_and_every_response_matches_its_schema(app_with_a_run: Web) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app_with_a_run.client.app)
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        check()
    assert "POST /api/runs" in tried and "GET /api/runs/{run_id}/results" in tried
