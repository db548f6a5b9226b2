"""Field types shared by the scenario schema: identifiers, months, stances, domains,
services and whole-number counts (see forceplan.scenario.model)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
)

from forceplan.scenario.figure import (
    Figure,
    Within,
)

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


#: a number of nations (0-100), a whole number
NationCount = Annotated[
    Figure, Within(0, 100, "a number of nations"), AfterValidator(_whole_number)
]

SubUnitCount = Annotated[
    Figure, Within(1, 100, "a number of sub-units per unit"), AfterValidator(_whole_number)
]
