"""Explaining in words why a phase has no plan."""

from __future__ import annotations

from forceplan.plan.build import build_phase
from forceplan.plan.model import CONSTRAINT_GROUPS, PhaseModel, Requirement, deployable, units_whole
from forceplan.plan.solve import is_feasible
from forceplan.scenario import Scenario
from forceplan.scenario.model import Nation, Phase


def _why_not(scenario: Scenario, nation: Nation, reqs: list[Requirement]) -> str:
    """Why ``nation`` has no unit it may send to any of ``reqs``, in words."""
    if not deployable(nation):
        return f"{nation.iso} is {nation.stance}"
    barred = [r for r in reqs if not scenario.allowed(nation, r.mission, r.capability)]
    if len(barred) == len(reqs):
        return f"{nation.iso}'s caveats ({', '.join(nation.caveats)}) bar it"
    allowed = [r for r in reqs if r not in barred]

    def held(cap_id: str) -> float:
        fig = nation.units.get(cap_id)
        return fig.value if fig is not None else 0.0

    lacking = [r.capability.id for r in allowed if held(r.capability.id) <= 0]
    if len(lacking) == len(allowed):
        return f"{nation.iso} has no {' or '.join(sorted(set(lacking)))} units"
    detail = ", ".join(
        f"{held(cap.id):g} {cap.id} at rotation ratio {cap.rotation_ratio.value:g}"
        for cap in {r.capability.id: r.capability for r in allowed}.values()
    )
    return (
        f"{nation.iso} holds too few units to keep one deployed after rotation and its "
        f"standing commitments ({detail})"
    )


def diagnose_infeasible(
    scenario: Scenario, phase: Phase, model: PhaseModel, backstop_enabled: bool
) -> list[str]:
    """Explain, in words, which requirement or constraint makes ``phase`` infeasible."""
    reasons: list[str] = []
    where = f"phase '{phase.id}' (months {phase.start_month}-{phase.end_month})"
    constraints = scenario.constraints
    reqs = model.requirements

    needed_missions = {r.mission.id for r in reqs}
    for mission_id, leads in constraints.lead_nations.items():
        if mission_id not in needed_missions:
            continue
        if not any(m == mission_id and iso in leads for (iso, _, m), _c in model.x.items()):
            mission_reqs = [r for r in reqs if r.mission.id == mission_id]
            why = "; ".join(_why_not(scenario, scenario.nation(iso), mission_reqs) for iso in leads)
            reasons.append(
                f"{where}: mission '{mission_id}' must include one of its lead nations "
                f"({', '.join(leads)}; constraints.lead_nations) but none can send it a unit: {why}"
            )

    on_ground_reqs = [r for r in reqs if r.mission.on_ground]
    wanted = min(constraints.min_nations_on_ground, sum(r.required for r in on_ground_reqs))
    if wanted > 0:
        able = sorted({iso for (iso, _, m), _c in model.x.items() if scenario.mission(m).on_ground})
        if len(able) < wanted:
            unable = [n for n in scenario.nations if n.iso not in able]
            why = "; ".join(_why_not(scenario, n, on_ground_reqs) for n in unable)
            reasons.append(
                f"{where}: at least {wanted} nations must be on the ground "
                f"(constraints.min_nations_on_ground) but only {len(able)} can put a unit on an "
                f"on-ground mission ({', '.join(able) or 'none'}); the others cannot: {why}"
            )
    if reasons:
        return reasons

    present = _present_groups(scenario, model)
    culprits = [
        group
        for group in present
        if is_feasible(
            build_phase(
                scenario, phase, backstop_enabled=backstop_enabled, disabled=frozenset({group})
            )
        )
    ]
    if culprits:
        for group in culprits:
            reasons.append(
                f"{where}: {CONSTRAINT_GROUPS[group]} cannot be met together with the other "
                f"constraints; without it this phase has a plan"
            )
    else:
        reasons.append(
            f"{where}: no single constraint is to blame; together "
            f"{', '.join(CONSTRAINT_GROUPS[g] for g in present)} leave no feasible plan"
        )
    return reasons


def _present_groups(scenario: Scenario, model: PhaseModel) -> list[str]:
    names = set(model.row_names)
    present = []
    if "min_nations_on_ground" in names:
        present.append("min_flags")
    if any(n.startswith("lead_nation[") for n in names):
        present.append("lead_nations")
    if any(n.startswith("burden_") for n in names):
        present.append("burden_bound")
    if any(n.startswith("treaty[") for n in names):
        present.append("treaty_limits")
    if any(n.startswith("political_cap[") for n in names):
        present.append("political_caps")
    if scenario.constraints.flank_floor == "hard" and any(
        units_whole(c.units.value) > 0 for n in scenario.nations for c in n.commitments
    ):
        present.append("flank_floors")
    return present
