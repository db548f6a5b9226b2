"""Every number a scenario gives the model, with its provenance (for `forceplan sources`).

A number is *cited* when it names a source, an *assumption* when it is marked as
one (``assumption = true``; for an uncertainty, a source that says it is an
assumption), and *bare* otherwise. Figures carry their own provenance; a bare
number of a phase or a mission (its months, multiplier or priority) takes the
``source``/``note``/``assumption`` of that phase or mission. ``currency_year``
is a label, not a number the model computes with, and is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from forceplan.scenario.defaults import default_uncertainties
from forceplan.scenario.model import Figure, Scenario, Uncertainty

#: fields that hold numbers the model does not compute with
NOT_MODEL_NUMBERS = frozenset({"currency_year"})

Kind = Literal["figure", "setting", "uncertainty"]
Status = Literal["cited", "assumption", "bare"]


@dataclass(frozen=True)
class ModelNumber:
    """One number the model reads, where it sits in the scenario and where it comes from."""

    path: str
    value: float | None
    kind: Kind
    source: str | None = None
    note: str | None = None
    assumption: bool = False
    range: tuple[float, float] | None = None
    distribution: dict[str, Any] | None = field(default=None)
    default: bool = False  # an uncertainty the scenario does not declare (model default)

    @property
    def status(self) -> Status:
        if self.assumption:
            return "assumption"
        return "cited" if self.source else "bare"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind,
            "value": self.value,
            "status": self.status,
            "source": self.source,
            "note": self.note,
            "assumption": self.assumption,
        }
        if self.range is not None:
            out["range"] = list(self.range)
        if self.distribution is not None:
            out["distribution"] = self.distribution
        if self.kind == "uncertainty":
            out["default"] = self.default
        return out


def uncertainty_number(name: str, unc: Uncertainty, *, default: bool = False) -> ModelNumber:
    """An uncertainty as one number: its central value, its distribution and its source."""
    dist = {
        k: v
        for k, v in unc.model_dump().items()
        if v is not None and k not in ("description", "source")
    }
    source = unc.source
    assumed = bool(source) and "assum" in str(source).lower()
    return ModelNumber(
        path=f"uncertainties.{name}",
        value=unc.central,
        kind="uncertainty",
        source=source,
        note=unc.description,
        assumption=assumed,
        distribution=dist,
        default=default,
    )


def effective_uncertainties(scenario: Scenario) -> dict[str, Uncertainty]:
    """What the simulation samples: the bundled defaults, overridden by the scenario's own
    declarations (plus any extra names it adds); with a backstop, its credibility."""
    merged = dict(default_uncertainties())
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


def model_numbers(scenario: Scenario) -> list[ModelNumber]:
    """Every number the model reads: the scenario's own, then the uncertainties it leaves
    to the model's defaults (marked ``default``)."""
    numbers = scenario_numbers(scenario)
    for name, unc in effective_uncertainties(scenario).items():
        if name not in scenario.uncertainties:
            numbers.append(uncertainty_number(name, unc, default=True))
    return numbers


def scenario_numbers(scenario: Scenario) -> list[ModelNumber]:
    """Every number the scenario itself states (declared uncertainties included)."""
    return list(_walk(scenario, "", None))


def _figure(path: str, fig: Figure) -> ModelNumber:
    return ModelNumber(
        path=path,
        value=fig.value,
        kind="figure",
        source=fig.source,
        note=fig.note,
        assumption=fig.assumption,
        range=fig.range,
    )


def _walk(obj: Any, path: str, owner: BaseModel | None) -> Iterator[ModelNumber]:
    if isinstance(obj, Figure):
        yield _figure(path, obj)
    elif isinstance(obj, Uncertainty):
        yield uncertainty_number(path.rsplit(".", 1)[-1], obj)
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            if name in NOT_MODEL_NUMBERS:
                continue
            yield from _walk(getattr(obj, name), f"{path}.{name}" if path else name, obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}", owner)
    elif isinstance(obj, tuple | list):
        for i, v in enumerate(obj):
            key = getattr(v, "iso", None) or getattr(v, "id", None) or str(i)
            yield from _walk(v, f"{path}[{key}]", owner)
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        yield ModelNumber(
            path=path,
            value=float(obj),
            kind="setting" if isinstance(obj, int) else "figure",
            source=getattr(owner, "source", None),
            note=getattr(owner, "note", None),
            assumption=bool(getattr(owner, "assumption", False)),
        )
