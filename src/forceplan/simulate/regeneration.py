"""Ukraine's and Russia's forces month by month (docs/model.md, "Regeneration").

Trainees are Ukraine's own recruits: Ukraine's own recruiting and losses are
already in its headcount, so coalition training does not add soldiers. It makes
the recruits Ukraine has anyway better soldiers:

    headcount(t) = U0 + d t
    effective(t) = headcount(t) + gain * min(retention * trained(t), headcount(t))

(gain = ``trained_effectiveness_gain``: the extra combat value of a
coalition-trained soldier over one Ukraine would have had anyway, in soldiers).

Russia regenerates towards a ceiling: a constant gross intake with discharges
and wastage proportional to strength, dR/dt = G - delta R, gives

    R(t) = K - (K - R0) exp(-g t / (K - R0))

with initial net growth g = ``russia_regeneration_per_month`` and ceiling
K = ``russia_force_ceiling`` (K <= R0 or g = 0: no growth; g < 0: a linear decline
R0 + g t, which no ceiling bounds).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def months_axis(months: int) -> np.ndarray:
    """Month numbers 1..T as a (1, T) float row."""
    return np.arange(1, months + 1, dtype=float)[None, :]


def trained_cumulative(params: Mapping[str, np.ndarray], trainers: np.ndarray) -> np.ndarray:
    """Ukrainians trained up to each month, (draws, T), from trainers on the mission (draws, T)."""
    rate = np.maximum(params["trainees_per_trainer_year"], 0.0)[:, None] / 12.0
    return np.cumsum(trainers * rate, axis=1)


def ukraine_forces(
    params: Mapping[str, np.ndarray], trained: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ukraine's headcount and its effective (training-weighted) strength, (draws, T)."""
    month = months_axis(trained.shape[1])
    headcount = np.maximum(
        params["ukraine_force_initial"][:, None]
        + params["ukraine_domestic_change_per_month"][:, None] * month,
        1.0,
    )
    retained = np.clip(params["trainee_retention"], 0.0, 1.0)[:, None] * trained
    gain = np.maximum(params["trained_effectiveness_gain"], 0.0)[:, None]
    return headcount, headcount + gain * np.minimum(retained, headcount)


def russia_force(params: Mapping[str, np.ndarray], months: int) -> np.ndarray:
    """Russian forces facing Ukraine, (draws, T), rising towards the ceiling (a negative
    initial growth is a linear decline)."""
    start = params["russia_force_initial"][:, None]
    growth = params["russia_regeneration_per_month"][:, None]
    headroom = np.maximum(params["russia_force_ceiling"][:, None] - start, 0.0)
    rate = np.maximum(growth, 0.0) / np.where(headroom > 0, headroom, 1.0)
    month = months_axis(months)
    rising = start + headroom * -np.expm1(-rate * month)
    force = np.where(growth < 0, start + growth * month, rising)
    return np.asarray(np.maximum(force, 1.0))
