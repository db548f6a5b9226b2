"""Burden sharing: each nation's cost share against its GDP share (docs/planner.md, 4.8)."""

from __future__ import annotations

import math

import numpy as np

from forceplan.plan.model import Block, PhaseModel
from forceplan.scenario.model import Scenario


def contributes_column(model: PhaseModel, iso: str, x_cols: list[int]) -> int:
    """A binary ``contributes[iso]``, forced to 1 when ``iso`` sends a unit (``x_cols``)."""
    z = model.add_col(f"contributes[{iso}]", 0.0, 1.0, True)
    model.contributes[iso] = z
    upper_units = sum(model.col_upper[c] for c in x_cols)
    model.add_row(
        f"contributes_if_sends[{iso}]",
        [(c, 1.0) for c in x_cols] + [(z, -upper_units)],
        -math.inf,
        0.0,
    )
    return z


def add_burden_sharing(
    scenario: Scenario,
    model: PhaseModel,
    cost_terms: dict[str, list[tuple[int, float]]],
    all_cost_terms: list[tuple[int, float]],
    disabled: frozenset[str],
) -> None:
    """Deviation of each nation's cost from its GDP share of the coalition's cost.

    Linearised: with ``T = sum_n cost_n``, the share gap ``cost_n/T - s_n`` is
    compared as money, ``cost_n - s_n T``. With basis "contributors" the GDP
    share ``s_n = gdp_n z_n / sum_j gdp_j z_j`` depends on who contributes
    (binary ``z``); writing ``r = T / sum_j gdp_j z_j`` (cost per US$ bn of
    contributing GDP) and ``v_n = r z_n`` (exact McCormick product of a
    bounded continuous and a binary) makes ``s_n T = gdp_n v_n`` and
    ``T = sum_n gdp_n v_n`` linear.
    """
    settings = scenario.constraints.burden_sharing
    model.dev_cols = []
    if settings.mode == "off" or not cost_terms:
        return
    bound = settings.mode == "bound"
    if bound and "burden_bound" in disabled:
        return
    delta = settings.max_deviation.value
    nations = scenario.nations
    gdp = {n.iso: n.gdp_usd_bn.value for n in nations}
    max_cost = {
        iso: sum(cost * model.col_upper[col] for col, cost in terms)
        for iso, terms in cost_terms.items()
    }
    # one column for the coalition's annual cost T keeps every share row sparse
    total = model.add_col("coalition_cost", 0.0, sum(max_cost.values()), False)
    model.add_row(
        "coalition_cost_definition",
        [(total, 1.0)] + [(col, -cost) for col, cost in all_cost_terms],
        0.0,
        0.0,
    )
    total_terms = [(total, 1.0)]

    # target[iso] = terms of s_n * T
    target: dict[str, list[tuple[int, float]]] = {}
    contributor: dict[str, int] = {}
    rate_if_contributes: dict[str, int] = {}
    rate = -1
    if settings.basis == "all":
        total_gdp = sum(gdp.values())
        for n in nations:
            share = gdp[n.iso] / total_gdp
            target[n.iso] = [(col, share * cost) for col, cost in total_terms]
    else:
        r_max = max(
            (max_cost[iso] / gdp[iso] for iso in cost_terms if max_cost[iso] > 0), default=0.0
        )
        rate = model.add_col("cost_per_gdp", 0.0, r_max, False)
        balance: list[tuple[int, float]] = list(total_terms)
        for iso in cost_terms:
            x_cols = [col for col, _ in cost_terms[iso]]
            z = contributes_column(model, iso, x_cols)
            contributor[iso] = z
            model.add_row(
                f"sends_if_contributes[{iso}]",
                [(z, 1.0)] + [(c, -1.0) for c in x_cols],
                -math.inf,
                0.0,
            )
            v = model.add_col(f"rate_if_contributes[{iso}]", 0.0, r_max, False)
            rate_if_contributes[iso] = v
            model.add_row(f"mccormick_a[{iso}]", [(v, 1.0), (z, -r_max)], -math.inf, 0.0)
            model.add_row(f"mccormick_b[{iso}]", [(v, 1.0), (rate, -1.0)], -math.inf, 0.0)
            model.add_row(
                f"mccormick_c[{iso}]", [(v, 1.0), (rate, -1.0), (z, -r_max)], -r_max, math.inf
            )
            target[iso] = [(v, gdp[iso])]
            balance.append((v, -gdp[iso]))
        model.add_row("cost_equals_rate_times_gdp", balance, 0.0, 0.0)

    dev_by_iso: dict[str, int] = {}
    for iso, share_terms in target.items():
        own = cost_terms.get(iso, [])
        gap = own + [(col, -coef) for col, coef in share_terms]  # cost_n - s_n T
        if bound:
            if not own:
                continue  # non-contributors: the bound is per contributing nation
            slack_terms = [(col, -delta * cost) for col, cost in total_terms]
            if settings.basis == "all":
                # s_n T - cost_n <= delta T only when n contributes (big-M on a binary)
                z = contributes_column(model, iso, [col for col, _ in own])
                big_m = gdp[iso] / sum(gdp.values()) * sum(max_cost.values())
                model.add_row(f"burden_over[{iso}]", gap + slack_terms, -math.inf, 0.0)
                model.add_row(
                    f"burden_under[{iso}]",
                    [(c, -v) for c, v in gap] + slack_terms + [(z, big_m)],
                    -math.inf,
                    big_m,
                )
            else:
                model.add_row(f"burden_over[{iso}]", gap + slack_terms, -math.inf, 0.0)
                model.add_row(
                    f"burden_under[{iso}]", [(c, -v) for c, v in gap] + slack_terms, -math.inf, 0.0
                )
        else:
            dev = model.add_col(f"deviation[{iso}]", 0.0, math.inf, False)
            model.dev_cols.append(dev)
            dev_by_iso[iso] = dev
            band = [(col, delta * cost) for col, cost in total_terms]
            model.add_row(
                f"deviation_over[{iso}]",
                [(dev, 1.0)] + [(c, -v) for c, v in gap] + band,
                0.0,
                math.inf,
            )
            model.add_row(f"deviation_under[{iso}]", [(dev, 1.0)] + gap + band, 0.0, math.inf)

    if bound:
        return
    all_gdp = sum(gdp.values())
    basis_all = settings.basis == "all"
    x_by_nation = {iso: [(col, cost) for col, cost in terms] for iso, terms in cost_terms.items()}
    num_cols = model.num_cols

    def complete(core: np.ndarray) -> np.ndarray:
        """Fill the burden columns from a plan: they are determined by it."""
        full = np.zeros(num_cols)
        full[: len(core)] = core
        cost_n = {iso: sum(core[c] * k for c, k in terms) for iso, terms in x_by_nation.items()}
        sends = {iso: sum(core[c] for c, _ in terms) > 0.5 for iso, terms in x_by_nation.items()}
        coalition = sum(cost_n.values())
        full[total] = coalition
        target_n: dict[str, float] = {}
        if basis_all:
            target_n = {iso: gdp[iso] / all_gdp * coalition for iso in dev_by_iso}
        else:
            sending_gdp = sum(gdp[iso] for iso, flag in sends.items() if flag)
            r = coalition / sending_gdp if sending_gdp > 0 else 0.0
            full[rate] = r
            for iso, z in contributor.items():
                full[z] = 1.0 if sends[iso] else 0.0
                full[rate_if_contributes[iso]] = r if sends[iso] else 0.0
                target_n[iso] = gdp[iso] * full[rate_if_contributes[iso]]
        for iso, dev in dev_by_iso.items():
            gap = abs(cost_n.get(iso, 0.0) - target_n.get(iso, 0.0))
            full[dev] = max(0.0, gap - delta * coalition)
        return full

    model.blocks.append(
        Block((model.core_cols, num_cols), (model.core_rows, model.num_rows), complete)
    )
