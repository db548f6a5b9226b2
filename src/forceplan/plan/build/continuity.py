"""The continuity tier: units changed from the previous phase's plan."""

from __future__ import annotations

import math

import numpy as np

from forceplan.plan.model import CONTINUITY_STAGE, Block, PhaseModel, Stage


def add_continuity(model: PhaseModel, previous: dict[tuple[str, str, str], float]) -> None:
    """Add the last tier: units changed from the previous phase's plan.

    ``previous[(iso, cap, mission)]`` is the previous phase's solved allocation
    in unit-equivalents (whole units + sub-units / per_unit, > 0 only). The
    tier is ``sum |u[n,c,m] - prev[n,c,m]|`` over every key of either phase,
    where ``u = x + (sub + framework share x frame) / per_unit`` is what the nation has on the
    line now: a company changed counts a quarter of a battalion, and turning
    a national battalion into a multinational one led by the same nation
    (same people) changes little. With ``p = prev`` a constant and
    ``0 <= u <= U``:

    * ``p = 0``: ``|u - p| = u``, the columns' own coefficients, no new column;
    * ``p >= U``: ``|u - p| = p - u``, constant ``p`` and negated coefficients;
    * ``0 < p < U``: a column ``chg >= 0`` with ``chg >= u - p`` and
      ``chg >= p - u``; minimising ``chg`` makes it ``|u - p|``;
    * keys without a column here (requirement gone, nation unable): the
      constant ``p``.

    The new columns and rows form a block loaded only at this stage.
    """
    first_col, first_row = model.num_cols, model.num_rows
    coefficients: dict[int, float] = {}
    offset = 0.0
    targets: list[tuple[int, list[tuple[int, float]], float]] = []  # (change col, terms, p)
    groups: dict[tuple[str, str, str], list[tuple[int, float]]] = {}
    for key, col in model.allocation_columns().items():
        line = (key[0], key[1], key[2])
        groups.setdefault(line, []).append((col, model.unit_share(key)))
    for key, units in previous.items():
        if units > 0 and key not in groups:
            offset += units
    integral = True
    for key, terms in groups.items():
        p = float(previous.get(key, 0.0))
        upper = sum(model.col_upper[col] * share for col, share in terms)
        integral = integral and all(share == 1.0 for _, share in terms) and p.is_integer()
        if p <= 0:
            for col, share in terms:
                coefficients[col] = coefficients.get(col, 0.0) + share
        elif p >= upper - 1e-9:
            for col, share in terms:
                coefficients[col] = coefficients.get(col, 0.0) - share
            offset += p
        else:
            name = ",".join(key)
            chg = model.add_col(f"change[{name}]", 0.0, max(p, upper - p), False)
            model.change_cols[key] = chg
            up = [(chg, 1.0)] + [(col, -share) for col, share in terms]
            down = [(chg, 1.0)] + [(col, share) for col, share in terms]
            model.add_row(f"change_up[{name}]", up, -p, math.inf)
            model.add_row(f"change_down[{name}]", down, p, math.inf)
            coefficients[chg] = 1.0
            targets.append((chg, terms, p))
    end_col = model.num_cols

    def complete(values: np.ndarray) -> np.ndarray:
        full = np.zeros(end_col)
        full[: len(values)] = values
        for chg, terms, p in targets:
            full[chg] = abs(sum(values[col] * share for col, share in terms) - p)
        return full

    if end_col > first_col:
        model.blocks.append(Block((first_col, end_col), (first_row, model.num_rows), complete))
    model.stages.append(Stage(CONTINUITY_STAGE, coefficients, integral, offset))
