"""Default uncertainties are bundled data with a domain each, and sample exactly as before."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from forceplan.scenario import (
    NAMED_DOMAINS,
    Bounds,
    ScenarioError,
    default_uncertainties,
    known_parameters,
)
from forceplan.scenario.defaults import defaults_file, parse_parameters
from forceplan.simulate.parameters import DEFAULT_UNCERTAINTIES, sample_block

SIMULATE = Path(__file__).resolve().parents[2] / "src" / "forceplan" / "simulate"


def test_defaults_are_read_from_the_bundled_toml() -> None:
    assert defaults_file().name == "uncertainties.toml"
    assert defaults_file().is_file()
    assert default_uncertainties() == DEFAULT_UNCERTAINTIES
    assert list(DEFAULT_UNCERTAINTIES)[:3] == [
        "exit_hazard_scale",
        "political_correlation",
        "casualty_rate_per_1000_per_year",
    ]
    overrun = DEFAULT_UNCERTAINTIES["cost_overrun"]
    assert (overrun.distribution, overrun.mean, overrun.sd) == ("lognormal", 1.15, 0.15)
    assert overrun.domain is None  # the domain lives beside the default, not in its dump
    assert known_parameters()["cost_overrun"].domain == "multiplier"
    assert known_parameters()["political_correlation"].domain == Bounds(min=0, max=1)


def test_every_parameter_the_simulation_reads_has_a_domain() -> None:
    """Each params["<name>"] in simulate/ names a bundled parameter (with its domain)."""
    read = set()
    for path in SIMULATE.glob("*.py"):
        read |= set(re.findall(r'(?:params|p)\["([a-z_0-9]+)"\]', path.read_text()))
    assert len(read) >= 17
    assert read - set(known_parameters()) == set()


def test_every_default_lies_in_its_domain() -> None:
    for name, param in known_parameters().items():
        if param.default is not None:
            assert param.default.outside(param.interval) is None, name
    assert set(known_parameters()) - set(DEFAULT_UNCERTAINTIES) == {"backstop_credibility"}


def test_sampling_is_identical_to_the_python_defaults_it_replaced() -> None:
    """Digests of draw block 0 (seed 7) and of the provenance JSON, computed with the
    constructor-call defaults before they moved to TOML: the draws are byte-identical.
    (Issue 7 added two parameters, left out of the draw digest since their streams are
    their own, and reworded russia_regeneration_per_month: the provenance digest moved.)"""
    added = {"trained_effectiveness_gain", "russia_force_ceiling"}
    digest = hashlib.sha256()
    for name, draws in sample_block(DEFAULT_UNCERTAINTIES, 7, 0).items():
        if name in added:
            continue
        digest.update(name.encode())
        digest.update(draws.tobytes())
    assert digest.hexdigest() == "f9aa2c584290cb7f110c556de3b08386bf0380675ed4821c754ced1890f31494"
    doc = json.dumps(
        {
            n: {k: v for k, v in u.model_dump().items() if v is not None}
            for n, u in DEFAULT_UNCERTAINTIES.items()
        }
    )
    assert (
        hashlib.sha256(doc.encode()).hexdigest()
        == "b71ab69ffe61081a7d220b478a55db0815700d8751daf24ba1b7ddcbb81b6154"
    )


def test_named_domains_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenario.md").read_text()
    for name, interval in NAMED_DOMAINS.items():
        assert f"| `{name}` | `{interval.notation()}` |" in doc, name


@pytest.mark.parametrize(
    ("entry", "where", "reason"),
    [
        ({"distribution": "fixed", "value": 1.0}, "x", "needs a domain"),
        ({"domain": "shar", "distribution": "fixed", "value": 1.0}, "x.domain", "Input should be"),
        (
            {"domain": "share", "distribution": "fixed", "value": 2.0},
            "x",
            "value 2 lies outside the domain [0, 1] (a share between 0 and 1)",
        ),
        ({"domain": "share", "mean": 0.5}, "x", "mean given without a distribution"),
        (
            {"domain": "share", "distribution": "fixed", "value": float("nan")},
            "x.value",
            "Input should be a finite number",
        ),
    ],
)
def test_a_bad_defaults_file_is_a_located_error(
    entry: dict[str, object], where: str, reason: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_parameters({"x": entry}, "defaults.toml")
    (problem,) = info.value.problems
    assert (problem.file, problem.location) == ("defaults.toml", where)
    assert problem.message.startswith(reason)
