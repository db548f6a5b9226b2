"""Stage 1: the scenario (validated input). Imports nothing else of forceplan."""

from forceplan.scenario.defaults import default_uncertainties, known_parameters
from forceplan.scenario.domains import NAMED_DOMAINS, Interval
from forceplan.scenario.errors import Problem, ScenarioError
from forceplan.scenario.loader import bundled_scenarios, load_scenario, scenario_hash
from forceplan.scenario.model import (
    Backstop,
    Capability,
    Caveat,
    Commitment,
    Constraints,
    Costs,
    EnablerRatio,
    Figure,
    Levers,
    Mission,
    Nation,
    Offer,
    Phase,
    Scenario,
    SubUnit,
    TreatyLimit,
    Uncertainty,
    Within,
)
from forceplan.scenario.numbers import (
    ModelNumber,
    effective_uncertainties,
    model_numbers,
    scenario_numbers,
    uncertainty_number,
)
from forceplan.scenario.uncertainty import Bounds

__all__ = [
    "NAMED_DOMAINS",
    "Backstop",
    "Bounds",
    "Capability",
    "Caveat",
    "Commitment",
    "Constraints",
    "Costs",
    "EnablerRatio",
    "Figure",
    "Interval",
    "Levers",
    "Mission",
    "ModelNumber",
    "Nation",
    "Offer",
    "Phase",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SubUnit",
    "TreatyLimit",
    "Uncertainty",
    "Within",
    "bundled_scenarios",
    "default_uncertainties",
    "effective_uncertainties",
    "known_parameters",
    "load_scenario",
    "model_numbers",
    "scenario_hash",
    "scenario_numbers",
    "uncertainty_number",
]
