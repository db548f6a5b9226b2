"""What the force must do and under which rules: missions, phases, the backstop,
treaty limits, burden sharing, enabler ratios and constraints (forceplan.scenario.model)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    model_validator,
)

from forceplan.scenario.fields import (
    Identifier,
    Month,
    NationCount,
    Service,
    Weight,
)
from forceplan.scenario.figure import (
    Figure,
    Frozen,
    Share,
    Units,
    Within,
)


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
    min_nations_on_ground: NationCount = Field(
        default_factory=lambda: Figure(value=0.0),
        description="Multinational tripwire: distinct flags on on-ground missions (a whole "
        "number, as a figure so that it carries its source or assumption).",
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

    @property
    def flags_wanted(self) -> int:
        """``min_nations_on_ground`` as a whole number."""
        return int(self.min_nations_on_ground.value)
