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
    Costs,
    Figure,
    Mission,
    Nation,
    Phase,
    Scenario,
    TreatyLimit,
    Uncertainty,
)
from forceplan.scenario.numbers import ModelNumber, scenario_numbers, uncertainty_number

__all__ = [
    "Backstop",
    "Capability",
    "Caveat",
    "Commitment",
    "Constraints",
    "Costs",
    "Figure",
    "Mission",
    "ModelNumber",
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
    "scenario_numbers",
    "uncertainty_number",
]
