"""Building one phase's MIP: one builder per constraint group (docs/planner.md).

:func:`build_phase` runs them in order. Columns first (flank drain, units
sent, backstop, unmet), then the rows of each constraint group, then burden
sharing (whose penalty columns join only at their stage) and the objective
tiers. Continuity, which needs the previous phase's plan, is added later by
:func:`forceplan.plan.build.continuity.add_continuity`.
"""

from __future__ import annotations

from forceplan.plan.build import (
    capacity,
    columns,
    coverage,
    enablers,
    flags,
    objective,
    offers,
    treaties,
)
from forceplan.plan.build.burden import add_burden_sharing
from forceplan.plan.build.context import PhaseBuild
from forceplan.plan.model import PhaseModel
from forceplan.scenario.model import Phase, Scenario


def build_phase(
    scenario: Scenario,
    phase: Phase,
    *,
    backstop_enabled: bool,
    flank_floor: str | None = None,
    disabled: frozenset[str] = frozenset(),
    goals: str | None = None,
) -> PhaseModel:
    """Build the MIP of one phase.

    ``flank_floor``: "hard" or "soft" overrides ``constraints.flank_floor``;
    ``goals``: "soft" or "hard" overrides ``constraints.goals``.
    Constraint groups named in ``disabled`` (keys of ``CONSTRAINT_GROUPS``)
    are left out; the infeasibility diagnosis uses that.
    """
    b = PhaseBuild.start(
        scenario,
        phase,
        backstop_enabled=backstop_enabled,
        flank_floor=flank_floor,
        disabled=disabled,
        goals=goals,
    )
    columns.add_flank_drain(b)
    columns.add_units_sent(b)
    capacity.add_headroom_notes(b)
    columns.add_backstop(b)
    columns.add_unmet(b)
    coverage.add_coverage(b)
    coverage.add_multinational_units(b)
    capacity.add_availability(b)
    capacity.add_army_caps(b)
    capacity.fix_idle_drains(b)
    treaties.add_treaty_limits(b)
    flags.add_min_flags(b)
    flags.add_lead_nations(b)
    enablers.add_enabler_ratios(b)
    offers.add_offers(b)

    model = b.model
    cost_by_nation: dict[str, list[tuple[int, float]]] = {}
    for sent in b.sent:
        cost_by_nation.setdefault(sent.iso, []).append((sent.col, sent.cost))
    cost_terms = [t for terms in cost_by_nation.values() for t in terms]
    model.core_cols, model.core_rows = model.num_cols, model.num_rows
    add_burden_sharing(scenario, model, cost_by_nation, cost_terms, disabled)
    if scenario.constraints.burden_sharing.mode != "penalty":
        # a bound restricts every stage; only a penalty can wait for its own stage
        model.core_cols, model.core_rows = model.num_cols, model.num_rows
    objective.add_stages(b, cost_terms)
    return model
