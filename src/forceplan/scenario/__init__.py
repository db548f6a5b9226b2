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
    EnablerRatio,
    Figure,
    Mission,
    Nation,
    Offer,
    Phase,
    Scenario,
    SubUnit,
    TreatyLimit,
    Uncertainty,
)

__all__ = [
    "Backstop",
    "Capability",
    "Caveat",
    "Commitment",
    "Constraints",
    "EnablerRatio",
    "Figure",
    "Mission",
    "Nation",
    "Offer",
    "Phase",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SubUnit",
    "TreatyLimit",
    "Uncertainty",
    "bundled_scenarios",
    "load_scenario",
    "scenario_hash",
]
