"""Which assumptions drive a result: rank correlation of inputs with outcomes.

For every sampled uncertainty (``param_<name>``) and every per-draw outcome
(``outcome_<name>``) of a simulation, the Spearman rank correlation over the
draws whose parameters the Dataset keeps (``keep_draws``, default 1,000).
A value near +1 or -1 means the outcome moves almost monotonically with that
assumption; near 0, the assumption hardly matters for it. With n draws an
independent input gives |rho| below about 2/sqrt(n) in 95 % of runs, so
smaller values are reported as noise (see docs/model.md, "What drives a result").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr

PARAM_PREFIX = "param_"
OUTCOME_PREFIX = "outcome_"


def drivers(ds: xr.Dataset, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Spearman rank correlation of each uncertainty with each outcome.

    Returns a DataFrame indexed by uncertainty name with one column per
    outcome, rows ordered by the largest absolute correlation. Draws where an
    outcome is not finite are left out of that outcome's column; a parameter
    that does not vary (a fixed value) gets 0.
    """
    params = sorted(
        str(v)[len(PARAM_PREFIX) :] for v in ds.data_vars if str(v).startswith(PARAM_PREFIX)
    )
    available = [
        str(v)[len(OUTCOME_PREFIX) :] for v in ds.data_vars if str(v).startswith(OUTCOME_PREFIX)
    ]
    chosen = available if outcomes is None else outcomes
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise ValueError(f"unknown outcome(s) {', '.join(unknown)}; known: {', '.join(available)}")
    if not params:
        return pd.DataFrame(columns=chosen, dtype=float)
    n_kept = ds.sizes["kept_draw"]
    inputs = pd.DataFrame(
        {p: np.asarray(ds[f"{PARAM_PREFIX}{p}"].values, dtype=float) for p in params}
    )
    # outcome_* has one value per draw in draw order; the kept draws are the first ones.
    table = pd.DataFrame(index=params, columns=chosen, dtype=float)
    for o in chosen:
        y = pd.Series(np.asarray(ds[f"{OUTCOME_PREFIX}{o}"].values[:n_kept], dtype=float))
        ok = np.isfinite(y.to_numpy())
        ranked_y = y[ok].rank()
        for p in params:
            x = inputs.loc[ok, p]
            if x.nunique() < 2 or ranked_y.nunique() < 2:
                table.loc[p, o] = 0.0
                continue
            table.loc[p, o] = float(np.corrcoef(x.rank(), ranked_y)[0, 1])
    return strongest_first(table)


def strongest_first(table: pd.DataFrame, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Rows ordered by the largest absolute correlation over ``outcomes`` (default: all).

    ``strongest_first(drivers(ds), outcomes)`` is ``drivers(ds, outcomes)``
    without computing the correlations again.
    """
    if outcomes is not None:
        table = table.loc[sorted(table.index), outcomes]
    order = table.abs().max(axis=1).sort_values(ascending=False).index
    return table.loc[order]


def noise_level(draws: int) -> float:
    """|rho| an irrelevant input stays below in about 95 % of runs with ``draws`` draws."""
    return 2.0 / math.sqrt(max(draws - 1, 1))
