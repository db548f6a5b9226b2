"""Which inputs matter for an outcome: Sobol indices (SALib) or extra-trees feature scores.

* A run sampled with ``--sampler sobol`` is a Saltelli design: SALib's
  ``sobol.analyze`` gives each simulation-stage input's first-order index S1
  (the share of the outcome's variance it explains alone) and total index ST
  (alone and in interactions), with bootstrap confidence intervals. The
  plan-stage figures enter as one factor, the plan point (the inner design's
  last column), since they were sampled at only P points.
* Any other run: extra-trees regression (scikit-learn), whose impurity-based
  feature scores (summing to 1) rank every input, plan-stage figures and
  levers included. Fitted on at most ``max_rows`` experiments (a seeded subset).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forceplan.explore.errors import ExploreError

PLAN_FACTOR = "plan point (plan-stage figures)"


@dataclass(frozen=True)
class Sensitivity:
    outcome: str
    method: str  # "sobol" or "extra-trees"
    rows: int
    scores: pd.DataFrame  # index: input; sobol: S1, S1_conf, ST, ST_conf; trees: score

    def top(self, n: int) -> pd.DataFrame:
        key = "ST" if self.method == "sobol" else "score"
        return self.scores.sort_values(key, ascending=False, kind="stable").head(n)

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "method": self.method,
            "rows": self.rows,
            "scores": {str(k): {c: float(v) for c, v in row.items()}
                       for k, row in self.scores.iterrows()},
        }


def sobol_indices(names: list[str], y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """S1 and ST (with 95% confidence half-widths) from outputs of a Saltelli design.

    ``y`` must be in the design's row order, one value per row of a design made
    by :func:`forceplan.explore.sampling.unit_design` with ``sampler='sobol'``.
    """
    from SALib.analyze import sobol

    d = len(names)
    if d == 0 or y.size % (d + 2) != 0:
        raise ExploreError("sensitivity", f"{y.size} values do not form a Saltelli design "
                           f"over {d} inputs (a multiple of {d + 2} is needed)")
    if not np.isfinite(y).all():
        bad = int((~np.isfinite(y)).sum())
        raise ExploreError("--outcome", f"{bad} experiments have no value (e.g. no feasible "
                           "plan); Sobol indices need every experiment of the design")
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    res = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False,
                        seed=seed)
    return pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"],
                         "ST": res["ST"], "ST_conf": res["ST_conf"]}, index=names)


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0,
                   max_rows: int = 20_000) -> tuple[pd.Series, int]:
    """Extra-trees feature scores of every varying column of ``x`` (sum 1); rows used."""
    from sklearn.ensemble import ExtraTreesRegressor

    ok = np.isfinite(y) & x.notna().all(axis=1).to_numpy()
    x, y = x[ok], y[ok]
    if len(y) < 10:
        raise ExploreError("--outcome", f"only {len(y)} experiments have a value; too few")
    if len(y) > max_rows:
        pick = np.random.default_rng(seed).choice(len(y), max_rows, replace=False)
        x, y = x.iloc[np.sort(pick)], y[np.sort(pick)]
    varying = [c for c in x.columns if x[c].nunique() > 1]
    if not varying:
        raise ExploreError("sensitivity", "no input varies")
    model = ExtraTreesRegressor(n_estimators=100, min_samples_leaf=5, max_features=0.6,
                                random_state=seed, n_jobs=1)
    model.fit(x[varying].to_numpy(dtype=float), y)
    scores = pd.Series(model.feature_importances_, index=varying)
    return scores.reindex(x.columns, fill_value=0.0), int(len(y))
