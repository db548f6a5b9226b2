"""Uncertain parameters: a named distribution, its source, and the domain its draws must lie in."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from forceplan.scenario.domains import (
    MAGNITUDE_LIMIT,
    NAMED_DOMAINS,
    DomainName,
    Interval,
)
from forceplan.scenario.figure import BoundedFloat, Frozen

#: Draws beyond these tail probabilities are ignored when a normal or lognormal
#: distribution is checked against its domain: a one-in-a-million draw outside
#: the domain is accepted (the model clips it), anything likelier is refused.
TAIL = 1e-6
_Z_TAIL = NormalDist().inv_cdf(1.0 - TAIL)  # about 4.75 standard deviations

PositiveFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=MAGNITUDE_LIMIT)]


class Bounds(Frozen):
    """An explicit domain: every draw must lie in ``min .. max`` (both included)."""

    min: BoundedFloat
    max: BoundedFloat

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min:g}) must be below max ({self.max:g})")
        return self


def _domain_kind(raw: Any) -> str:
    return "named domain" if isinstance(raw, str) else "domain bounds"


#: ``domain = "share"`` (a named domain) or ``domain = { min = 0, max = 0.999 }``.
DomainSpec = Annotated[
    Annotated[DomainName, Tag("named domain")] | Annotated[Bounds, Tag("domain bounds")],
    Discriminator(_domain_kind),
]
#: Discriminator tags pydantic puts into error locations; the loader drops them.
UNION_TAGS = frozenset({"named domain", "domain bounds"})


def domain_interval(spec: str | Bounds) -> Interval:
    """The :class:`Interval` of a named domain or of explicit bounds."""
    if isinstance(spec, Bounds):
        return Interval(
            spec.min,
            spec.max,
            "this parameter",
            hard_high=True,
            rule=f"between {spec.min:g} and {spec.max:g}",
        )
    return NAMED_DOMAINS[spec]


class Uncertainty(Frozen):
    """An uncertain parameter, EMA-Workbench style: a named distribution with a source.

    For ``lognormal``, ``mean`` and ``sd`` are those of the quantity itself (not of its
    logarithm), so ``mean = 1.15, sd = 0.1`` means "about 15% over, give or take 10%".
    Every parameter is a finite number; ``domain`` (or, for a parameter the simulation
    knows, its bundled domain) bounds where the draws may fall.
    """

    distribution: Literal["fixed", "uniform", "triangular", "normal", "lognormal", "beta"]
    domain: DomainSpec | None = Field(
        default=None,
        # Unset domains stay out of dumps, so scenario hashes do not change with this field.
        exclude_if=lambda v: v is None,
        description="Values the draws must lie in: a named domain (real, non_negative, "
        "positive, share, probability, correlation, multiplier, personnel, count) or "
        "{ min = ..., max = ... }. Required for a parameter the simulation does not know.",
    )
    value: BoundedFloat | None = Field(default=None, description="For 'fixed'.")
    low: BoundedFloat | None = None
    high: BoundedFloat | None = None
    mode: BoundedFloat | None = None
    mean: BoundedFloat | None = None
    sd: PositiveFloat | None = None
    alpha: PositiveFloat | None = None
    beta: PositiveFloat | None = None
    unit: str | None = None
    description: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _params(self) -> Uncertainty:
        need: dict[str, tuple[str, ...]] = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
            "beta": ("alpha", "beta"),
        }
        missing = [p for p in need[self.distribution] if getattr(self, p) is None]
        if missing:
            raise ValueError(f"a {self.distribution} distribution needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        if self.distribution == "lognormal" and self.mean is not None and self.mean <= 0:
            raise ValueError("a lognormal distribution needs a positive mean")
        if self.distribution == "triangular":
            assert self.low is not None and self.high is not None and self.mode is not None
            if not self.low <= self.mode <= self.high:
                raise ValueError("mode must lie between low and high")
        if self.domain is not None and (reason := self.outside(domain_interval(self.domain))):
            raise ValueError(reason)
        return self

    @property
    def central(self) -> float:
        """A central value (used for deterministic runs)."""
        d = self.distribution
        if d == "fixed":
            return float(self.value)  # type: ignore[arg-type]
        if d == "uniform":
            return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]
        if d == "triangular":
            return float(self.mode)  # type: ignore[arg-type]
        if d in ("normal", "lognormal"):
            return float(self.mean)  # type: ignore[arg-type]
        a, b = float(self.alpha), float(self.beta)  # type: ignore[arg-type]
        return a / (a + b)

    def spread(self) -> tuple[float, float, bool]:
        """(lowest, highest, ends_open): where practically every draw falls.

        Bounded distributions give their support; a normal or lognormal gives its
        ``TAIL`` and ``1 - TAIL`` quantiles; ``ends_open`` says the ends are never
        reached (beta), so an open domain end may coincide with them.
        """
        d = self.distribution
        if d == "fixed":
            return float(self.value), float(self.value), False  # type: ignore[arg-type]
        if d in ("uniform", "triangular"):
            return float(self.low), float(self.high), False  # type: ignore[arg-type]
        if d == "beta":
            return 0.0, 1.0, True
        mean, sd = float(self.mean), float(self.sd)  # type: ignore[arg-type]
        if d == "normal":
            return mean - _Z_TAIL * sd, mean + _Z_TAIL * sd, False
        sigma = math.sqrt(math.log1p((sd / mean) ** 2))
        mu = math.log(mean) - sigma**2 / 2
        return math.exp(mu - _Z_TAIL * sigma), math.exp(min(mu + _Z_TAIL * sigma, 700.0)), False

    def outside(self, domain: Interval) -> str | None:
        """Why draws of this distribution would fall outside ``domain``, or None."""
        lowest, highest, ends_open = self.spread()
        bad = []
        for x, side in ((lowest, "low"), (highest, "high")):
            if domain.contains(x):
                continue
            if ends_open and x == (domain.low if side == "low" else domain.high):
                continue  # beta draws never reach 0 or 1
            bad.append(x)
        if not bad:
            return None
        where = f"{domain.notation()} ({domain.rule or domain.what})"
        if self.distribution == "fixed":
            return f"value {lowest:g} lies outside the domain {where}"
        spread = f"{lowest:g} to {highest:g}"
        if self.distribution in ("normal", "lognormal"):
            spread += f" (all but one draw in {1 / TAIL:,.0f})"
        return f"its draws span {spread}, outside the domain {where}"
