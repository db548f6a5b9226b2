"""forceplan: plan, cost and stress-test a multinational military deployment.

Data flows one way: scenario -> plan -> simulate -> explore -> report.

Everything here is imported on first use (``plan`` brings pandas and
HiGHS, ``simulate`` and ``compare`` xarray), so that ``import forceplan`` is
instant, ``forceplan --help`` and the scenario commands start without the
heavy libraries, and ``forceplan plan`` without the simulation stage.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from forceplan._version import __version__

if TYPE_CHECKING:
    from forceplan.plan import PlanError, PlanResult, plan
    from forceplan.scenario import Scenario, ScenarioError, load_scenario, scenario_hash
    from forceplan.simulate import compare, simulate

#: Functions exported here that share their name with a sub-package.
_SHADOWED = ("plan", "simulate")
#: Lazily imported functions and the sub-package that defines them.
_LAZY = {
    "Scenario": "forceplan.scenario",
    "ScenarioError": "forceplan.scenario",
    "load_scenario": "forceplan.scenario",
    "scenario_hash": "forceplan.scenario",
    "plan": "forceplan.plan",
    "PlanError": "forceplan.plan",
    "PlanResult": "forceplan.plan",
    "simulate": "forceplan.simulate",
    "compare": "forceplan.simulate",
}


class _Package(types.ModuleType):
    """Keeps ``forceplan.plan`` and ``forceplan.simulate`` the functions.

    Importing a sub-package binds it as an attribute of its parent package;
    for ``plan`` and ``simulate`` that would replace the function of the same
    name, so the function is bound instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            name in _SHADOWED
            and isinstance(value, types.ModuleType)
            and value.__name__ == f"{__name__}.{name}"
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
    "plan",
    "scenario_hash",
    "simulate",
]
