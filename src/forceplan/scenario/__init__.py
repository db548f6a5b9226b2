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
    Within,
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
    "EnablerRatio",
    "Figure",
    "Interval",
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
    "Within",
    "bundled_scenarios",
    "default_uncertainties",
    "known_parameters",
    "load_scenario",
    "scenario_hash",
]
