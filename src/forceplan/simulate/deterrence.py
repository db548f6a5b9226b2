"""Deterrence: a deliberately simple, swappable hazard model of a renewed Russian offensive.

THE PARAMETERS OF THIS MODEL ARE ASSUMPTIONS, NOT FACTS. It exists to make the
argument explicit and comparable across options, not to forecast a war.

Default monthly hazard (rate per month) for each draw and month:

    h(t) = h0 * exp(-k * (theta * B(t) - 1)) * exp(-w_flag * F(t)) * (1 - e_b * c_b * b)

    h0     = -ln(1 - offensive_hazard_base_per_year) / 12
    B(t)   = deterrence ratio: (Ukraine's forces + w_f * foreign personnel on the ground)
             / Russia's forces
    theta  = attacker_breakeven_ratio (theta * B = 1 is break-even for the attacker)
    k      = balance_sensitivity
    F(t)   = foreign flags on the ground (nations with personnel on on-ground missions)
    w_flag = tripwire_per_flag
    e_b    = backstop_effect, c_b = backstop_credibility, b = 1 if the backstop is on

P(offensive by month t) = 1 - exp(-sum of h over months 1..t).

Swap it: pass ``hazard=fn`` to :func:`forceplan.simulate`, where ``fn`` takes a
:class:`HazardInputs` and returns the monthly hazard rates, shape (draws, months),
non-negative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HazardInputs:
    """What a hazard function sees; arrays are (draws, months) unless noted."""

    month: np.ndarray  # (months,) 1-based
    deterrence_ratio: np.ndarray
    ukraine_force: np.ndarray
    russia_force: np.ndarray
    foreign_on_ground: np.ndarray  # foreign personnel on on-ground missions
    flags_on_ground: np.ndarray
    backstop_enabled: bool
    params: Mapping[str, np.ndarray]  # every sampled uncertainty, (draws, 1)


HazardFunction = Callable[[HazardInputs], np.ndarray]


def default_offensive_hazard(x: HazardInputs) -> np.ndarray:
    """The documented default hazard (see the module docstring)."""
    p = x.params
    base = -np.log1p(-np.clip(p["offensive_hazard_base_per_year"], 0.0, 0.999999)) / 12.0
    balance = np.exp(
        -p["balance_sensitivity"] * (p["attacker_breakeven_ratio"] * x.deterrence_ratio - 1.0)
    )
    tripwire = np.exp(-np.maximum(p["tripwire_per_flag"], 0.0) * x.flags_on_ground)
    if x.backstop_enabled and "backstop_credibility" in p:
        reduction = np.clip(p["backstop_effect"] * p["backstop_credibility"], 0.0, 1.0)
        backstop = 1.0 - reduction
    else:
        backstop = np.ones_like(base)
    return np.asarray(base * balance * tripwire * backstop)


def check_hazard(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Validate what a hazard function returned."""
    arr = np.asarray(values, dtype=float)
    try:
        arr = np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(
            f"hazard function returned shape {np.shape(values)}, expected {shape} "
            "(draws, months)"
        ) from None
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError("hazard function returned negative or non-finite values")
    return arr
