"""Costs, simulation settings and levers of a scenario (forceplan.scenario.model)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from forceplan.scenario.defaults import check_extra_parameters
from forceplan.scenario.fields import (
    Identifier,
    Month,
    Stance,
)
from forceplan.scenario.figure import (
    AnyFigure,
    Figure,
    Frozen,
    Positive,
    Share,
    Within,
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
