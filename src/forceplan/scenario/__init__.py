"""Stage 1: the scenario (validated input). Imports nothing else of forceplan."""

from forceplan.scenario.loader import (
    Problem,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    scenario_hash,
)
from forceplan.scenario.model import (
    Backstop,
    Capability,
    Caveat,
    Commitment,
    Constraints,
    Figure,
    Levers,
    Mission,
    Nation,
    Phase,
    Scenario,
    TreatyLimit,
    Uncertainty,
)

__all__ = [
    "Backstop",
    "Capability",
    "Caveat",
    "Commitment",
    "Constraints",
    "Figure",
    "Levers",
    "Mission",
    "Nation",
    "Phase",
    "Problem",
    "Scenario",
    "ScenarioError",
    "TreatyLimit",
    "Uncertainty",
    "bundled_scenarios",
    "load_scenario",
    "scenario_hash",
]
