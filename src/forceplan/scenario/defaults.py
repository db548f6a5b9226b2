"""The parameters the simulation reads: their domains and default uncertainties (bundled data).

``data/defaults/uncertainties.toml`` holds, for every uncertain parameter the
simulation knows, the domain its draws must lie in and (for most) the default
distribution. The scenario stage reads it so that a scenario's own
``[uncertainties.<name>]`` is checked against the same domain at load time;
``forceplan.simulate.parameters`` samples the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from forceplan.scenario.domains import FieldProblems, Interval, did_you_mean
from forceplan.scenario.errors import Problem, ScenarioError
from forceplan.scenario.files import read_toml
from forceplan.scenario.uncertainty import (
    UNION_TAGS,
    Bounds,
    DomainSpec,
    Uncertainty,
    domain_interval,
)

#: Keys an entry without a distribution may carry besides ``domain``.
_DESCRIPTIVE = frozenset({"unit", "description", "source"})

#: Names the model reads from ``[simulation] extra``, with their domains. None yet:
#: an entry there would be read by nothing, so every name is refused until one is
#: registered here (with its domain) and documented in docs/model.md.
EXTRA_PARAMETERS: dict[str, Interval] = {}


@dataclass(frozen=True)
class KnownParameter:
    """A parameter the simulation reads: its domain and its default (if any)."""

    domain: str | Bounds
    interval: Interval
    default: Uncertainty | None


def defaults_file() -> Path:
    return Path(str(resources.files("forceplan") / "data" / "defaults" / "uncertainties.toml"))


@cache
def known_parameters() -> dict[str, KnownParameter]:
    """Every parameter of the bundled defaults file, in file order."""
    path = defaults_file()
    return parse_parameters(read_toml(path, "defaults file"), str(path))


def parse_parameters(raw: Mapping[str, Any], file: str) -> dict[str, KnownParameter]:
    """Validate the tables of a defaults file; raise :class:`ScenarioError` if any is bad."""
    out: dict[str, KnownParameter] = {}
    problems: list[Problem] = []
    domain_adapter: TypeAdapter[Any] = TypeAdapter(DomainSpec)
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(Problem(file, name, "must be a table"))
            continue
        if "domain" not in entry:
            problems.append(Problem(file, name, "needs a domain"))
            continue
        rest = {k: v for k, v in entry.items() if k != "domain"}
        try:
            domain = domain_adapter.validate_python(entry["domain"])
        except ValidationError as exc:
            problems.extend(_located(exc, file, [name, "domain"]))
            continue
        try:
            default = Uncertainty.model_validate(rest) if "distribution" in rest else None
        except ValidationError as exc:
            problems.extend(_located(exc, file, [name]))
            continue
        if default is None and set(rest) - _DESCRIPTIVE:
            unknown = ", ".join(sorted(set(rest) - _DESCRIPTIVE))
            problems.append(Problem(file, name, f"{unknown} given without a distribution"))
            continue
        interval = domain_interval(domain)
        if default is not None and (reason := default.outside(interval)):
            problems.append(Problem(file, name, reason))
            continue
        out[name] = KnownParameter(domain, interval, default)
    if problems:
        raise ScenarioError(problems)
    return out


def _located(exc: ValidationError, file: str, prefix: list[str]) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if p not in UNION_TAGS]
        message = str(err["msg"]).removeprefix("Value error, ")
        out.append(Problem(file, ".".join([*prefix, *loc]), message))
    return out


def default_uncertainties() -> dict[str, Uncertainty]:
    """The default distribution of every parameter that has one (without its domain)."""
    return {n: p.default for n, p in known_parameters().items() if p.default is not None}


def check_uncertainty_domains(declared: dict[str, Uncertainty]) -> dict[str, Uncertainty]:
    """A scenario's ``[uncertainties]``: each within the domain of its name.

    A name the simulation knows must satisfy the bundled domain (and its own, if it
    declares one); any other name needs a ``domain`` of its own.
    """
    known = known_parameters()
    problems: list[tuple[str, str]] = []
    for name, unc in declared.items():
        param = known.get(name)
        if param is None:
            if unc.domain is None:
                problems.append(
                    (
                        name,
                        f"unknown parameter{did_you_mean(name, known)}; a parameter of your "
                        'own needs a domain, e.g. domain = "share" or { min = 0, max = 10 }',
                    )
                )
            continue
        if (reason := unc.outside(param.interval)) is not None:
            problems.append((name, reason))
    if problems:
        raise FieldProblems(problems)
    return declared


def check_extra_parameters(extra: dict[str, Any]) -> dict[str, Any]:
    """``[simulation] extra``: only names the model reads, each within its domain."""
    problems: list[tuple[str, str]] = []
    for name, fig in extra.items():
        domain = EXTRA_PARAMETERS.get(name)
        if domain is None:
            known = ", ".join(sorted(EXTRA_PARAMETERS)) or "none yet"
            hint = did_you_mean(name, EXTRA_PARAMETERS)
            problems.append(
                (
                    name,
                    f"no part of the model reads this parameter{hint} (names read: {known}); "
                    "to draw a quantity, declare it under [uncertainties]",
                )
            )
        elif (reason := domain.reason(fig.value)) is not None:
            problems.append((name, reason))
    if problems:
        raise FieldProblems(problems)
    return extra
