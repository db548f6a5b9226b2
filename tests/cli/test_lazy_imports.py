"""The CLI starts without the simulation stage; the top-level API works in any import order.

``forceplan.plan`` and ``forceplan.simulate`` are functions that share their
names with sub-packages, and ``forceplan.simulate``/``forceplan.compare`` are
imported on first use. Each check runs in a fresh interpreter, since the order
of imports is what is under test.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"

CALL_BOTH = f"""
import forceplan
scenario = forceplan.load_scenario({str(TINY)!r})
result = forceplan.plan(scenario)
assert result.status == "optimal", result.status
ds = forceplan.simulate(scenario, draws=20, seed=1)
assert ds.attrs["draws"] == 20
assert callable(forceplan.compare)
from forceplan import compare, plan, simulate
assert plan is forceplan.plan and simulate is forceplan.simulate and compare is forceplan.compare
"""


def run_python(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "first",
    [
        "import forceplan.cli",
        "import forceplan",
        "import forceplan.simulate",
        "from forceplan.simulate import simulate",
        "import forceplan.simulate.engine",
        "import forceplan.plan",
        "from forceplan.plan import plan",
    ],
)
def test_plan_and_simulate_stay_callable_in_any_import_order(first: str) -> None:
    run_python(first + "\n" + CALL_BOTH + "\nimport forceplan.simulate\n" + CALL_BOTH)


def test_cli_import_leaves_the_simulation_stage_out() -> None:
    run_python(
        """
        import sys
        import forceplan.cli
        loaded = {m for m in ("xarray", "forceplan.simulate") if m in sys.modules}
        assert not loaded, loaded
        """
    )


def test_unknown_attribute_still_raises() -> None:
    import forceplan

    with pytest.raises(AttributeError):
        _ = forceplan.no_such_name  # type: ignore[attr-defined]


def test_cli_import_leaves_the_web_stack_out() -> None:
    run_python(
        """
        import sys
        import forceplan.cli
        web = ("fastapi", "starlette", "uvicorn", "jinja2", "forceplan.web", "altair")
        loaded = {m for m in web if m in sys.modules}
        assert not loaded, loaded
        """
    )
