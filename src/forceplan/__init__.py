"""forceplan: plan, cost and stress-test a multinational military deployment.

Data flows one way: scenario -> plan -> simulate -> explore -> report.

Everything here is imported on first use (``plan_scenario`` brings pandas
and HiGHS, ``simulate_scenario`` and ``compare`` xarray), so that ``import forceplan`` is
instant, ``forceplan --help`` and the scenario commands start without the
heavy libraries, and ``forceplan plan`` without the simulation stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forceplan._version import __version__

if TYPE_CHECKING:
    from forceplan.plan import PlanError, PlanResult, plan_scenario
    from forceplan.scenario import Scenario, ScenarioError, load_scenario, scenario_hash
    from forceplan.simulate import compare, simulate_scenario

#: Lazily imported names and the sub-package that defines them. The functions
#: are named apart from their sub-packages (``plan_scenario`` in
#: ``forceplan.plan``), so importing a sub-package never rebinds one.
_LAZY = {
    "Scenario": "forceplan.scenario",
    "ScenarioError": "forceplan.scenario",
    "load_scenario": "forceplan.scenario",
    "scenario_hash": "forceplan.scenario",
    "plan_scenario": "forceplan.plan",
    "PlanError": "forceplan.plan",
    "PlanResult": "forceplan.plan",
    "simulate_scenario": "forceplan.simulate",
    "compare": "forceplan.simulate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        function = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = function
        return function
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PlanError",
    "PlanResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "plan_scenario",
    "scenario_hash",
    "simulate_scenario",
]
