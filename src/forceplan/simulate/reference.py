"""The same model, one draw at a time, in plain Python loops.

This is a slow, deliberately literal transcription of docs/model.md: months,
nations, lines and donors are Python loops over floats. It exists to check the
vectorised engine (tests compare the two draw by draw) and as the "per-draw
Python function" that bench/bench_simulate.py runs through EMA Workbench.
It uses the default hazard model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from forceplan.simulate.inputs import ModelInputs


def _upper_tail(x: float) -> float:
    """1 - Phi(x), Abramowitz & Stegun 26.2.17 (as the engine)."""
    ax = abs(x)
    t = 1.0 / (1.0 + 0.2316419 * ax)
    poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978
                                                                           + t * 1.330274429))))
    tail = math.exp(-0.5 * ax * ax) / math.sqrt(2.0 * math.pi) * poly
    return tail if x >= 0 else 1.0 - tail


def _cumulative(values: list[float]) -> list[float]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return out


def _window(cum: list[float], lo: float, hi: float) -> float:
    """Sum over month positions in (lo, hi] (month s occupies (s-1, s]), pro rata."""

    def at(x: float) -> float:
        x = min(max(x, 0.0), float(len(cum) - 1))
        i = int(math.floor(x))
        frac = x - i
        j = min(i + 1, len(cum) - 1)
        return cum[i] + frac * (cum[j] - cum[i])

    return at(hi) - at(lo)


def _rotate_one(
    deployed: list[float], tour: float, ratio: float, overlap: float, continues: bool
) -> tuple[list[float], list[float]]:
    months = len(deployed)
    prep = (ratio - 1.0) * tour / 2.0
    pad = int(math.ceil(prep + overlap)) + 2

    def rotation_month(t: int) -> bool:
        return t > 1 and math.floor((t - 1) / tour + 1e-9) > math.floor((t - 2) / tour + 1e-9)

    up, down, relief = [], [], []
    for t in range(1, months + 1):
        now = deployed[t - 1]
        before = deployed[t - 2] if t > 1 else 0.0
        up.append(max(now - before, 0.0))
        down.append(max(before - now, 0.0))
        relief.append(min(now, before) if rotation_month(t) else 0.0)
    relief_ext = list(relief)
    up_ext = list(up)
    for t in range(months + 1, months + pad + 1):
        relief_ext.append(deployed[-1] if continues and rotation_month(t) else 0.0)
        up_ext.append(0.0)
    leave = _cumulative([d + r for d, r in zip(down, relief, strict=True)])
    relief_cum, up_cum = _cumulative(relief_ext), _cumulative(up_ext)
    ground, tied = [], []
    for t in range(1, months + 1):
        incoming = _window(relief_cum, t, t + overlap)
        preparing = _window(up_cum, t, t + prep) + _window(relief_cum, t + overlap,
                                                          t + overlap + prep)
        recovering = _window(leave, t - prep, t)
        on_ground = deployed[t - 1] + incoming
        ground.append(on_ground)
        tied.append(on_ground + preparing + recovering)
    return ground, tied


def one_draw(
    inputs: ModelInputs,
    params: Mapping[str, float],
    political: float,
    own: list[float],
) -> dict[str, float]:
    """The engine's per-draw outcomes (see ``engine.OUTCOMES``) for one draw."""
    months = inputs.months
    # cost of one unit-year of capability c for nation n, before overrun and inflation
    unit_cost = [
        max(params.get(f"unit_cost_{cap}", float(inputs.annual_cost[c])), 0.0)
        for c, cap in enumerate(inputs.capabilities)
    ]
    cost_of = [
        [unit_cost[c] * float(inputs.cost_multiplier[n][c]) for c in range(len(unit_cost))]
        for n in range(len(inputs.nations))
    ]
    overrun = max(params["cost_overrun"], 0.0)
    inflation = max(params["inflation_per_year"], -0.99)
    growth = [overrun * (1.0 + inflation) ** (t / 12.0) for t in range(months)]
    exits = _exits(inputs, params, political, own, cost_of, growth, unit_cost)
    flow = _month_by_month(inputs, exits)
    money = _rotation_and_money(inputs, exits, flow["deployed"], cost_of, growth, unit_cost)
    deterrence = _deterrence(inputs, params, flow)
    contributors = [bool(inputs.planned[:, n, :].sum() > 0) for n in range(len(inputs.nations))]
    total_required = float(inputs.required.sum())
    return {
        **money,
        **deterrence,
        "coverage_mean": flow["met_total"] / total_required if total_required > 0 else math.nan,
        "nations_left": float(
            sum(1 for n, c in enumerate(contributors) if c and exits[n] <= months)
        ),
    }


def _exits(
    inputs: ModelInputs,
    params: Mapping[str, float],
    political: float,
    own: list[float],
    cost_of: list[list[float]],
    growth: list[float],
    unit_cost: list[float],
) -> list[int]:
    """Exit month of every nation (Gaussian copula on a monthly hazard)."""
    months = inputs.months
    nations = range(len(inputs.nations))
    lines = range(inputs.required.shape[1])
    line_cap = [int(c) for c in inputs.line_capability]
    planned = inputs.planned.tolist()  # [t][n][j]
    personnel = inputs.personnel.tolist()
    rho = min(max(params["political_correlation"], 0.0), 0.999)
    scale = max(params["exit_hazard_scale"], 0.0)
    casualty_rate = max(params["casualty_rate_per_1000_per_year"], 0.0)

    def own_cost(n: int, t: int) -> float:  # US$ m a year
        return sum(planned[t][n][j] * cost_of[n][line_cap[j]] for j in lines) * growth[t]

    def paid(n: int, t: int) -> float:
        if inputs.funding == "common_fund":
            return float(inputs.fund_share[n]) * sum(own_cost(m, t) for m in nations)
        if inputs.funding == "un_assessed":
            people = sum(planned[t][n][j] * personnel[line_cap[j]] for j in lines)
            share = inputs.equipment_share
            equipment = sum(
                planned[t][n][j] * unit_cost[line_cap[j]] * float(share[line_cap[j]])
                for j in lines
            )
            return max(own_cost(n, t) - equipment - people * inputs.un_rate_person_year, 0.0)
        return own_cost(n, t)

    exits = []
    for n in nations:
        latent = math.sqrt(rho) * political + math.sqrt(1.0 - rho) * own[n]
        threshold = -math.log(max(_upper_tail(latent), 1e-300))
        rate = float(inputs.stance_rate[n]) * scale
        exit_month = months + 1
        cumulative = 0.0
        person_months = 0.0
        for t in range(months):
            person_months += sum(planned[t][n][j] * personnel[line_cap[j]] for j in lines)
            pressure = paid(n, t) / float(inputs.defence_budget[n]) * 100.0
            casualties = casualty_rate * person_months / 12.0 / 1000.0
            cumulative += rate * math.exp(
                inputs.cost_pressure_weight * pressure + inputs.casualty_weight * casualties / 100
            )
            if cumulative >= threshold and rate > 0:
                exit_month = t + 1
                break
        forced = int(inputs.forced_exit[n])
        exits.append(min(exit_month, forced) if forced > 0 else exit_month)
    return exits


def _month_by_month(inputs: ModelInputs, exits: list[int]) -> dict[str, Any]:
    """Who is present, the re-plan, coverage, flags, foreign troops and trainers."""
    months = inputs.months
    nations = range(len(inputs.nations))
    lines = range(inputs.required.shape[1])
    line_cap = [int(c) for c in inputs.line_capability]
    planned = inputs.planned.tolist()  # [t][n][j]
    personnel = inputs.personnel.tolist()
    donor_n = [int(x) for x in inputs.donor_nation]
    donor_c = [int(x) for x in inputs.donor_capability]
    deployed: dict[tuple[int, int], list[float]] = {}
    for n in nations:
        for c in range(len(inputs.capabilities)):
            deployed[(n, c)] = [0.0] * months
    met_total = 0.0
    flags = [0.0] * months
    foreign = [0.0] * months
    trainers = [0.0] * months
    for t in range(months):
        month = t + 1
        present = [exits[n] > month for n in nations]
        gap = [sum(planned[t][n][j] for n in nations if not present[n]) for j in lines]
        spare = [
            float(inputs.donor_spare[t][p]) if present[donor_n[p]] else 0.0
            for p in range(len(donor_n))
        ]
        backstop_left = [float(x) for x in inputs.backstop_spare[t]]
        refill_line = [0.0 for _ in lines]
        backstop_line = [0.0 for _ in lines]
        ground_by_nation = [0.0 for _ in nations]
        train_by_nation = [0.0 for _ in nations]
        if inputs.refill and sum(gap) > 0:
            for j in (int(x) for x in inputs.line_order):
                left = gap[j]
                for p in (int(x) for x in inputs.donor_order[j]):
                    take = min(max(left, 0.0), spare[p])
                    if take <= 0:
                        continue
                    spare[p] -= take
                    left -= take
                    refill_line[j] += take
                    n, c = donor_n[p], donor_c[p]
                    deployed[(n, c)][t] += take
                    if inputs.line_on_ground[j]:
                        ground_by_nation[n] += take * personnel[c]
                    if inputs.line_training[j]:
                        train_by_nation[n] += take * personnel[c]
                if inputs.backstop_allowed[j]:
                    c = line_cap[j]
                    take = min(max(left, 0.0), backstop_left[c])
                    backstop_left[c] -= take
                    backstop_line[j] = take
        for n in nations:
            own_ground = 0.0
            for j in lines:
                units = planned[t][n][j] if present[n] else 0.0
                deployed[(n, line_cap[j])][t] += units
                if inputs.line_on_ground[j]:
                    own_ground += units * personnel[line_cap[j]]
                if inputs.line_training[j]:
                    trainers[t] += units * personnel[line_cap[j]]
            if own_ground > 0 or ground_by_nation[n] > 0:
                flags[t] += 1
            foreign[t] += own_ground + ground_by_nation[n]
            trainers[t] += train_by_nation[n]
        for j in lines:
            covered = (
                sum(planned[t][n][j] for n in nations)
                + float(inputs.backstop_planned[t][j])
                + refill_line[j]
                + backstop_line[j]
                - gap[j]
            )
            met_total += min(max(covered, 0.0), float(inputs.required[t][j]))
    return {"deployed": deployed, "met_total": met_total, "flags": flags,
            "foreign": foreign, "trainers": trainers}


def _rotation_and_money(
    inputs: ModelInputs,
    exits: list[int],
    deployed: dict[tuple[int, int], list[float]],
    cost_of: list[list[float]],
    growth: list[float],
    unit_cost: list[float],
) -> dict[str, float]:
    """Rotate every contingent; personnel, cost, and what each budget pays per year."""
    months = inputs.months
    n_nat = len(inputs.nations)
    personnel = inputs.personnel.tolist()
    cost = [[0.0] * months for _ in range(n_nat)]  # US$ m per month
    ground_people = [[0.0] * months for _ in range(n_nat)]
    equipment = [[0.0] * months for _ in range(n_nat)]  # the UN's fixed COE reimbursement
    deployed_total = 0.0
    tied_total = 0.0
    for (n, c), series in deployed.items():
        if not any(series):
            continue
        ground, tied = _rotate_one(
            series,
            float(inputs.tour[c]),
            float(inputs.ratio[c]),
            float(inputs.overlap[c]),
            inputs.mission_continues,
        )
        deployed_total += sum(ground) * personnel[c]
        tied_total += sum(tied) * personnel[c]
        for t, g in enumerate(ground):
            cost[n][t] += g * cost_of[n][c] / 12.0 * growth[t]
            ground_people[n][t] += g * personnel[c]
            equipment[n][t] += g * unit_cost[c] * float(inputs.equipment_share[c]) / 12.0
    paid = [[0.0] * months for _ in range(n_nat)]
    un_paid = 0.0
    for t in range(months):
        total = sum(cost[n][t] for n in range(n_nat))
        weights = [float(inputs.fund_share[n]) if exits[n] > t + 1 else 0.0
                   for n in range(n_nat)]
        for n in range(n_nat):
            if inputs.funding == "common_fund" and sum(weights) > 0:
                paid[n][t] = total * weights[n] / sum(weights)
            elif inputs.funding == "un_assessed":
                reimbursed = ground_people[n][t] * inputs.un_rate_person_year / 12.0
                reimbursed += equipment[n][t]
                paid[n][t] = cost[n][t] - reimbursed
                un_paid += reimbursed
            else:
                paid[n][t] = cost[n][t]
    peak = 0.0
    for y in range(0, months, 12):
        span = range(y, min(y + 12, months))
        for n in range(n_nat):
            per_year = max(sum(paid[n][t] for t in span), 0.0) / len(span) * 12.0
            peak = max(peak, per_year / float(inputs.defence_budget[n]) * 100.0)
    return {
        "total_cost_usd_m": sum(sum(row) for row in cost),
        "un_paid_usd_m": un_paid,
        "peak_budget_share_pct": peak,
        "deployed_personnel_mean": deployed_total / months,
        "tied_up_personnel_mean": tied_total / months,
    }


def _deterrence(
    inputs: ModelInputs, params: Mapping[str, float], flow: dict[str, Any]
) -> dict[str, float]:
    """Regeneration and the default offensive hazard, month by month."""
    trained = 0.0
    cumulative_hazard = 0.0
    ratio = russia = 0.0
    within_24m = 0.0  # cumulative hazard of the first 24 months (the fixed horizon)
    h0 = -math.log1p(-min(max(params["offensive_hazard_base_per_year"], 0.0), 0.999999)) / 12.0
    start, ceiling = params["russia_force_initial"], params["russia_force_ceiling"]
    growth = params["russia_regeneration_per_month"]
    headroom = max(ceiling - start, 0.0)
    for t in range(inputs.months):
        month = t + 1
        trained += flow["trainers"][t] * max(params["trainees_per_trainer_year"], 0.0) / 12.0
        headcount = max(
            params["ukraine_force_initial"] + params["ukraine_domestic_change_per_month"] * month,
            1.0,
        )
        retained = min(max(params["trainee_retention"], 0.0), 1.0) * trained
        ukraine = headcount + max(params["trained_effectiveness_gain"], 0.0) * min(
            retained, headcount
        )
        russia = start
        if growth < 0:
            russia = start + growth * month
        elif headroom > 0:
            russia = ceiling - headroom * math.exp(-growth * month / headroom)
        russia = max(russia, 1.0)
        ratio = (ukraine + max(params["foreign_troop_weight"], 0.0) * flow["foreign"][t]) / russia
        hazard = h0 * math.exp(
            -params["balance_sensitivity"] * (params["attacker_breakeven_ratio"] * ratio - 1.0)
        )
        hazard *= math.exp(-max(params["tripwire_per_flag"], 0.0) * flow["flags"][t])
        if inputs.backstop_enabled and "backstop_credibility" in params:
            reduction = min(max(params["backstop_effect"] * params["backstop_credibility"], 0.0),
                            1.0 - 1e-12)
            hazard *= 1.0 - reduction
        cumulative_hazard += hazard
        if month <= 24:
            within_24m = cumulative_hazard
    return {
        "p_offensive_end": -math.expm1(-cumulative_hazard),
        "p_offensive_24m": -math.expm1(-within_24m),
        "trained_added_end": trained,
        "deterrence_ratio_end": ratio,
        "russia_force_end": russia,
    }
