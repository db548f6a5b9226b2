"""Validated scenario schema (pydantic v2, frozen, extra fields forbidden).

Numbers are :class:`Figure` values (see :mod:`forceplan.scenario.figure`):
each field's type states its domain (``Positive``, ``Share``, ``Units``, or
``Annotated[Figure, Within(low, high, what)]``), checked on the value and on
both ends of its range. Integers and plain floats are strict (no booleans, no
strings) and bounded. docs/scenario.md lists every domain.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    model_validator,
)

from forceplan.scenario.checks import contribution_problems, cross_reference_problems
from forceplan.scenario.defaults import check_uncertainty_domains
from forceplan.scenario.fields import (
    DEFAULT_SERVICE,
    Domain,
    Identifier,
    Month,
    NationCount,
    Service,
    Stance,
    SubUnitCount,
    Weight,
)
from forceplan.scenario.figure import (
    AnyFigure,
    Count,
    Figure,
    FiniteFloat,
    Frozen,
    NonNegative,
    Personnel,
    Positive,
    Real,
    RotationRatio,
    Share,
    Units,
    Within,
)
from forceplan.scenario.forces import (
    Capability,
    Caveat,
    Commitment,
    Nation,
    Offer,
    SubUnit,
)
from forceplan.scenario.operations import (
    Backstop,
    BurdenSharing,
    Constraints,
    EnablerRatio,
    Mission,
    Phase,
    TreatyLimit,
)
from forceplan.scenario.settings import (
    Costs,
    FundingRule,
    Levers,
    LogHazardWeight,
    Simulation,
)
from forceplan.scenario.uncertainty import Bounds, Uncertainty

# ---------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------


#: re-exported: the schema is split by concern (fields, forces, operations, settings,
#: checks); ``forceplan.scenario.model`` keeps every name it had
__all__ = [
    "AnyFigure",
    "Backstop",
    "Bounds",
    "BurdenSharing",
    "Capability",
    "Caveat",
    "Commitment",
    "Constraints",
    "Costs",
    "Count",
    "DEFAULT_SERVICE",
    "Domain",
    "EnablerRatio",
    "Figure",
    "FiniteFloat",
    "Frozen",
    "FundingRule",
    "Identifier",
    "Levers",
    "LogHazardWeight",
    "Mission",
    "Month",
    "Nation",
    "NationCount",
    "NonNegative",
    "Offer",
    "Personnel",
    "Phase",
    "Positive",
    "Real",
    "RotationRatio",
    "Scenario",
    "Service",
    "Share",
    "Simulation",
    "Stance",
    "SubUnit",
    "SubUnitCount",
    "TreatyLimit",
    "Uncertainty",
    "Units",
    "Weight",
    "Within",
]


class Scenario(Frozen):
    """A complete, validated scenario."""

    name: Identifier
    title: str
    description: str | None = None
    currency_year: int = Field(default=2025, strict=True, ge=1990, le=2100)
    nations: tuple[Nation, ...] = Field(min_length=1)
    capabilities: tuple[Capability, ...] = Field(min_length=1)
    caveats: dict[Identifier, Caveat] = Field(default_factory=dict)
    missions: tuple[Mission, ...] = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    backstop: Backstop | None = None
    constraints: Constraints = Field(default_factory=Constraints)
    costs: Costs = Field(default_factory=Costs)
    uncertainties: Annotated[
        dict[Identifier, Uncertainty], AfterValidator(check_uncertainty_domains)
    ] = Field(
        default_factory=dict,
        description="Named distributions; each must lie in the domain of its name "
        "(bundled for the parameters the simulation reads, declared for any other).",
    )
    levers: Levers = Field(
        default_factory=Levers, description="Options `forceplan explore` crosses (see Levers)."
    )
    simulation: Simulation = Field(default_factory=Simulation)
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Named references (short key -> full citation) that figures may cite.",
    )

    # -- cross-reference checks --------------------------------------------
    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _contribution_references(self) -> Scenario:
        """Offers, service attributions and enabler ratios name what exists."""
        problems = contribution_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- convenient look-ups ------------------------------------------------
    def capability(self, cap_id: str) -> Capability:
        for c in self.capabilities:
            if c.id == cap_id:
                return c
        raise KeyError(cap_id)

    def mission(self, mission_id: str) -> Mission:
        for m in self.missions:
            if m.id == mission_id:
                return m
        raise KeyError(mission_id)

    def nation(self, iso: str) -> Nation:
        for n in self.nations:
            if n.iso == iso:
                return n
        raise KeyError(iso)

    @property
    def ordered_phases(self) -> tuple[Phase, ...]:
        return tuple(sorted(self.phases, key=lambda p: p.start_month))

    @property
    def total_months(self) -> int:
        return max(p.end_month for p in self.phases)

    def requirement(self, phase: Phase, mission_id: str, cap_id: str) -> int:
        """Units of ``cap_id`` that ``mission_id`` needs in ``phase``.

        An explicit phase requirement wins; otherwise the mission's base
        requirement times the phase multiplier, rounded up to whole units
        (a fraction of a unit still has to be sent as a unit).
        """
        if phase.requirements is not None and mission_id in phase.requirements:
            fig = phase.requirements[mission_id].get(cap_id)
            return 0 if fig is None else math.ceil(fig.value - 1e-9)
        base = self.mission(mission_id).requirements.get(cap_id)
        if base is None:
            return 0
        return math.ceil(base.value * phase.multiplier - 1e-9)

    def requirements(self) -> Iterator[tuple[Phase, Mission, Capability, int]]:
        """Every (phase, mission, capability, units required > 0), in declaration order."""
        for phase in self.ordered_phases:
            for mission in self.missions:
                for cap in self.capabilities:
                    need = self.requirement(phase, mission.id, cap.id)
                    if need > 0:
                        yield phase, mission, cap, need

    def service(self, nation: Nation, cap: Capability) -> Service:
        """The service that crews ``cap`` in ``nation`` (its own attribution first)."""
        return nation.services.get(cap.id) or cap.default_service

    def personnel_cost_share(self, cap: Capability) -> float:
        """Share of ``cap``'s unit cost that is people: personnel x the person-year cost /
        unit cost, at most 1 (1 when no person-year cost is set: the whole cost scales)."""
        person_year = self.costs.person_year_cost_usd_m
        unit_cost = cap.annual_cost_per_unit_usd_m.value
        if person_year is None or unit_cost <= 0:
            return 1.0
        return min(cap.personnel_per_unit.value * person_year.value / unit_cost, 1.0)

    def cost_multiplier(self, nation: Nation, cap: Capability) -> float:
        """``m = s f + (1 - s)``: the personnel share ``s`` of a unit's cost scales with the
        nation's cost_factor ``f``, equipment does not (docs/model.md, "Cost"). Planner and
        simulation both cost a nation's unit as unit cost x this."""
        share = self.personnel_cost_share(cap)
        return share * nation.cost_factor.value + (1.0 - share)

    @staticmethod
    def relief_factor(cap: Capability) -> float:
        """Units on the ground per unit deployed, averaged over a tour: ``1 + o / tour``
        (the incoming unit of each relief in place is there ``o`` months early)."""
        return 1.0 + cap.relief_overlap_months.value / cap.tour_months.value

    def national_unit_cost(self, nation: Nation, cap: Capability) -> float:
        """What keeping one unit of ``cap`` deployed costs ``nation`` a year, US$ m, at the
        figures' values: unit cost x cost multiplier x relief factor (docs/planner.md,
        "Cost basis"); the simulation's steady state."""
        return (
            cap.annual_cost_per_unit_usd_m.value
            * self.cost_multiplier(nation, cap)
            * self.relief_factor(cap)
        )

    def fleet_share(self, nation: Nation, service: Service) -> float | None:
        """Share of each ``service`` fleet ``nation`` may tie up; None: no fleet cap."""
        fig = nation.max_fleet_share.get(service) or self.constraints.max_fleet_share.get(service)
        return None if fig is None else fig.value

    def offer_index(self, nation: Nation, mission_id: str, cap_id: str) -> int | None:
        """The index of ``nation``'s offer that covers the line, None if no offer does."""
        for i, offer in enumerate(nation.offers):
            if offer.covers(mission_id, cap_id):
                return i
        return None

    def allowed(self, nation: Nation, mission: Mission, cap: Capability) -> bool:
        """Whether ``nation``'s caveats let it send ``cap`` units to ``mission``."""
        for cv_id in nation.caveats:
            cv = self.caveats[cv_id]
            if cv.only_missions and mission.id not in cv.only_missions:
                return False
            if mission.id in cv.exclude_missions:
                return False
            if mission.region in cv.exclude_regions:
                return False
            if cv.only_domains and cap.domain not in cv.only_domains:
                return False
            if cv.only_capabilities and cap.id not in cv.only_capabilities:
                return False
        return True

    def sources_list(self) -> Iterator[tuple[str, Figure]]:
        """Every figure in the scenario with its dotted path."""
        yield from _walk_figures(self, "")


def _walk_figures(obj: Any, path: str) -> Iterator[tuple[str, Figure]]:
    if isinstance(obj, Figure):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            yield from _walk_figures(value, f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk_figures(v, f"{path}.{k}")
    elif isinstance(obj, tuple | list):
        for i, v in enumerate(obj):
            key = getattr(v, "iso", None) or getattr(v, "id", None) or str(i)
            yield from _walk_figures(v, f"{path}[{key}]")
