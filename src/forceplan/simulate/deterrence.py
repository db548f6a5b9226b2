"""Deterrence: a deliberately simple, swappable hazard model of a renewed Russian offensive.

THE PARAMETERS OF THIS MODEL ARE ASSUMPTIONS, NOT FACTS. It exists to make the
argument explicit and comparable across options, not to forecast a war.

Default monthly hazard (rate per month) for each draw and month, written as a sum
of named parts on the log scale (docs/model.md, "Deterrence"):

    log h(t) = baseline + ukraine(t) + training(t) + force(t) + flags(t) + backstop

    baseline = log h0 + k                          h0 = -ln(1 - base_per_year) / 12
    ukraine  = -k theta U(t) / R(t)               Ukraine's own headcount against Russia's
    training = -k theta (U_eff(t) - U(t)) / R(t)  what coalition training adds to its quality
    force    = -k theta w_f G(t) / R(t)           foreign personnel on the ground
    flags    = -w_flag F(t)                        foreign flags on the ground (tripwire)
    backstop = ln(1 - e_b c_b b)                   the outside backstop

so that log h = log h0 - k (theta B - 1) - w_flag F + ln(1 - e_b c_b b), with the
deterrence ratio B = (U_eff + w_f G) / R. P(offensive by month t) =
1 - exp(-sum of h over months 1..t).

Because the parts add on the log scale, a difference in P(offensive) between two
runs can be split exactly among them (:func:`shapley_attribution`).

Swap it: pass ``hazard=fn`` to :func:`forceplan.simulate_scenario`, where ``fn`` takes a
:class:`HazardInputs` and returns the monthly hazard rates, shape (draws, months),
non-negative, or a mapping of named log-hazard parts that sum to log h.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

#: the parts of the default log hazard, in reporting order
HAZARD_PARTS = ("baseline", "ukraine", "training", "force", "flags", "backstop")
#: part -> what it stands for (tables, JSON, netCDF attributes)
HAZARD_PART_LABELS = {
    "baseline": "Baseline (h0 at zero balance)",
    "ukraine": "Ukraine's own strength vs Russia's",
    "training": "Coalition training (quality)",
    "force": "Force on the ground",
    "flags": "Flags on the ground",
    "backstop": "Backstop",
}
#: the smallest hazard kept on the log scale (a zero base rate gives exp(-690) ~ 0)
_TINY = 1e-300


@dataclass(frozen=True)
class HazardInputs:
    """What a hazard function sees; arrays are (draws, months) unless noted."""

    month: np.ndarray  # (months,) 1-based
    deterrence_ratio: np.ndarray
    ukraine_force: np.ndarray  # Ukraine's headcount
    ukraine_effective_force: np.ndarray  # headcount plus what training adds to its quality
    russia_force: np.ndarray
    foreign_on_ground: np.ndarray  # foreign personnel on on-ground missions
    flags_on_ground: np.ndarray
    backstop_enabled: bool
    params: Mapping[str, np.ndarray]  # every sampled uncertainty, (draws, 1)


HazardResult = np.ndarray | Mapping[str, np.ndarray]
HazardFunction = Callable[[HazardInputs], HazardResult]


def offensive_hazard_parts(x: HazardInputs) -> dict[str, np.ndarray]:
    """The default log hazard as named parts (see the module docstring); they sum to log h."""
    p = x.params
    base = -np.log1p(-np.clip(p["offensive_hazard_base_per_year"], 0.0, 0.999999)) / 12.0
    k = p["balance_sensitivity"]
    per_soldier = -k * p["attacker_breakeven_ratio"] / x.russia_force
    weight = np.maximum(p["foreign_troop_weight"], 0.0)
    shape = x.deterrence_ratio.shape
    if x.backstop_enabled and "backstop_credibility" in p:
        reduction = np.clip(p["backstop_effect"] * p["backstop_credibility"], 0.0, 1.0 - 1e-12)
        backstop = np.log1p(-reduction)
    else:
        backstop = np.zeros_like(base)
    return {
        "baseline": np.broadcast_to(np.log(np.maximum(base, _TINY)) + k, shape),
        "ukraine": per_soldier * x.ukraine_force,
        "training": per_soldier * (x.ukraine_effective_force - x.ukraine_force),
        "force": per_soldier * weight * x.foreign_on_ground,
        "flags": -np.maximum(p["tripwire_per_flag"], 0.0) * x.flags_on_ground,
        "backstop": np.broadcast_to(backstop, shape),
    }


def default_offensive_hazard(x: HazardInputs) -> np.ndarray:
    """The documented default hazard: exp of the sum of :func:`offensive_hazard_parts`."""
    return np.exp(sum_parts(offensive_hazard_parts(x)))


def sum_parts(parts: Mapping[str, np.ndarray]) -> np.ndarray:
    """The log hazard from its parts."""
    values = list(parts.values())
    total = np.array(values[0], dtype=float)
    for v in values[1:]:
        total = total + v
    return total


def evaluate_hazard(
    hazard: HazardFunction, x: HazardInputs, shape: tuple[int, int]
) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
    """Monthly hazard (draws, months) and, where the function gives them, its log parts."""
    if hazard is default_offensive_hazard:  # our own parts: finite by construction
        parts = offensive_hazard_parts(x)
        return check_hazard(np.exp(sum_parts(parts)), shape), parts
    result = hazard(x)
    if isinstance(result, Mapping):
        if not result:
            raise ValueError("hazard function returned no parts")
        parts = {}
        for name, values in result.items():
            arr = np.asarray(values, dtype=float)
            try:
                parts[str(name)] = np.broadcast_to(arr, shape)
            except ValueError:
                raise ValueError(
                    f"hazard part {name!r} has shape {arr.shape}, expected {shape}"
                ) from None
            if np.isnan(arr).any() or np.isposinf(arr).any():
                raise ValueError(f"hazard part {name!r} is not finite")
        return check_hazard(np.exp(sum_parts(parts)), shape), parts
    return check_hazard(result, shape), None


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


def p_by_end(log_hazard: np.ndarray) -> np.ndarray:
    """P(offensive by the last month) from monthly log hazards (..., months)."""
    return np.asarray(-np.expm1(-np.exp(log_hazard).sum(axis=-1)))


def shapley_attribution(base: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Split P_other - P_base (offensive by the end) among the log-hazard parts.

    ``base`` and ``other`` are (draws, months, parts) log-hazard parts of two runs
    with paired draws. The value of a coalition S of parts is P(offensive by the end)
    with the parts in S taken from ``other`` and the rest from ``base``; each part
    gets its Shapley value, so the parts sum exactly to the difference, draw by
    draw. Returns (draws, parts). Parts that are equal in both runs get exactly 0.
    """
    delta = other - base
    n_parts = delta.shape[-1]
    out = np.zeros((delta.shape[0], n_parts))
    active = [i for i in range(n_parts) if np.any(delta[..., i] != 0.0)]
    if not active:
        return out
    start = base.sum(axis=-1)
    n = len(active)
    value: dict[frozenset[int], np.ndarray] = {}
    for size in range(n + 1):
        for coalition in combinations(active, size):
            shifted = start + delta[..., list(coalition)].sum(axis=-1) if coalition else start
            value[frozenset(coalition)] = p_by_end(shifted)
    for i in active:
        others = [j for j in active if j != i]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for coalition in combinations(others, size):
                s = frozenset(coalition)
                out[:, i] += weight * (value[s | {i}] - value[s])
    return out
