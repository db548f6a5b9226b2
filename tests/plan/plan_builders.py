"""Builders for small hand-checkable scenarios."""

from __future__ import annotations

import copy
from typing import Any

from forceplan.scenario import Scenario


def capability(
    cap_id: str,
    domain: str = "land",
    personnel: float = 500,
    cost: float = 100,
    ratio: float = 3,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": cap_id,
        "name": cap_id.replace("_", " "),
        "domain": domain,
        "personnel_per_unit": personnel,
        "annual_cost_per_unit_usd_m": cost,
        "tour_months": 6,
        "rotation_ratio": ratio,
        **extra,
    }


def nation(iso: str, units: dict[str, float], gdp: float = 1000, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Nation {iso}",
        "iso": iso,
        "gdp_usd_bn": gdp,
        "defence_budget_usd_bn": gdp * 0.02,
        "active_personnel": 200_000,
        "army_personnel": 100_000,
        "stance": "committed",
        "max_army_share": 0.5,
        "units": units,
        **extra,
    }


def mission(
    mission_id: str, requirements: dict[str, float], priority: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "id": mission_id,
        "name": mission_id,
        "objective": mission_id,
        "region": extra.pop("region", "west"),
        "priority": priority,
        "requirements": requirements,
        **extra,
    }


def scenario(
    nations: list[dict[str, Any]],
    missions: list[dict[str, Any]],
    capabilities: list[dict[str, Any]] | None = None,
    *,
    burden: str = "off",
    **extra: Any,
) -> Scenario:
    """One 12-month phase, burden sharing off unless asked: costs then decide ties."""
    raw: dict[str, Any] = {
        "name": "handmade",
        "title": "Hand-checked case",
        "nations": nations,
        "capabilities": capabilities or [capability("infantry")],
        "missions": missions,
        "phases": [{"id": "only", "name": "Only phase", "start_month": 1, "end_month": 12}],
        "constraints": {"burden_sharing": {"mode": burden}},
    }
    for key, value in extra.items():
        if key == "constraints":
            raw["constraints"] = {**raw["constraints"], **value}
        else:
            raw[key] = value
    return Scenario.model_validate(copy.deepcopy(raw))


def units_of(result: Any, iso: str, mission_id: str | None = None, cap: str | None = None) -> int:
    frame = result.allocations
    frame = frame[frame["nation"] == iso]
    if mission_id is not None:
        frame = frame[frame["mission"] == mission_id]
    if cap is not None:
        frame = frame[frame["capability"] == cap]
    return int(frame["units"].sum())
