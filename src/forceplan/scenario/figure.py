"""Figures (numbers with provenance) and the reusable, domain-checked figure types.

Every number in a scenario may be written bare (``gdp_usd_bn = 3340``) or as a
*figure* table carrying its provenance::

    gdp_usd_bn = { value = 3340, source = "World Bank WDI, GDP current US$, 2023" }
    tour_months = { value = 6, range = [4, 9], source = "..." }

Both forms parse to :class:`Figure`; code reads ``.value``. A field declares
its domain through its type: ``Positive``, ``Share``, ``Units``... or
``Annotated[Figure, Within(low, high, what)]`` for a field of its own. The domain applies to
the value *and* to both ends of the range (ranges are sampled by the explore
stage, so they must be as valid as values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from forceplan.scenario.domains import (
    MAGNITUDE_LIMIT,
    NAMED_DOMAINS,
    Interval,
    interval,
    text_problem,
)

#: A float that must be a real, finite number (no NaN, no infinity, no bool, no string).
FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: A finite float of at most 10^12 in magnitude (for plain-float fields without a domain).
BoundedFloat = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=-MAGNITUDE_LIMIT, le=MAGNITUDE_LIMIT)
]


class Frozen(BaseModel):
    """Base for every scenario model: immutable, unknown keys rejected, text checked.

    Every text a model holds (a field, an item of a list, a key or value of a
    table) must be neither blank nor hold a control character
    (:func:`~forceplan.scenario.domains.text_problem`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _text(cls, value: Any) -> Any:
        for text in _texts(value):
            reason = text_problem(text)
            if reason is not None:
                raise ValueError(reason if text is value else f"{text!r} {reason}")
        return value


def _texts(value: Any) -> list[str]:
    """The texts a field's value holds directly (itself, list items, table keys and values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (k, v) if isinstance(t, str)]
    return []


class Figure(Frozen):
    """A number with its provenance.

    ``range`` records where sources disagree (low, high); ``value`` is the
    figure the scenario uses and must lie inside the range.
    """

    value: FiniteFloat = Field(description="The figure used by the model.")
    source: str | None = Field(
        default=None,
        description="Citation a reader can follow: organisation or outlet, title, date.",
    )
    range: tuple[FiniteFloat, FiniteFloat] | None = Field(
        default=None, description="(low, high) where sources disagree."
    )
    note: str | None = Field(default=None, description="Assumption or caveat in words.")
    assumption: bool = Field(
        default=False,
        description="True where the figure is a modelling assumption, not a sourced fact.",
    )

    @model_validator(mode="after")
    def _check(self) -> Figure:
        # Finite by type; the field's domain (Within) bounds the value and the range.
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise ValueError(f"range low {low:g} is above range high {high:g}")
            if not low <= self.value <= high:
                raise ValueError(f"value {self.value:g} lies outside its range [{low:g}, {high:g}]")
        return self


def _coerce_figure(raw: Any) -> Any:
    # bool is an int subclass; a bare true/false is never a figure.
    if isinstance(raw, bool):
        raise ValueError("expected a number, not a boolean")
    if isinstance(raw, int | float):
        return {"value": raw}
    if isinstance(raw, str):
        raise ValueError(
            f"expected a number or a {{ value = ..., source = ... }} table, got the text {raw!r}"
        )
    return raw


def check_figure(domain: Interval) -> Callable[[Figure], Figure]:
    """A validator: the figure's value and both ends of its range lie in ``domain``."""

    def check(fig: Figure) -> Figure:
        if (reason := domain.reason(fig.value)) is not None:
            raise ValueError(reason)
        if fig.range is not None:
            for end, x in zip(("low", "high"), fig.range, strict=True):
                if (reason := domain.reason(x)) is not None:
                    raise ValueError(f"range {end}: {reason}")
        return fig

    return check


@dataclass(frozen=True)
class Within:
    """Annotation metadata: a figure whose value and range lie in a domain.

    ``Annotated[Figure, Within(0, 36, "a tour length in months", low_open=True)]``
    accepts a bare number or a figure table and checks the value and both ends of
    its range. ``high`` is a plausibility limit unless ``hard_high``; ``what``
    names the quantity in messages.
    """

    low: float
    high: float
    what: str
    low_open: bool = False
    hard_high: bool = False
    rule: str | None = None

    @classmethod
    def of(cls, domain: Interval) -> Within:
        return cls(
            domain.low, domain.high, domain.what, domain.low_open, domain.hard_high, domain.rule
        )

    @property
    def interval(self) -> Interval:
        return interval(
            self.low,
            self.high,
            self.what,
            low_open=self.low_open,
            hard_high=self.hard_high,
            rule=self.rule,
        )

    def __get_pydantic_core_schema__(
        self, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        checked = core_schema.no_info_after_validator_function(
            check_figure(self.interval), handler(source_type)
        )
        return core_schema.no_info_before_validator_function(_coerce_figure, checked)


# ---------------------------------------------------------------------------
# Reusable figure types (docs/scenario.md, "Domains")
# ---------------------------------------------------------------------------

#: Any finite number up to 10^12 in magnitude.
AnyFigure = Annotated[Figure, Within.of(NAMED_DOMAINS["real"])]
Real = AnyFigure
#: 0 or more, up to 10^12.
NonNegative = Annotated[Figure, Within.of(NAMED_DOMAINS["non_negative"])]
#: More than 0, up to 10^12.
Positive = Annotated[Figure, Within.of(NAMED_DOMAINS["positive"])]
#: A count of things (0 or more, up to 10^9).
Count = Annotated[Figure, Within.of(NAMED_DOMAINS["count"])]
#: A share or probability, 0 to 1.
Share = Annotated[Figure, Within.of(NAMED_DOMAINS["share"])]
#: A number of units of one capability (0 to 10,000).
Units = Annotated[Figure, Within(0, 10_000, "a number of units")]
#: Units tied up (preparing + deployed + recovering) per unit deployed: 1 to 12.
RotationRatio = Annotated[Figure, Within(1, 12, "a rotation ratio")]
#: A number of personnel (0 to 5 million: the largest armed forces have about 2 million).
Personnel = Annotated[Figure, Within(0, 5_000_000, "a number of personnel")]


# Validators kept for fields declared the older way
# (Annotated[Figure, BeforeValidator(_coerce_figure), AfterValidator(_positive), ...]);
# each checks the value and both ends of the range.
_non_negative = check_figure(interval(0, MAGNITUDE_LIMIT, "this quantity"))
_positive = check_figure(interval(0, MAGNITUDE_LIMIT, "this quantity", low_open=True))
_fraction = check_figure(NAMED_DOMAINS["share"])


def _limit(maximum: float, what: str) -> Callable[[Figure], Figure]:
    return check_figure(interval(-MAGNITUDE_LIMIT, maximum, what))
