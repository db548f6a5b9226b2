"""Units, long names and descriptions on every variable and coordinate of a Dataset.

The attributes (CF-style ``units``, ``long_name``, ``description``) come
from the bundled ``data/variables.toml``; sampled parameters (``param_*``)
take the unit and description of their uncertainty, and yearly summaries
(``summary_*``) those of their metric. A file written with ``--netcdf``
thus explains itself to any netCDF reader.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import xarray as xr

from forceplan.scenario import Uncertainty
from forceplan.simulate.summary import METRICS

#: a metric's unit (simulate.summary.METRICS) as a CF-style units attribute
UNITS = {
    "personnel": "personnel",
    "share": "1",
    "ratio": "1",
    "probability": "1",
    "US$ m": "US$ million",
    "nations": "nations",
}


@cache
def variable_table() -> dict[str, dict[str, dict[str, str]]]:
    """The bundled table: {"coordinates": {...}, "variables": {...}}."""
    text = files("forceplan").joinpath("data/variables.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def attributes(name: str, uncertainties: Mapping[str, Uncertainty]) -> dict[str, str] | None:
    """The attributes of variable or coordinate ``name``, or None if it is not described."""
    table = variable_table()
    for group in ("coordinates", "variables"):
        if name in table[group]:
            return dict(table[group][name])
    if name.startswith("param_unit_cost_"):
        capability = name.removeprefix("param_unit_cost_")
        return {
            "units": "US$ million per unit-year",
            "long_name": f"sampled annual cost of a {capability.replace('_', ' ')}",
            "description": f"Annual cost of one {capability} unit, drawn from the triangular "
            "distribution its cost range in the scenario gives (see the uncertainties "
            "attribute).",
        }
    if name.startswith("param_") and name[6:] in uncertainties:
        u = uncertainties[name[6:]]
        return {
            "units": _param_units(u.unit),
            "long_name": f"sampled {name[6:].replace('_', ' ')}",
            "description": f"{u.description or 'Declared uncertainty.'} Drawn from a "
            f"{u.distribution} distribution ({u.source or 'no source given'}).",
        }
    if name.startswith("summary_") and name[8:] in METRICS:
        label, unit = METRICS[name[8:]]
        return {
            "units": UNITS.get(unit, unit),
            "long_name": label,
            "description": f"{label}: the mean and the 5th, 50th and 95th percentiles over "
            "every draw of the run (dimension stat), year by year.",
        }
    return None


def _param_units(unit: str | None) -> str:
    if unit in (None, "", "share", "ratio", "probability", "fraction", "multiplier",
                "correlation"):
        return "1"
    return str(unit)


def describe(ds: xr.Dataset, uncertainties: Mapping[str, Uncertainty]) -> xr.Dataset:
    """Give every variable and coordinate of ``ds`` that is described its ``units``,
    ``long_name`` and ``description`` (in place; returns ``ds``). Attributes a
    variable already has (set where it is made) are kept."""
    for name in list(ds.variables):
        attrs: dict[str, Any] | None = attributes(str(name), uncertainties)
        for key, value in (attrs or {}).items():
            ds.variables[name].attrs.setdefault(key, value)
    return ds


def undescribed(ds: xr.Dataset) -> list[str]:
    """Variables and coordinates lacking any of units, long_name, description."""
    need = ("units", "long_name", "description")
    return sorted(str(n) for n, v in ds.variables.items() if any(k not in v.attrs for k in need))
