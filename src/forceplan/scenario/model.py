"""Validated scenario schema (pydantic v2, frozen, extra fields forbidden).

Every number in a scenario may be written bare (``gdp_usd_bn = 3340``) or as a
*figure* table carrying its provenance::

    gdp_usd_bn = { value = 3340, source = "World Bank WDI, GDP current US$, 2023" }
    tour_months = { value = 6, range = [4, 9], source = "..." }

Both forms parse to :class:`Figure`; code reads ``.value``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------


class Frozen(BaseModel):
    """Base for every scenario model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Figure(Frozen):
    """A number with its provenance.

    ``range`` records where sources disagree (low, high); ``value`` is the
    figure the scenario uses and must lie inside the range.
    """

    value: float = Field(description="The figure used by the model.")
    source: str | None = Field(
        default=None,
        description="Citation a reader can follow: organisation or outlet, title, date.",
    )
    range: tuple[float, float] | None = Field(
        default=None, description="(low, high) where sources disagree."
    )
    note: str | None = Field(default=None, description="Assumption or caveat in words.")
    assumption: bool = Field(
        default=False,
        description="True where the figure is a modelling assumption, not a sourced fact.",
    )

    @model_validator(mode="after")
    def _check(self) -> Figure:
        if not math.isfinite(self.value):
            raise ValueError("value must be a finite number")
        if self.range is not None:
            low, high = self.range
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError("range bounds must be finite numbers")
            if low > high:
                raise ValueError(f"range low {low} is above range high {high}")
            if not low <= self.value <= high:
                raise ValueError(f"value {self.value} lies outside its range [{low}, {high}]")
        return self


def _coerce_figure(raw: Any) -> Any:
    # bool is an int subclass; a bare true/false is never a figure.
    if isinstance(raw, bool):
        raise ValueError("expected a number, not a boolean")
    if isinstance(raw, int | float):
        return {"value": raw}
    return raw


def _non_negative(fig: Figure) -> Figure:
    if fig.value < 0 or (fig.range is not None and fig.range[0] < 0):
        raise ValueError(f"must not be negative (got {fig.value})")
    return fig


def _positive(fig: Figure) -> Figure:
    if fig.value <= 0:
        raise ValueError(f"must be positive (got {fig.value})")
    return _non_negative(fig)


def _fraction(fig: Figure) -> Figure:
    _non_negative(fig)
    if fig.value > 1 or (fig.range is not None and fig.range[1] > 1):
        raise ValueError(f"must be a share between 0 and 1 (got {fig.value})")
    return fig


def _ratio_at_least_one(fig: Figure) -> Figure:
    if fig.value < 1:
        raise ValueError(
            f"rotation ratio must be at least 1 (units tied up per unit deployed), got {fig.value}"
        )
    if fig.value > 12:
        raise ValueError(f"rotation ratio {fig.value} is implausible (more than 12)")
    return fig


def _limit(maximum: float, what: str) -> Any:
    def check(fig: Figure) -> Figure:
        if fig.value > maximum:
            raise ValueError(f"{fig.value} is implausibly large for {what} (limit {maximum:g})")
        return fig

    return check


AnyFigure = Annotated[Figure, BeforeValidator(_coerce_figure)]
Count = Annotated[Figure, BeforeValidator(_coerce_figure), AfterValidator(_non_negative)]
Positive = Annotated[Figure, BeforeValidator(_coerce_figure), AfterValidator(_positive)]
Share = Annotated[Figure, BeforeValidator(_coerce_figure), AfterValidator(_fraction)]
RotationRatio = Annotated[
    Figure, BeforeValidator(_coerce_figure), AfterValidator(_ratio_at_least_one)
]
Units = Annotated[
    Figure,
    BeforeValidator(_coerce_figure),
    AfterValidator(_non_negative),
    AfterValidator(_limit(10_000, "a number of units")),
]

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Lower-case identifier: letters, digits, underscores.",
    ),
]

Stance = Literal["committed", "willing", "undecided", "opposed"]
Domain = Literal["land", "air", "sea", "enabler", "command", "training"]

# ---------------------------------------------------------------------------
# Capabilities, nations, missions
# ---------------------------------------------------------------------------


class Capability(Frozen):
    """A unit type: what one deployable unit is, costs and needs to sustain."""

    id: Identifier
    name: str
    domain: Domain
    personnel_per_unit: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(50_000, "personnel per unit")),
    ]
    annual_cost_per_unit_usd_m: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_non_negative),
        AfterValidator(_limit(100_000, "annual cost per unit in US$ million")),
    ] = Field(description="Additional annual cost of one deployed unit, US$ million.")
    tour_months: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(36, "a tour length in months")),
    ]
    rotation_ratio: RotationRatio = Field(
        description="Units tied up (preparing + deployed + recovering) per unit deployed."
    )
    relief_overlap_months: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_non_negative),
        AfterValidator(_limit(6, "a relief-in-place overlap in months")),
    ] = Field(
        default_factory=lambda: Figure(value=0.0),
        description="Months an incoming and outgoing unit overlap at a relief in place.",
    )
    displacement_tonnes: Count | None = Field(
        default=None, description="Warship displacement per unit, for treaty tonnage limits."
    )
    description: str | None = None


class Commitment(Frozen):
    """A standing commitment elsewhere (e.g. NATO eFP battlegroup, air policing)."""

    name: str
    kind: Literal["efp", "air_policing", "maritime", "other"] = "other"
    capability: Identifier
    units: Units = Field(description="Units currently held on this commitment.")
    floor: Units = Field(description="Units that must stay on it whatever happens.")
    location: str | None = None

    @model_validator(mode="after")
    def _floor_below_units(self) -> Commitment:
        if self.floor.value > self.units.value:
            raise ValueError(
                f"floor ({self.floor.value:g}) exceeds the units held ({self.units.value:g})"
            )
        return self


class Nation(Frozen):
    """One potential contributor."""

    name: str
    iso: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code.")]
    gdp_usd_bn: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(50_000, "GDP in US$ billion")),
    ]
    defence_budget_usd_bn: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(2_000, "a defence budget in US$ billion")),
    ]
    active_personnel: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(5_000_000, "active personnel")),
    ]
    army_personnel: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(5_000_000, "army personnel")),
    ]
    stance: Stance
    nato: bool = True
    black_sea_state: bool = Field(
        default=False, description="Littoral Black Sea state (matters for the Montreux Convention)."
    )
    caveats: tuple[Identifier, ...] = Field(
        default=(), description="Ids of caveats (declared under [caveats]) this nation applies."
    )
    max_army_share: Share = Field(
        default_factory=lambda: Figure(value=0.25, assumption=True),
        description="Political cap: share of army personnel that may be tied up by the mission.",
    )
    units: dict[Identifier, Units] = Field(
        default_factory=dict,
        description="Units of each capability in the national force structure.",
    )
    commitments: tuple[Commitment, ...] = ()
    cost_factor: Annotated[
        Figure,
        BeforeValidator(_coerce_figure),
        AfterValidator(_positive),
        AfterValidator(_limit(10, "a national cost factor")),
    ] = Field(
        default_factory=lambda: Figure(
            value=1.0, assumption=True, note="No national factor given: the reference cost level"
        ),
        description="This nation's pay and personnel running costs relative to the reference "
        "on which capability costs are built (1.0); scales the personnel share of each unit's "
        "cost (costs.person_year_cost_usd_m).",
    )
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _army_within_active(self) -> Nation:
        if self.army_personnel.value > self.active_personnel.value:
            raise ValueError(
                f"army_personnel ({self.army_personnel.value:g}) exceeds active_personnel "
                f"({self.active_personnel.value:g})"
            )
        return self


class Caveat(Frozen):
    """A national restriction on where and how forces may be used.

    Empty lists mean "no restriction of that kind". A unit is allowed on a
    mission only if every rule of every caveat of its nation allows it.
    """

    description: str
    only_missions: tuple[Identifier, ...] = ()
    exclude_missions: tuple[Identifier, ...] = ()
    exclude_regions: tuple[str, ...] = ()
    only_domains: tuple[Domain, ...] = ()
    only_capabilities: tuple[Identifier, ...] = ()
    source: str | None = None


class Mission(Frozen):
    """A line of effort with its base requirement (units per capability)."""

    id: Identifier
    name: str
    objective: str = Field(description="The objective in the reports' words, e.g. 'safe skies'.")
    region: str = Field(description="Where it operates, e.g. 'western Ukraine', 'front'.")
    priority: Annotated[int, Field(ge=1, le=9)] = Field(
        description="1 is most important; unmet requirement is penalised by priority."
    )
    on_ground: bool = Field(
        default=True, description="Counts towards the multinational tripwire (flags on the ground)."
    )
    requirements: dict[Identifier, Units]
    description: str | None = None
    source: str | None = Field(default=None, description="Where the mission and its priority "
                               "come from (for `forceplan sources`).")
    note: str | None = Field(default=None, description="Why this priority.")
    assumption: bool = Field(default=False, description="The priority is a modelling assumption.")


class Phase(Frozen):
    """A contiguous block of months with a requirement level."""

    id: Identifier
    name: str
    start_month: Annotated[int, Field(ge=1, le=240)] = Field(description="First month, 1-based.")
    end_month: Annotated[int, Field(ge=1, le=240)] = Field(description="Last month, inclusive.")
    multiplier: Annotated[float, Field(ge=0, le=10)] = Field(
        default=1.0, description="Scales every mission's base requirement."
    )
    requirements: dict[Identifier, dict[Identifier, Units]] | None = Field(
        default=None,
        description="Explicit requirements per mission and capability; replaces the scaled "
        "base requirement for the missions it names.",
    )
    source: str | None = Field(
        default=None, description="Source of the phase's months and multiplier."
    )
    note: str | None = Field(default=None, description="Why these months and this multiplier.")
    assumption: bool = Field(
        default=False, description="The months and multiplier are modelling assumptions."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end_month < self.start_month:
            raise ValueError(
                f"end_month ({self.end_month}) is before start_month ({self.start_month})"
            )
        return self

    @property
    def months(self) -> int:
        return self.end_month - self.start_month + 1


class Backstop(Frozen):
    """An outside backstop (the US in the flagship case) filling what the coalition cannot."""

    provider: str = "United States"
    enabled: bool = Field(default=True, description="Default when --backstop is not given.")
    units: dict[Identifier, Units] = Field(
        description="Units of each capability the backstop can add in any phase."
    )
    missions: tuple[Identifier, ...] = Field(
        default=(), description="Missions it may serve; empty means all."
    )
    credibility: Share = Field(
        default_factory=lambda: Figure(value=0.5, assumption=True),
        description="Probability-like credibility of the backstop, used by the deterrence model.",
    )
    source: str | None = None


class TreatyLimit(Frozen):
    """A linear cap on what certain nations may put on certain missions at once.

    Example: the Montreux Convention caps the aggregate displacement of
    warships of non-Black-Sea states in the Black Sea.
    """

    name: str
    measure: Literal["units", "personnel", "displacement_tonnes"]
    maximum: Count
    capabilities: tuple[Identifier, ...] = Field(default=(), description="Empty means all.")
    missions: tuple[Identifier, ...] = Field(default=(), description="Empty means all.")
    applies_to: Literal["all", "non_black_sea_states", "black_sea_states"] = "all"
    nations: tuple[str, ...] = Field(
        default=(), description="ISO codes it applies to; empty means as 'applies_to' says."
    )
    source: str | None = None


class BurdenSharing(Frozen):
    """How far each nation's share of cost may drift from its share of coalition GDP."""

    mode: Literal["penalty", "bound", "off"] = "penalty"
    max_deviation: Share = Field(
        default_factory=lambda: Figure(value=0.10, assumption=True),
        description="Tolerance band on |cost share - GDP share| per nation: with mode='bound' "
        "a hard limit; with mode='penalty' only the excess beyond it is penalised.",
    )
    basis: Literal["contributors", "all"] = Field(
        default="contributors",
        description="GDP share among nations that send something, or among all listed nations.",
    )


class Constraints(Frozen):
    min_nations_on_ground: Annotated[int, Field(ge=0, le=100)] = Field(
        default=0, description="Multinational tripwire: distinct flags on on-ground missions."
    )
    lead_nations: dict[Identifier, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Mission id -> ISO codes of which at least one must contribute to it.",
    )
    flank_floor: Literal["hard", "soft"] = Field(
        default="hard",
        description="'hard': commitments never drop below their floors; 'soft': they may, at a "
        "penalty, and the plan reports who was pushed below.",
    )
    burden_sharing: BurdenSharing = Field(default_factory=BurdenSharing)
    treaty_limits: tuple[TreatyLimit, ...] = ()


# ---------------------------------------------------------------------------
# Uncertainties and simulation settings
# ---------------------------------------------------------------------------


class Uncertainty(Frozen):
    """An uncertain parameter, EMA-Workbench style: a named distribution with a source.

    For ``lognormal``, ``mean`` and ``sd`` are those of the quantity itself (not of its
    logarithm), so ``mean = 1.15, sd = 0.1`` means "about 15% over, give or take 10%".
    """

    distribution: Literal["fixed", "uniform", "triangular", "normal", "lognormal", "beta"]
    value: float | None = Field(default=None, description="For 'fixed'.")
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    alpha: float | None = Field(default=None, gt=0)
    beta: float | None = Field(default=None, gt=0)
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
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        if self.distribution == "lognormal" and self.mean is not None and self.mean <= 0:
            raise ValueError("a lognormal distribution needs a positive mean")
        if self.distribution == "triangular":
            assert self.low is not None and self.high is not None and self.mode is not None
            if not self.low <= self.mode <= self.high:
                raise ValueError("mode must lie between low and high")
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


Weight = Annotated[
    Figure,
    BeforeValidator(_coerce_figure),
    AfterValidator(_non_negative),
    AfterValidator(_limit(10, "a log-hazard weight")),
]

#: who pays (docs/model.md, "Cost: who pays")
FundingRule = Literal["where_they_fall", "common_fund", "un_assessed"]


class Costs(Frozen):
    """What a cost figure means and who pays it (see docs/model.md, "Cost")."""

    basis: Literal["additional", "full"] = Field(
        default="additional",
        description="'additional': the extra (incremental) cost of deploying, over what the "
        "forces cost at home; 'full': the whole cost of the units, pay included.",
    )
    funding: FundingRule = Field(
        default="where_they_fall",
        description="Who pays: 'where_they_fall' (each nation pays for its own units, NATO's "
        "default), 'common_fund' (the total is shared by a GDP key among fund_members), "
        "'un_assessed' (the UN pays troop contributors its reimbursement rate per person from "
        "its assessed budget; contributors bear the rest of their own cost).",
    )
    fund_members: tuple[str, ...] = Field(
        default=(),
        description="ISO codes of the nations sharing a common fund (empty: every nation).",
    )
    person_year_cost_usd_m: Positive | None = Field(
        default=None,
        description="Cost of one deployed person-year on which capability costs are built; "
        "the personnel share of a unit's cost (personnel x this / unit cost) is scaled by each "
        "nation's cost_factor. Unset: the whole unit cost is scaled.",
    )
    un_reimbursement_usd_per_person_month: Positive = Field(
        default_factory=lambda: Figure(
            value=1428.0,
            source="UN General Assembly resolution 72/285 (2018): US$1,428 per person per "
            "month from 1 July 2018 (UN Press GA/AB/4274)",
        ),
        description="UN troop-cost reimbursement rate (used with funding = 'un_assessed').",
    )
    unit_cost_correlation: Share = Field(
        default_factory=lambda: Figure(
            value=0.8,
            assumption=True,
            note="Capability costs share one driver (the cost of a deployed person-year), so "
            "their uncertainties move together",
        ),
        description="Correlation (Gaussian copula) between the sampled per-unit costs of "
        "different capabilities.",
    )
    note: str | None = None


class Simulation(Frozen):
    """Settings for the month-by-month simulation (see docs/model.md)."""

    months: Annotated[int, Field(ge=1, le=240)] | None = Field(
        default=None, description="Months to simulate; default: to the end of the last phase."
    )
    exit_hazard_per_year: dict[Stance, Share] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "committed": Figure(value=0.03, assumption=True),
            "willing": Figure(value=0.08, assumption=True),
            "undecided": Figure(value=0.15, assumption=True),
            "opposed": Figure(value=0.30, assumption=True),
        },
        description="Annual probability that a contributor of each stance leaves.",
    )
    extra: dict[str, AnyFigure] = Field(
        default_factory=dict,
        description="Further named model parameters (see docs/model.md for the names).",
    )
    cost_pressure_weight: Weight = Field(
        default_factory=lambda: Figure(value=0.0, assumption=True, note="0: switched off"),
        description="Rise in a nation's log exit hazard per percentage point of its defence "
        "budget that the mission costs it per year (0: cost pressure ignored).",
    )
    casualty_weight: Weight = Field(
        default_factory=lambda: Figure(value=0.0, assumption=True, note="0: switched off"),
        description="Rise in a nation's log exit hazard per 100 cumulative casualties "
        "(0: casualties ignored).",
    )
    forced_exits: dict[str, Annotated[int, Field(ge=1, le=241)]] = Field(
        default_factory=dict,
        description="ISO code -> month from which that nation is certainly gone (what-if).",
    )
    refill: bool = Field(
        default=True,
        description="Re-plan what a departing nation leaves from the others' spare capacity.",
    )
    refill_stances: tuple[Stance, ...] = Field(
        default=("committed", "willing"),
        description="Stances of the nations that may take on a departed nation's units.",
    )
    training_mission: Identifier | None = Field(
        default=None,
        description="Mission whose deployed personnel train Ukrainian troops; default: the "
        "mission whose requirements are all training-domain capabilities.",
    )


# ---------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------


class Scenario(Frozen):
    """A complete, validated scenario."""

    name: Identifier
    title: str
    description: str | None = None
    currency_year: int = Field(default=2025, ge=1990, le=2100)
    nations: tuple[Nation, ...] = Field(min_length=1)
    capabilities: tuple[Capability, ...] = Field(min_length=1)
    caveats: dict[Identifier, Caveat] = Field(default_factory=dict)
    missions: tuple[Mission, ...] = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    backstop: Backstop | None = None
    constraints: Constraints = Field(default_factory=Constraints)
    costs: Costs = Field(default_factory=Costs)
    uncertainties: dict[Identifier, Uncertainty] = Field(default_factory=dict)
    simulation: Simulation = Field(default_factory=Simulation)
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Named references (short key -> full citation) that figures may cite.",
    )

    # -- cross-reference checks --------------------------------------------
    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems: list[str] = []
        cap_ids = [c.id for c in self.capabilities]
        caps = set(cap_ids)
        mission_ids = [m.id for m in self.missions]
        missions = set(mission_ids)
        regions = {m.region for m in self.missions}
        isos = [n.iso for n in self.nations]

        for label, values in (
            ("capabilities: duplicate id", cap_ids),
            ("missions: duplicate id", mission_ids),
            ("phases: duplicate id", [p.id for p in self.phases]),
            ("nations: duplicate ISO code", isos),
            ("nations: duplicate name", [n.name for n in self.nations]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                problems.append(f"{label} {', '.join(map(repr, dupes))}")

        for i, n in enumerate(self.nations):
            where = f"nations[{i}] ({n.iso})"
            for cap in n.units:
                if cap not in caps:
                    problems.append(f"{where}.units.{cap}: unknown capability {cap!r}")
            for j, c in enumerate(n.commitments):
                if c.capability not in caps:
                    problems.append(
                        f"{where}.commitments[{j}].capability: unknown capability {c.capability!r}"
                    )
            for cv_name in n.caveats:
                if cv_name not in self.caveats:
                    problems.append(
                        f"{where}.caveats: unknown caveat {cv_name!r} (declare it under [caveats])"
                    )

        for cid, cv in self.caveats.items():
            for field in ("only_missions", "exclude_missions"):
                for m in getattr(cv, field):
                    if m not in missions:
                        problems.append(f"caveats.{cid}.{field}: unknown mission {m!r}")
            for cap in cv.only_capabilities:
                if cap not in caps:
                    problems.append(f"caveats.{cid}.only_capabilities: unknown capability {cap!r}")
            for r in cv.exclude_regions:
                if r not in regions:
                    problems.append(
                        f"caveats.{cid}.exclude_regions: no mission is in region {r!r} "
                        f"(regions: {', '.join(sorted(regions))})"
                    )

        declared_anywhere = set().union(*(n.units.keys() for n in self.nations))
        if self.backstop is not None:
            declared_anywhere |= set(self.backstop.units)
        for i, m in enumerate(self.missions):
            for cap in m.requirements:
                if cap not in caps:
                    problems.append(
                        f"missions[{i}] ({m.id}).requirements.{cap}: unknown capability {cap!r}"
                    )
                elif cap not in declared_anywhere:
                    problems.append(
                        f"missions[{i}] ({m.id}).requirements.{cap}: no nation or backstop "
                        f"declares any {cap!r} units"
                    )

        ordered = sorted(enumerate(self.phases), key=lambda ip: ip[1].start_month)
        if ordered[0][1].start_month != 1:
            problems.append(
                f"phases: the first phase must start in month 1, not {ordered[0][1].start_month}"
            )
        for (_, a), (j, b) in zip(ordered, ordered[1:], strict=False):
            if b.start_month <= a.end_month:
                problems.append(
                    f"phases[{j}] ({b.id}): overlaps phase {a.id!r} "
                    f"(starts month {b.start_month}, {a.id!r} ends month {a.end_month})"
                )
            elif b.start_month > a.end_month + 1:
                problems.append(
                    f"phases[{j}] ({b.id}): gap of months {a.end_month + 1}-{b.start_month - 1} "
                    f"after phase {a.id!r}"
                )
        for i, p in enumerate(self.phases):
            for m, reqs in (p.requirements or {}).items():
                if m not in missions:
                    problems.append(f"phases[{i}] ({p.id}).requirements.{m}: unknown mission {m!r}")
                for cap in reqs:
                    if cap not in caps:
                        problems.append(
                            f"phases[{i}] ({p.id}).requirements.{m}.{cap}: "
                            f"unknown capability {cap!r}"
                        )

        if self.backstop is not None:
            for cap in self.backstop.units:
                if cap not in caps:
                    problems.append(f"backstop.units.{cap}: unknown capability {cap!r}")
            for m in self.backstop.missions:
                if m not in missions:
                    problems.append(f"backstop.missions: unknown mission {m!r}")

        iso_set = set(isos)
        for m, leads in self.constraints.lead_nations.items():
            if m not in missions:
                problems.append(f"constraints.lead_nations.{m}: unknown mission {m!r}")
            for iso in leads:
                if iso not in iso_set:
                    problems.append(f"constraints.lead_nations.{m}: unknown nation {iso!r}")
        for i, t in enumerate(self.constraints.treaty_limits):
            for cap in t.capabilities:
                if cap not in caps:
                    problems.append(
                        f"constraints.treaty_limits[{i}].capabilities: unknown capability {cap!r}"
                    )
            for m in t.missions:
                if m not in missions:
                    problems.append(
                        f"constraints.treaty_limits[{i}].missions: unknown mission {m!r}"
                    )
            for iso in t.nations:
                if iso not in iso_set:
                    problems.append(
                        f"constraints.treaty_limits[{i}].nations: unknown nation {iso!r}"
                    )
            if t.measure == "displacement_tonnes":
                named = t.capabilities or tuple(cap_ids)
                lacking = [
                    c.id
                    for c in self.capabilities
                    if c.id in named and c.displacement_tonnes is None
                ]
                if t.capabilities and lacking:
                    problems.append(
                        f"constraints.treaty_limits[{i}]: capabilities without "
                        f"displacement_tonnes: {', '.join(lacking)}"
                    )
        for iso in self.costs.fund_members:
            if iso not in iso_set:
                problems.append(f"costs.fund_members: unknown nation {iso!r}")
        if self.constraints.min_nations_on_ground > len(self.nations):
            problems.append(
                f"constraints.min_nations_on_ground: {self.constraints.min_nations_on_ground} "
                f"exceeds the {len(self.nations)} nations declared"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- convenient look-ups ------------------------------------------------
    def capability(self, cap_id: str) -> Capability:
        for c in self.capabilities:
            if c.id == cap_id:
                return c
        raise KeyError(cap_id)

    def mission(self, mission_id: str) -> Mission:
        for m in self.missions:
            if m.id == mission_id:
                return m
        raise KeyError(mission_id)

    def nation(self, iso: str) -> Nation:
        for n in self.nations:
            if n.iso == iso:
                return n
        raise KeyError(iso)

    @property
    def ordered_phases(self) -> tuple[Phase, ...]:
        return tuple(sorted(self.phases, key=lambda p: p.start_month))

    @property
    def total_months(self) -> int:
        return max(p.end_month for p in self.phases)

    def requirement(self, phase: Phase, mission_id: str, cap_id: str) -> int:
        """Units of ``cap_id`` that ``mission_id`` needs in ``phase``.

        An explicit phase requirement wins; otherwise the mission's base
        requirement times the phase multiplier, rounded up to whole units
        (a fraction of a unit still has to be sent as a unit).
        """
        if phase.requirements is not None and mission_id in phase.requirements:
            fig = phase.requirements[mission_id].get(cap_id)
            return 0 if fig is None else math.ceil(fig.value - 1e-9)
        base = self.mission(mission_id).requirements.get(cap_id)
        if base is None:
            return 0
        return math.ceil(base.value * phase.multiplier - 1e-9)

    def requirements(self) -> Iterator[tuple[Phase, Mission, Capability, int]]:
        """Every (phase, mission, capability, units required > 0), in declaration order."""
        for phase in self.ordered_phases:
            for mission in self.missions:
                for cap in self.capabilities:
                    need = self.requirement(phase, mission.id, cap.id)
                    if need > 0:
                        yield phase, mission, cap, need

    def allowed(self, nation: Nation, mission: Mission, cap: Capability) -> bool:
        """Whether ``nation``'s caveats let it send ``cap`` units to ``mission``."""
        for cv_id in nation.caveats:
            cv = self.caveats[cv_id]
            if cv.only_missions and mission.id not in cv.only_missions:
                return False
            if mission.id in cv.exclude_missions:
                return False
            if mission.region in cv.exclude_regions:
                return False
            if cv.only_domains and cap.domain not in cv.only_domains:
                return False
            if cv.only_capabilities and cap.id not in cv.only_capabilities:
                return False
        return True

    def sources_list(self) -> Iterator[tuple[str, Figure]]:
        """Every figure in the scenario with its dotted path."""
        yield from _walk_figures(self, "")


def _walk_figures(obj: Any, path: str) -> Iterator[tuple[str, Figure]]:
    if isinstance(obj, Figure):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            yield from _walk_figures(value, f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk_figures(v, f"{path}.{k}")
    elif isinstance(obj, tuple | list):
        for i, v in enumerate(obj):
            key = getattr(v, "iso", None) or getattr(v, "id", None) or str(i)
            yield from _walk_figures(v, f"{path}[{key}]")
