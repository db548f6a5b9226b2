"""Stage 2: the plan. A MIP over the validated scenario; imports only forceplan.scenario."""

from forceplan.plan.model import (
    ARMY_DOMAINS,
    DEPLOYABLE_STANCES,
    PlanError,
    PlanInfeasible,
    tied_up_personnel,
    troop_sets_needed,
)
from forceplan.plan.planner import plan_scenario
from forceplan.plan.result import PlanResult

__all__ = [
    "ARMY_DOMAINS",
    "DEPLOYABLE_STANCES",
    "PlanError",
    "PlanInfeasible",
    "PlanResult",
    "plan_scenario",
    "tied_up_personnel",
    "troop_sets_needed",
]
