"""The uncertain parameters the simulation reads, their defaults, and how draws are sampled.

Every parameter is a named :class:`~forceplan.scenario.Uncertainty`. A scenario
may declare any of them under ``[uncertainties.<name>]`` (with its own
distribution and source); whatever it does not declare falls back to the
default below, which carries its own source or says plainly that it is an
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

from forceplan.scenario import (
    ModelNumber,
    Scenario,
    Uncertainty,
    scenario_numbers,
    uncertainty_number,
)

#: Draws per random-number block (and per computation chunk). A constant, so that
#: draw ``i`` gets the same random numbers whatever the total number of draws.
BLOCK = 1024


DEFAULT_UNCERTAINTIES: dict[str, Uncertainty] = {
    # -- coalition fraying --------------------------------------------------
    "exit_hazard_scale": Uncertainty(
        distribution="lognormal",
        mean=1.0,
        sd=0.35,
        unit="multiplier",
        description="Scales every nation's stance-based annual exit probability.",
        source="Assumption (forceplan): no public base rate for contributors leaving a "
        "reassurance force; spread chosen so the 90% band spans roughly x0.5 to x1.7.",
    ),
    "political_correlation": Uncertainty(
        distribution="uniform",
        low=0.1,
        high=0.6,
        unit="correlation",
        description="Correlation of nations' latent exit propensities through a shared "
        "political factor (Gaussian copula).",
        source="Assumption (forceplan): European capitals' positions moved together in 2025 "
        "(30-37 nations in talks, ~15 ready to send troops: The Telegraph 2025-04-10; "
        "26 pledged in Paris 2025-09-04), so exits are positively correlated.",
    ),
    "casualty_rate_per_1000_per_year": Uncertainty(
        distribution="triangular",
        low=0.1,
        mode=0.5,
        high=2.0,
        unit="casualties per 1,000 deployed per year",
        description="Casualties among deployed personnel (non-combat roles away from the "
        "front); only used when simulation.casualty_weight > 0.",
        source="Assumption (forceplan): non-combat deployment away from the front "
        "(Ukrainian outlet, 2025-08-20); far below combat-operation rates.",
    ),
    # -- cost ---------------------------------------------------------------
    "cost_overrun": Uncertainty(
        distribution="lognormal",
        mean=1.15,
        sd=0.15,
        unit="multiplier",
        description="Actual over planned cost of a deployed unit (overrun multiplier).",
        source="Assumption (forceplan), informed by GAO-24-106703 (2024-04-15): F-35 "
        "sustainment estimate up 44% 2018-2023; and the 'money pit' cost worry "
        "(The Times via Ukrainian outlet, 2025-02-01).",
    ),
    "inflation_per_year": Uncertainty(
        distribution="triangular",
        low=0.015,
        mode=0.025,
        high=0.05,
        unit="per year",
        description="Annual defence cost inflation applied from month 1.",
        source="Assumption (forceplan): euro-area and UK inflation targets of 2% plus a "
        "defence-specific premium.",
    ),
    # -- regeneration ---------------------------------------------------------
    "trainees_per_trainer_year": Uncertainty(
        distribution="triangular",
        low=6.0,
        mode=12.5,
        high=20.0,
        unit="trainees per deployed trainer per year",
        description="Ukrainian recruits trained per deployed training-mission person per year.",
        source="Derived: Op Interflex trained ~56,000 in three years, ~18,700/yr (UK Government, "
        "'Operation Interflex hits three-year mark', 2025-06-26), divided by "
        "an ASSUMED ~1,500 trainers (the trainer count is not in the public figures).",
    ),
    "trainee_retention": Uncertainty(
        distribution="uniform",
        low=0.7,
        high=0.95,
        unit="share",
        description="Share of trained personnel still in Ukraine's forces (net of losses).",
        source="Assumption (forceplan).",
    ),
    "trained_effectiveness_gain": Uncertainty(
        distribution="triangular",
        low=0.0,
        mode=0.25,
        high=0.5,
        unit="soldiers per trained soldier",
        description="Extra combat value of a coalition-trained Ukrainian soldier over the recruit "
        "Ukraine would have had anyway (trainees are Ukraine's own recruits, so training adds "
        "quality, not numbers).",
        source="Assumption (forceplan): no public measure of what Western training adds to a "
        "recruit's combat value was found; 0 (none) to 0.5 (a trained soldier is worth one and a "
        "half untrained ones).",
    ),
    "ukraine_force_initial": Uncertainty(
        distribution="triangular",
        low=600_000,
        mode=800_000,
        high=900_000,
        unit="personnel",
        description="Ukrainian ground forces at the start of the mission.",
        source="Assumption (forceplan): Ukraine fields over 100 brigades (CSIS Q&A 'What would "
        "security guarantees in Ukraine look like', Aug 2025); total not in the public figures.",
    ),
    "ukraine_domestic_change_per_month": Uncertainty(
        distribution="normal",
        mean=0.0,
        sd=2_000.0,
        unit="personnel per month",
        description="Net change of Ukraine's forces from its own recruiting and losses.",
        source="Assumption (forceplan): centred on zero (own recruitment replaces wastage).",
    ),
    "russia_force_initial": Uncertainty(
        distribution="triangular",
        low=600_000,
        mode=700_000,
        high=800_000,
        unit="personnel",
        description="Russian forces in and around Ukraine at the start of the mission.",
        source="Bruegel & Kiel Institute (Burilkov, Wolff), 'Defending Europe without the US: "
        "first estimates of what is needed', 2025-02-21: ~700,000 Russian troops in Ukraine "
        "(end 2024).",
    ),
    "russia_regeneration_per_month": Uncertainty(
        distribution="triangular",
        low=0.0,
        mode=10_000.0,
        high=30_000.0,
        unit="personnel per month",
        description="Initial net monthly growth of Russian forces facing Ukraine after a "
        "ceasefire (growth slows as the force nears russia_force_ceiling).",
        source="Gross contract recruitment ~30,000-36,000/month in 2024-25 (Vazhniye istorii "
        "budget-based estimate, May 2025; Ukrainian MoD, Feb 2025; Medvedev, 2025) is the "
        "upper bound; "
        "net of discharges and wastage is an ASSUMPTION.",
    ),
    "russia_force_ceiling": Uncertainty(
        distribution="triangular",
        low=800_000,
        mode=1_000_000,
        high=1_500_000,
        unit="personnel",
        description="Ceiling towards which Russian forces facing Ukraine regenerate "
        "(intake balanced by discharges and wastage).",
        source="High end: the authorised strength of Russia's armed forces, 1.5 million military "
        "personnel from 1 Dec 2024 (presidential decree of 2024-09-16, reported by UNN, "
        "2024-09-16), as if every soldier faced Ukraine; about 700,000 were in Ukraine at the "
        "time (Bruegel & Kiel, 2025-02-21). Low end and mode: ASSUMPTION.",
    ),
    # -- deterrence (all assumptions; see docs/model.md) ---------------------
    "offensive_hazard_base_per_year": Uncertainty(
        distribution="triangular",
        low=0.05,
        mode=0.2,
        high=0.5,
        unit="probability per year",
        description="Annual probability of a renewed Russian offensive at break-even force "
        "balance, with no foreign troops and no backstop.",
        source="Assumption (forceplan), framed by Danish intelligence timelines (local war "
        "within 6 months, regional within 2 years, large-scale within 5 years if the US is "
        "absent; Fortune, 2025-02-23).",
    ),
    "attacker_breakeven_ratio": Uncertainty(
        distribution="triangular",
        low=1.2,
        mode=1.5,
        high=2.1,
        unit="attacker:defender",
        description="Theatre-level force ratio at which an offensive breaks even.",
        source="P. K. Davis, RAND MR-638 ch. 6, 'Aggregation, Disaggregation, and the 3:1 "
        "Rule': theatre break-even ~1.5 (1.2 defence-conservative, 2.1 attacker-conservative).",
    ),
    "balance_sensitivity": Uncertainty(
        distribution="uniform",
        low=1.0,
        high=3.0,
        unit="per unit of relative balance",
        description="How fast the offensive hazard falls as the balance moves past break-even.",
        source="Assumption (forceplan).",
    ),
    "tripwire_per_flag": Uncertainty(
        distribution="uniform",
        low=0.01,
        high=0.08,
        unit="log-hazard per flag",
        description="Fall in the log offensive hazard per nation with troops on the ground.",
        source="Assumption (forceplan): Russia calls any foreign troops direct involvement "
        "(The Telegraph via Ukrainian outlet, 2025-04-10), so each flag raises the cost.",
    ),
    "backstop_effect": Uncertainty(
        distribution="uniform",
        low=0.3,
        high=0.8,
        unit="share",
        description="Share of the offensive hazard removed by a fully credible backstop.",
        source="Assumption (forceplan): US guarantees 'like Article 5' (The Independent, "
        "2025-08-19).",
    ),
    "foreign_troop_weight": Uncertainty(
        distribution="uniform",
        low=0.2,
        high=1.0,
        unit="weight",
        description="Weight of a foreign soldier on the ground, relative to a Ukrainian one, "
        "in the force balance (they are away from the front).",
        source="Assumption (forceplan).",
    ),
}


def stable_key(name: str) -> int:
    """A 32-bit integer from a name, identical on every machine and Python run."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def stream(seed: int, name: str, block: int) -> np.random.Generator:
    """The random stream of ``name`` for draw block ``block`` (common random numbers)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(stable_key(name), block)))
    )


def effective_uncertainties(scenario: Scenario) -> dict[str, Uncertainty]:
    """Defaults overridden by the scenario's own declarations (plus any extra names it adds)."""
    merged = dict(DEFAULT_UNCERTAINTIES)
    if scenario.backstop is not None:
        cred = scenario.backstop.credibility
        merged["backstop_credibility"] = Uncertainty(
            distribution="fixed",
            value=cred.value,
            unit="probability",
            description="Credibility of the backstop (scenario backstop.credibility).",
            source=cred.source or "scenario backstop.credibility (assumption)",
        )
    merged.update(scenario.uncertainties)
    return merged


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


def model_numbers(scenario: Scenario) -> list[ModelNumber]:
    """Every number the model reads: the scenario's own, then the uncertainties it leaves
    to the model's defaults (marked ``default``)."""
    numbers = scenario_numbers(scenario)
    for name, unc in effective_uncertainties(scenario).items():
        if name not in scenario.uncertainties:
            numbers.append(uncertainty_number(name, unc, default=True))
    return numbers
