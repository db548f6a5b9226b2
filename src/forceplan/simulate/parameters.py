"""The uncertain parameters the simulation reads, their defaults, and how draws are sampled.

Every parameter is a named :class:`~forceplan.scenario.Uncertainty`. A scenario
may declare any of them under ``[uncertainties.<name>]`` (with its own
distribution and source); whatever it does not declare falls back to the
bundled default (``data/defaults/uncertainties.toml``, with the domain each
must lie in), which carries its own source or says plainly that it is an
assumption. docs/model.md explains each one.

Random streams are keyed by *name*, not by position: the stream of a
parameter is ``SeedSequence(seed, spawn_key=(hash(name), block))``, so two
scenarios that share a parameter name see exactly the same values for every
draw (common random numbers), whatever else they declare, and draw ``i`` has
the same values whether a run has 10 draws or 1,000,000.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

from forceplan.scenario import (  # noqa: F401  (re-exported: the simulation's view)
    Uncertainty,
    default_uncertainties,
    effective_uncertainties,
    model_numbers,
)

#: Draws per random-number block (and per computation chunk). A constant, so that
#: draw ``i`` gets the same random numbers whatever the total number of draws.
BLOCK = 1024


#: Every default uncertainty, read from the bundled data/defaults/uncertainties.toml
#: (which also states the domain of each; the scenario stage checks against it).
DEFAULT_UNCERTAINTIES: dict[str, Uncertainty] = default_uncertainties()


def stable_key(name: str) -> int:
    """A 32-bit integer from a name, identical on every machine and Python run."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def stream(seed: int, name: str, block: int) -> np.random.Generator:
    """The random stream of ``name`` for draw block ``block`` (common random numbers)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(stable_key(name), block)))
    )


#: Scenario figures the simulation reads as a per-draw parameter (figure path -> parameter):
#: a value given for the parameter (a declared uncertainty, or a per-draw override) wins
#: over the figure. ``forceplan explore`` varies such figures draw by draw.
FIGURE_PARAMETERS: dict[str, str] = {"backstop.credibility": "backstop_credibility"}

#: The same for families of figures, one per capability: a figure path pattern ('*' the
#: capability id) -> the parameter ('*' likewise). A unit cost with a range is sampled by
#: the simulation (``unit_cost_<capability>``, docs/model.md "Sampled unit costs"), so
#: ``forceplan explore`` varies it there, once, and not also as a plan-stage figure.
FIGURE_PARAMETER_PATTERNS: dict[str, str] = {
    "capabilities[*].annual_cost_per_unit_usd_m": "unit_cost_*",
}


def figure_parameter(path: str) -> str | None:
    """The per-draw parameter the simulation reads for the figure at ``path``, if any."""
    if path in FIGURE_PARAMETERS:
        return FIGURE_PARAMETERS[path]
    for pattern, param in FIGURE_PARAMETER_PATTERNS.items():
        head, _, tail = pattern.partition("*")
        if path.startswith(head) and path.endswith(tail) and len(path) > len(head) + len(tail):
            key = path[len(head):len(path) - len(tail)]
            if "[" not in key and "." not in key:
                return param.replace("*", key)
    return None


def sample(unc: Uncertainty, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` draws of one uncertainty (float64)."""
    d = unc.distribution
    if d == "fixed":
        return np.full(size, float(unc.value))  # type: ignore[arg-type]
    if d == "uniform":
        return rng.uniform(float(unc.low), float(unc.high), size)  # type: ignore[arg-type]
    if d == "triangular":
        low, mode, high = float(unc.low), float(unc.mode), float(unc.high)  # type: ignore[arg-type]
        if low == high:
            return np.full(size, low)
        return rng.triangular(low, mode, high, size)
    if d == "normal":
        return rng.normal(float(unc.mean), float(unc.sd), size)  # type: ignore[arg-type]
    if d == "lognormal":
        mean, sd = float(unc.mean), float(unc.sd)  # type: ignore[arg-type]
        sigma2 = np.log1p((sd / mean) ** 2)
        return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size)
    return rng.beta(float(unc.alpha), float(unc.beta), size)  # type: ignore[arg-type]


def sample_block(
    uncertainties: Mapping[str, Uncertainty], seed: int, block: int
) -> dict[str, np.ndarray]:
    """One block (``BLOCK`` draws) of every uncertainty, each from its own named stream."""
    return {
        name: sample(unc, stream(seed, f"uncertainty/{name}", block), BLOCK)
        for name, unc in uncertainties.items()
    }

