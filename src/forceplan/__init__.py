"""forceplan: plan, cost and stress-test a multinational military deployment.

Data flows one way: scenario -> plan -> simulate -> explore -> report.
"""

from importlib.metadata import PackageNotFoundError, version

from forceplan.plan import PlanError, PlanResult, plan
from forceplan.scenario import Scenario, ScenarioError, load_scenario, scenario_hash
from forceplan.simulate import compare, simulate

try:
    __version__ = version("forceplan")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

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
