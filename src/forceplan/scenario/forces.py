"""What nations bring: capabilities and their sub-units, nations with their units,
commitments, offers and caveats (part of the scenario schema, forceplan.scenario.model)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    Field,
    model_validator,
)

from forceplan.scenario.fields import (
    DEFAULT_SERVICE,
    Domain,
    Identifier,
    Month,
    Service,
    Stance,
    SubUnitCount,
)
from forceplan.scenario.figure import (
    Figure,
    Frozen,
    Personnel,
    RotationRatio,
    Share,
    Units,
    Within,
)
from forceplan.scenario.operations import (
    Phase,
)


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
