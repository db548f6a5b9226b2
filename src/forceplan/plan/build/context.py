"""What every constraint builder of a phase shares: the model and the column groups."""

from __future__ import annotations

from dataclasses import dataclass, field

from forceplan.plan.model import (
    AllocationKey,
    PhaseModel,
    Requirement,
    deployable,
    phase_requirements,
)
from forceplan.scenario.model import Capability, Nation, Phase, Scenario, Service


@dataclass(frozen=True)
class Sent:
    """A column of units a nation sends on one line.

    ``share`` is the units of the capability one unit of the column puts in
    theatre: 1 for whole units, ``1 / per_unit`` for sub-units.
    """

    iso: str
    cap: Capability
    mission_id: str
    col: int
    share: float
    key: AllocationKey

    @property
    def personnel(self) -> float:
        """Personnel in theatre per unit of the column."""
        return self.share * self.cap.personnel_per_unit.value

    @property
    def cost(self) -> float:
        """Additional annual cost per unit of the column, US$ million."""
        return self.share * self.cap.annual_cost_per_unit_usd_m.value


@dataclass
class PhaseBuild:
    """One phase's model under construction, with the groupings its builders read.

    Builders run in a fixed order (:func:`forceplan.plan.build.build_phase`):
    the column builders fill ``sent``, ``held``, ``drains`` and ``free``; the
    constraint builders read them and add rows.
    """

    scenario: Scenario
    phase: Phase
    model: PhaseModel
    backstop_enabled: bool
    soft_floor: bool
    disabled: frozenset[str]
    # political goals (lead nations, minimum flags) as goals with shortfall columns
    soft_goals: bool = True
    # units held on standing commitments and drain columns, per (iso, cap)
    held: dict[tuple[str, str], float] = field(default_factory=dict)
    drains: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # units a nation may still tie up per (iso, cap), after fleet cap and commitments
    free: dict[tuple[str, str], float] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        scenario: Scenario,
        phase: Phase,
        *,
        backstop_enabled: bool,
        flank_floor: str | None,
        disabled: frozenset[str],
        goals: str | None = None,
    ) -> PhaseBuild:
        reqs = phase_requirements(scenario, phase)
        floor_mode = flank_floor or scenario.constraints.flank_floor
        goal_mode = goals or scenario.constraints.goals
        return cls(
            scenario=scenario,
            phase=phase,
            model=PhaseModel(phase=phase, requirements=reqs),
            backstop_enabled=backstop_enabled,
            soft_floor=floor_mode == "soft" or "flank_floors" in disabled,
            disabled=disabled,
            soft_goals=goal_mode == "soft",
        )

    @property
    def reqs(self) -> list[Requirement]:
        return self.model.requirements

    def enabled(self, group: str) -> bool:
        return group not in self.disabled

    def deployable_nations(self) -> list[Nation]:
        return [n for n in self.scenario.nations if deployable(n)]

    def service(self, nation: Nation, cap: Capability) -> Service:
        return self.scenario.service(nation, cap)

    # -- groupings of the sent columns (built once, after the columns) -------
    def by_nation(self) -> dict[str, list[Sent]]:
        out: dict[str, list[Sent]] = {}
        for s in self.sent:
            out.setdefault(s.iso, []).append(s)
        return out

    def by_line(self) -> dict[tuple[str, str], list[Sent]]:
        """(cap, mission) -> columns of units sent on that line."""
        out: dict[tuple[str, str], list[Sent]] = {}
        for s in self.sent:
            out.setdefault((s.cap.id, s.mission_id), []).append(s)
        return out

    def filled(self, cap_id: str, mission_id: str) -> list[int]:
        """Columns whose sum is the coalition's units on a line: whole units and
        multinational units (each framed unit is one unit)."""
        model = self.model
        return [
            col
            for (_, c, m), col in (*model.x.items(), *model.frame.items())
            if c == cap_id and m == mission_id
        ]
