"""National offers: a ceiling on personnel deployed, and a minimum the plan tries to use."""

from __future__ import annotations

import math

from forceplan.plan.build.context import PhaseBuild
from forceplan.plan.model import deployable
from forceplan.scenario.model import Phase

#: Name of the offers tier (the share of each offer's minimum left unused, summed).
OFFER_STAGE = "offer_shortfall_share"


def add_offers(b: PhaseBuild) -> None:
    """Per offer standing in the phase (of a nation that may deploy):

    * ceiling: ``sum pers x units on the offer's lines <= max_personnel``;
    * gap: ``gap >= min - sum pers x units``, ``0 <= gap <= min``, where
      ``min`` is ``min_personnel`` scaled by the phase multiplier when that is
      below 1 (:func:`offer_minimum`); the offers tier minimises
      ``sum gap / min``, each offer's unused share of its minimum, so every
      offer counts the same whatever its size (a company left at home weighs
      as much as a division).
    """
    s, model = b.scenario, b.model
    by_nation = b.by_nation()
    standing: list[tuple[str, int]] = []
    for nation in s.nations:
        if not deployable(nation):
            continue
        for i, offer in enumerate(nation.offers):
            if not offer.stands_in(b.phase):
                continue
            standing.append((nation.iso, i))
            terms = [
                (x.col, x.personnel)
                for x in by_nation.get(nation.iso, [])
                if offer.covers(x.mission_id, x.cap.id)
            ]
            ceiling = offer.max_personnel
            if ceiling is not None and terms and b.enabled("offer_ceilings"):
                model.add_row(f"offer_ceiling[{nation.iso},{i}]", terms, -math.inf, ceiling.value)
            minimum = offer_minimum(offer.minimum, b.phase)
            if minimum <= 0:
                continue
            gap = model.add_col(f"offer_gap[{nation.iso},{i}]", 0.0, minimum, False)
            model.offer_gap[(nation.iso, i)] = gap
            model.add_row(
                f"offer_minimum[{nation.iso},{i}]", [(gap, 1.0), *terms], minimum, math.inf
            )
    model.standing_offers = tuple(standing)


def offer_minimum(minimum: float, phase: Phase) -> float:
    """An offer's minimum in ``phase``: scaled by the phase multiplier when it is
    below 1 (a build-up or a phased withdrawal draws every contributor down in
    step, so a nation's offer does not crowd out the others' as the force shrinks)."""
    return minimum * min(1.0, phase.multiplier)


def offer_stage_coefficients(b: PhaseBuild) -> dict[int, float]:
    """Tier coefficients: ``1 / minimum`` on each offer's gap (minimum in this phase)."""
    out: dict[int, float] = {}
    for (iso, i), col in b.model.offer_gap.items():
        out[col] = 1.0 / offer_minimum(b.scenario.nation(iso).offers[i].minimum, b.phase)
    return out
