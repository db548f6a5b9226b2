"""The CLI starts without the simulation stage; the top-level API works in any import order.

The API functions (``plan_scenario``, ``simulate_scenario``, ``compare``) are
imported on first use and named apart from the sub-packages ``forceplan.plan``
and ``forceplan.simulate``, which stay modules whatever is imported first. Each check runs in a
fresh interpreter, since the order of imports is what is under test.
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
result = forceplan.plan_scenario(scenario)
assert result.status == "optimal", result.status
ds = forceplan.simulate_scenario(scenario, draws=20, seed=1)
assert ds.attrs["draws"] == 20
assert callable(forceplan.compare)
from forceplan import compare, plan_scenario, simulate_scenario
assert plan_scenario is forceplan.plan_scenario and compare is forceplan.compare
assert simulate_scenario is forceplan.simulate_scenario
import types
import forceplan.plan, forceplan.simulate
assert isinstance(forceplan.plan, types.ModuleType), forceplan.plan
assert isinstance(forceplan.simulate, types.ModuleType), forceplan.simulate
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
        "from forceplan.simulate import simulate_scenario",
        "import forceplan.simulate.engine",
        "import forceplan.plan",
        "from forceplan.plan import plan_scenario",
    ],
)
def test_api_functions_and_sub_packages_coexist_in_any_import_order(first: str) -> None:
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


HEAVY = ("pandas", "highspy", "xarray")


@pytest.mark.parametrize("argv", [["--help"], ["plan", "--help"], ["validate", str(TINY)]])
def test_start_up_leaves_pandas_highspy_and_xarray_out(argv: list[str]) -> None:
    """`forceplan --help` (and commands that need none of them) start without them."""
    run_python(
        f"""
        import sys
        sys.argv = ["forceplan", *{argv!r}]
        from forceplan.cli import main
        try:
            main()
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
        loaded = [m for m in {HEAVY!r} if m in sys.modules]
        assert not loaded, loaded
        """
    )


def test_import_forceplan_alone_is_light() -> None:
    run_python(
        f"""
        import sys
        import forceplan
        loaded = [m for m in {HEAVY + ("pydantic",)!r} if m in sys.modules]
        assert not loaded, loaded
        assert forceplan.load_scenario and forceplan.Scenario and forceplan.PlanResult
        """
    )


WEB = ("fastapi", "starlette", "uvicorn", "jinja2", "forceplan.web", "altair")


@pytest.mark.parametrize("argv", [["--help"], ["serve", "--help"], ["token", "--help"]])
def test_start_up_leaves_the_web_stack_out(argv: list[str]) -> None:
    """Every command is registered without FastAPI, uvicorn or the web package."""
    run_python(
        f"""
        import sys
        sys.argv = ["forceplan", *{argv!r}]
        from forceplan.cli import main
        try:
            main()
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
        loaded = [m for m in {WEB + HEAVY!r} if m in sys.modules]
        assert not loaded, loaded
        """
    )
