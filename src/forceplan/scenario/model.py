"""Validated scenario schema (pydantic v2, frozen, extra fields forbidden).

Numbers are :class:`Figure` values (see :mod:`forceplan.scenario.figure`):
each field's type states its domain (``Positive``, ``Share``, ``Units``, or
``Annotated[Figure, Within(low, high, what)]``), checked on the value and on
both ends of its range. Integers and plain floats are strict (no booleans, no
strings) and bounded. docs/scenario.md lists every domain.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,  # noqa: F401  (kept for fields declared the older way)
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from forceplan.scenario.defaults import check_extra_parameters, check_uncertainty_domains
from forceplan.scenario.domains import did_you_mean
from forceplan.scenario.figure import (  # noqa: F401  (re-exported for field declarations)
    AnyFigure,
    Count,
    Figure,
    FiniteFloat,
    Frozen,
    NonNegative,
    Personnel,
    Positive,
    Real,
    RotationRatio,
    Share,
    Units,
    Within,
    _coerce_figure,
    _fraction,
    _limit,
    _non_negative,
    _positive,
)
from forceplan.scenario.uncertainty import Bounds, Uncertainty  # noqa: F401  (re-exported)

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Lower-case identifier: letters, digits, underscores.",
    ),
]

#: A month of the mission, 1-based (up to 20 years).
Month = Annotated[int, Field(strict=True, ge=1, le=240)]
#: A plain multiplier or weight, 0 to 10 (a finite float, not a bool or a string).
Weight = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=10)]

Stance = Literal["committed", "willing", "undecided", "opposed"]
Domain = Literal["land", "air", "sea", "enabler", "command", "training"]
Service = Literal["army", "air_force", "navy"]

#: The service that crews a capability of each domain unless the capability
#: (``Capability.service``) or the nation (``Nation.services``) says otherwise.
DEFAULT_SERVICE: dict[str, Service] = {
    "land": "army",
    "enabler": "army",
    "command": "army",
    "training": "army",
    "air": "air_force",
    "sea": "navy",
}


def _whole_number(fig: Figure) -> Figure:
    if fig.value != int(fig.value):
        raise ValueError(f"must be a whole number (got {fig.value:g})")
    return fig


SubUnitCount = Annotated[
    Figure, Within(1, 100, "a number of sub-units per unit"), AfterValidator(_whole_number)
]


class SubUnit(Frozen):
    """A part of a unit (company, detachment, aircraft pair, staff cell) a nation
    may send into a multinational unit of the capability led by a framework nation.

    The eFP battlegroups are the model: a framework nation provides the core
    of each multinational unit and partners add companies to it. A sub-unit
    has ``1 / per_unit`` of the unit's personnel and cost, and rotates by the
    capability's rotation ratio like the unit (rule of three: a nation holding
    one battalion of four companies can keep one company deployed).
    """

    name: str = Field(description="What one sub-unit is called, e.g. 'company'.")
    short: str | None = Field(default=None, description="Abbreviation for tables, e.g. 'coy'.")
    per_unit: SubUnitCount = Field(description="Sub-units that make up one unit.")
    framework_min: SubUnitCount | None = Field(
        default=None,
        description="Sub-units the framework nation provides itself in each multinational "
        "unit; default: half of per_unit, rounded up.",
    )
    source: str | None = None

    @model_validator(mode="after")
    def _framework_within_unit(self) -> SubUnit:
        if self.per_unit.value < 2:
            raise ValueError("per_unit must be at least 2 (one sub-unit would be the unit itself)")
        if self.framework_min is not None and self.framework_min.value > self.per_unit.value:
            raise ValueError(
                f"framework_min ({self.framework_min.value:g}) exceeds per_unit "
                f"({self.per_unit.value:g})"
            )
        return self

    @property
    def size(self) -> int:
        return int(self.per_unit.value)

    @property
    def framework_share(self) -> int:
        """Sub-units the framework nation provides in each multinational unit."""
        if self.framework_min is not None:
            return int(self.framework_min.value)
        return math.ceil(self.size / 2)

    @property
    def label(self) -> str:
        return self.short or self.name


# ---------------------------------------------------------------------------
# Capabilities, nations, missions
# ---------------------------------------------------------------------------


class Capability(Frozen):
    """A unit type: what one deployable unit is, costs and needs to sustain."""

    id: Identifier
    name: str
    domain: Domain
    personnel_per_unit: Annotated[Figure, Within(0, 50_000, "personnel per unit", low_open=True)]
    annual_cost_per_unit_usd_m: Annotated[
        Figure, Within(0, 100_000, "annual cost per unit in US$ million")
    ] = Field(description="Additional annual cost of one deployed unit, US$ million.")
    tour_months: Annotated[Figure, Within(0, 36, "a tour length in months", low_open=True)]
    rotation_ratio: RotationRatio = Field(
        description="Units tied up (preparing + deployed + recovering) per unit deployed."
    )
    relief_overlap_months: Annotated[
        Figure, Within(0, 6, "a relief-in-place overlap in months")
    ] = Field(
        default_factory=lambda: Figure(value=0.0),
        description="Months an incoming and outgoing unit overlap at a relief in place.",
    )
    displacement_tonnes: (
        Annotated[Figure, Within(0, 200_000, "a displacement in tonnes", low_open=True)] | None
    ) = Field(default=None, description="Warship displacement per unit, for treaty tonnage limits.")
    service: Service | None = Field(
        default=None,
        description="Service that crews it (army, air_force, navy); default from the domain "
        "(land, enabler, command, training: army; air: air_force; sea: navy). A nation may "
        "attribute it differently (nations[].services).",
    )
    sub_unit: SubUnit | None = Field(
        default=None,
        description="The part of a unit a nation may send into a multinational unit; none: "
        "whole units only.",
    )
    shortfall_weight: (
        Annotated[Figure, Within(0, 100, "a shortfall weight", low_open=True)] | None
    ) = Field(
        default=None,
        description="Weight of one unmet person of this capability by role (none: 1); an "
        "unmet unit counts personnel_per_unit x shortfall_weight.",
    )
    description: str | None = None

    @property
    def default_service(self) -> Service:
        return self.service or DEFAULT_SERVICE[self.domain]

    @property
    def unmet_weight(self) -> float:
        """What one unmet unit weighs: its personnel x its role's shortfall weight."""
        weight = 1.0 if self.shortfall_weight is None else self.shortfall_weight.value
        return self.personnel_per_unit.value * weight


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


class Offer(Frozen):
    """What a nation says it will send: personnel deployed, on which lines, from when.

    The planner never deploys more than ``max_personnel`` on the offer's lines
    and tries, in a tier of its own, to deploy at least ``min_personnel``
    (docs/planner.md). A nation with offers sends nothing outside them.
    """

    name: str
    min_personnel: Personnel | None = Field(
        default=None,
        description="Personnel deployed the nation wants used (the low end of its offer); "
        "none: no minimum.",
    )
    max_personnel: Personnel | None = Field(
        default=None,
        description="Most personnel deployed on the offer's lines at once (the high end); "
        "none: no ceiling beyond the nation's caps.",
    )
    capabilities: tuple[Identifier, ...] = Field(default=(), description="Empty means all.")
    missions: tuple[Identifier, ...] = Field(default=(), description="Empty means all.")
    from_month: Month = Field(
        default=1,
        description="First month the offer stands; it counts in a phase that starts in or "
        "after that month.",
    )
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _min_below_max(self) -> Offer:
        if self.max_personnel is not None and self.minimum > self.max_personnel.value:
            raise ValueError(
                f"min_personnel ({self.minimum:g}) exceeds max_personnel "
                f"({self.max_personnel.value:g})"
            )
        return self

    @property
    def minimum(self) -> float:
        """Personnel the offer wants used (0 without a minimum)."""
        return 0.0 if self.min_personnel is None else self.min_personnel.value

    def covers(self, mission_id: str, cap_id: str) -> bool:
        return (not self.missions or mission_id in self.missions) and (
            not self.capabilities or cap_id in self.capabilities
        )

    def stands_in(self, phase: Phase) -> bool:
        """Whether the offer stands from the first month of ``phase``."""
        return self.from_month <= phase.start_month


class Nation(Frozen):
    """One potential contributor."""

    name: str
    iso: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code.")]
    gdp_usd_bn: Annotated[Figure, Within(0, 50_000, "GDP in US$ billion", low_open=True)]
    defence_budget_usd_bn: Annotated[
        Figure, Within(0, 2_000, "a defence budget in US$ billion", low_open=True)
    ]
    active_personnel: Annotated[Figure, Within(0, 5_000_000, "active personnel", low_open=True)]
    army_personnel: Annotated[Figure, Within(0, 5_000_000, "army personnel", low_open=True)]
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
    offers: tuple[Offer, ...] = Field(
        default=(),
        description="What the nation offers to send; with offers it sends nothing outside them.",
    )
    services: dict[Identifier, Service] = Field(
        default_factory=dict,
        description="Capability id -> the service that crews it in this nation, where it "
        "differs from the capability's (a Patriot battery is army in some nations).",
    )
    max_fleet_share: dict[Service, Share] = Field(
        default_factory=dict,
        description="Per service: the share of each of its fleets (units of one capability: "
        "squadrons, hulls, batteries) that may be tied up, standing commitments included; "
        "overrides constraints.max_fleet_share.",
    )
    cost_factor: Annotated[Figure, Within(0, 10, "a national cost factor", low_open=True)] = Field(
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
    priority: Annotated[int, Field(strict=True, ge=1, le=9)] = Field(
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
    start_month: Month = Field(description="First month, 1-based.")
    end_month: Month = Field(description="Last month, inclusive.")
    multiplier: Weight = Field(default=1.0, description="Scales every mission's base requirement.")
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
    maximum: Annotated[Figure, Within(0, 10_000_000, "a treaty maximum")]
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


class EnablerRatio(Frozen):
    """Enablers per manoeuvre unit: deployed ``enablers`` >= ratio x deployed ``per`` units.

    Counted over the whole force in a phase (every mission, coalition and
    backstop units), so a land force cannot be sent without the logistics,
    medical or headquarters it needs: what cannot be supported stays unmet.
    """

    name: str
    enablers: tuple[Identifier, ...] = Field(min_length=1)
    per: tuple[Identifier, ...] = Field(min_length=1, description="Manoeuvre capabilities.")
    ratio: Annotated[Figure, Within(0, 10, "enabler units per manoeuvre unit", low_open=True)] = (
        Field(description="Enabler units required per manoeuvre unit deployed.")
    )
    source: str | None = None


class Constraints(Frozen):
    min_nations_on_ground: Annotated[int, Field(strict=True, ge=0, le=100)] = Field(
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
    max_fleet_share: dict[Service, Share] = Field(
        default_factory=dict,
        description="Per service: the share of each nation's fleet of a capability (squadrons, "
        "hulls, batteries) that may be tied up, standing commitments included; a service "
        "not listed has no fleet cap (the army has max_army_share).",
    )
    enabler_ratios: tuple[EnablerRatio, ...] = ()
    goals: Literal["soft", "hard"] = Field(
        default="soft",
        description="The political goals (lead_nations, min_nations_on_ground): 'soft' (default): "
        "the plan meets them whenever it can, and otherwise reports each one missed and why; "
        "'hard': a plan must meet them, or there is no plan and the planner explains why.",
    )


# ---------------------------------------------------------------------------
# Uncertainties and simulation settings
# ---------------------------------------------------------------------------


#: A weight on a log hazard, 0 to 10, as a figure (so it carries its source or assumption).
LogHazardWeight = Annotated[Figure, Within(0, 10, "a log-hazard weight")]

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

    months: Month | None = Field(
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
    extra: Annotated[dict[str, AnyFigure], AfterValidator(check_extra_parameters)] = Field(
        default_factory=dict,
        description="Further named model parameters; only names the model reads are "
        "accepted (none yet: see docs/model.md).",
    )
    cost_pressure_weight: LogHazardWeight = Field(
        default_factory=lambda: Figure(value=0.0, assumption=True, note="0: switched off"),
        description="Rise in a nation's log exit hazard per percentage point of its defence "
        "budget that the mission costs it per year (0: cost pressure ignored).",
    )
    casualty_weight: LogHazardWeight = Field(
        default_factory=lambda: Figure(value=0.0, assumption=True, note="0: switched off"),
        description="Rise in a nation's log exit hazard per 100 cumulative casualties "
        "(0: casualties ignored).",
    )
    forced_exits: dict[str, Annotated[int, Field(strict=True, ge=1, le=241)]] = Field(
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
# Levers (what a decision maker controls; explored by `forceplan explore`)
# ---------------------------------------------------------------------------


class Levers(Frozen):
    """Options to explore as a full factorial, each crossed with the uncertainty sample.

    A lever left out keeps the scenario's own setting. Also read from a separate
    TOML file with the same ``[levers]`` table (``forceplan explore --levers``).
    """

    backstop: tuple[StrictBool, ...] | None = Field(
        default=None, min_length=1, description="Backstop on (true) and/or off (false)."
    )
    variant: tuple[StrictStr, ...] | None = Field(
        default=None,
        min_length=1,
        description="Force options: scenario files or bundled scenario names (e.g. iiss-small).",
    )
    burden_sharing: tuple[Literal["penalty", "bound", "off"], ...] | None = Field(
        default=None, min_length=1, description="constraints.burden_sharing.mode options."
    )
    min_nations_on_ground: tuple[Annotated[StrictInt, Field(ge=0, le=100)], ...] | None = Field(
        default=None, min_length=1, description="constraints.min_nations_on_ground options."
    )
    rotation_policy: tuple[
        Annotated[float, Field(ge=1, le=12, strict=True, allow_inf_nan=False)], ...
    ] | None = Field(
        default=None,
        min_length=1,
        description="Rotation ratio applied to every capability (3: rule of three; 5: "
        "Harmony's 24 months between six-month tours), replacing each capability's own.",
    )

    @model_validator(mode="after")
    def _distinct(self) -> Levers:
        for name in type(self).model_fields:
            options = getattr(self, name)
            if options is not None and len(set(options)) != len(options):
                raise ValueError(f"{name}: options repeat ({', '.join(map(str, options))})")
        return self

    def declared(self) -> dict[str, tuple[Any, ...]]:
        """Lever name -> options, for the levers set (in declaration order)."""
        return {
            name: tuple(getattr(self, name))
            for name in type(self).model_fields
            if getattr(self, name) is not None
        }


# ---------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------


class Scenario(Frozen):
    """A complete, validated scenario."""

    name: Identifier
    title: str
    description: str | None = None
    currency_year: int = Field(default=2025, strict=True, ge=1990, le=2100)
    nations: tuple[Nation, ...] = Field(min_length=1)
    capabilities: tuple[Capability, ...] = Field(min_length=1)
    caveats: dict[Identifier, Caveat] = Field(default_factory=dict)
    missions: tuple[Mission, ...] = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    backstop: Backstop | None = None
    constraints: Constraints = Field(default_factory=Constraints)
    costs: Costs = Field(default_factory=Costs)
    uncertainties: Annotated[
        dict[Identifier, Uncertainty], AfterValidator(check_uncertainty_domains)
    ] = Field(
        default_factory=dict,
        description="Named distributions; each must lie in the domain of its name "
        "(bundled for the parameters the simulation reads, declared for any other).",
    )
    levers: Levers = Field(
        default_factory=Levers, description="Options `forceplan explore` crosses (see Levers)."
    )
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

        for table, field, labels, values in (
            ("capabilities", "id", cap_ids, cap_ids),
            ("missions", "id", mission_ids, mission_ids),
            ("phases", "id", [p.id for p in self.phases], [p.id for p in self.phases]),
            ("nations", "iso", isos, isos),
            ("nations", "name", isos, [n.name for n in self.nations]),
        ):
            problems += _duplicates(table, field, labels, values)

        for i, n in enumerate(self.nations):
            where = f"nations[{i}] ({n.iso})"
            for cap in n.units:
                if cap not in caps:
                    problems.append(f"{where}.units.{cap}: unknown capability {cap!r}")
            seen_commitments: dict[str, int] = {}
            for j, c in enumerate(n.commitments):
                if c.name in seen_commitments:
                    problems.append(
                        f"{where}.commitments[{j}].name: duplicate commitment {c.name!r} "
                        f"(also commitments[{seen_commitments[c.name]}]); state each once"
                    )
                seen_commitments.setdefault(c.name, j)
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
                problems.append(
                    f"costs.fund_members: unknown nation {iso!r}{did_you_mean(iso, iso_set)}"
                )
        for iso in self.simulation.forced_exits:
            if iso not in iso_set:
                problems.append(
                    f"simulation.forced_exits.{iso}: unknown nation {iso!r}"
                    f"{did_you_mean(iso, iso_set)}"
                )
        training = self.simulation.training_mission
        if training is not None and training not in missions:
            problems.append(
                f"simulation.training_mission: unknown mission {training!r}"
                f"{did_you_mean(training, missions)}"
            )
        for k in self.levers.min_nations_on_ground or ():
            if k > len(self.nations):
                problems.append(
                    f"levers.min_nations_on_ground: {k} exceeds the {len(self.nations)} "
                    "nations declared"
                )
        if self.constraints.min_nations_on_ground > len(self.nations):
            problems.append(
                f"constraints.min_nations_on_ground: {self.constraints.min_nations_on_ground} "
                f"exceeds the {len(self.nations)} nations declared"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _contribution_references(self) -> Scenario:
        """Offers, service attributions and enabler ratios name what exists."""
        problems: list[str] = []
        caps = {c.id for c in self.capabilities}
        missions = {m.id for m in self.missions}
        for i, n in enumerate(self.nations):
            where = f"nations[{i}] ({n.iso})"
            for cap in n.services:
                if cap not in caps:
                    problems.append(f"{where}.services.{cap}: unknown capability {cap!r}")
            for j, offer in enumerate(n.offers):
                for cap in offer.capabilities:
                    if cap not in caps:
                        problems.append(
                            f"{where}.offers[{j}].capabilities: unknown capability {cap!r}"
                        )
                for m in offer.missions:
                    if m not in missions:
                        problems.append(f"{where}.offers[{j}].missions: unknown mission {m!r}")
            for j, a in enumerate(n.offers):
                for k in range(j + 1, len(n.offers)):
                    b = n.offers[k]
                    shared = [
                        (m, c) for m in missions for c in caps if a.covers(m, c) and b.covers(m, c)
                    ]
                    if shared:
                        m, c = sorted(shared)[0]
                        problems.append(
                            f"{where}.offers[{k}]: overlaps offers[{j}] ({a.name!r}) on "
                            f"{len(shared)} lines, e.g. {m}/{c}; each line belongs to one offer"
                        )
        for i, r in enumerate(self.constraints.enabler_ratios):
            for field in ("enablers", "per"):
                for cap in getattr(r, field):
                    if cap not in caps:
                        problems.append(
                            f"constraints.enabler_ratios[{i}].{field}: unknown capability {cap!r}"
                        )
            both = sorted(set(r.enablers) & set(r.per))
            if both:
                problems.append(
                    f"constraints.enabler_ratios[{i}]: {', '.join(both)} is both an enabler "
                    "and a manoeuvre capability"
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

    def service(self, nation: Nation, cap: Capability) -> Service:
        """The service that crews ``cap`` in ``nation`` (its own attribution first)."""
        return nation.services.get(cap.id) or cap.default_service

    def fleet_share(self, nation: Nation, service: Service) -> float | None:
        """Share of each ``service`` fleet ``nation`` may tie up; None: no fleet cap."""
        fig = nation.max_fleet_share.get(service) or self.constraints.max_fleet_share.get(service)
        return None if fig is None else fig.value

    def offer_index(self, nation: Nation, mission_id: str, cap_id: str) -> int | None:
        """The index of ``nation``'s offer that covers the line, None if no offer does."""
        for i, offer in enumerate(nation.offers):
            if offer.covers(mission_id, cap_id):
                return i
        return None

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


def _duplicates(table: str, field: str, labels: list[str], values: list[str]) -> list[str]:
    """``table[j] (label).field: duplicate ...`` for every entry repeating an earlier one."""
    first: dict[str, int] = {}
    out = []
    for j, value in enumerate(values):
        if value in first:
            out.append(
                f"{table}[{j}] ({labels[j]}).{field}: duplicate {field} {value!r} "
                f"(also {table}[{first[value]}]); state each entry once"
            )
        else:
            first[value] = j
    return out


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
