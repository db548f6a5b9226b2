"""Scenario discovery: where in input space does a condition hold? PRIM (the ``prim`` package).

Steps (docs/explore.md, "Discovery"):

1. the condition (``--where``, an expression over outcome, input and lever
   columns in the small language of :mod:`forceplan.explore.condition`)
   marks each experiment as a case of interest or not;
2. screening: PRIM's cost grows with the square of the number of inputs, so
   it runs on the ``max_inputs`` inputs that best separate cases from the rest
   (extra-trees feature scores), over at most ``max_rows`` experiments (a
   seeded random subset);
3. PRIM (Friedman and Fisher 1999, as packaged in ``prim``) peels the box
   step by step; every step's coverage (share of all cases inside the box) and
   density (share of the box that are cases) is the trade-off curve;
4. the chosen box is the step with the best balance of the two, the highest
   harmonic mean 2 c d / (c + d) of coverage c and density d, among steps with
   coverage at least ``min_coverage`` (or the step ``box`` the user names); its
   limits are given in each input's own units. Levers enter as integer codes
   (0, 1, ... in their option order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forceplan.explore.condition import evaluate
from forceplan.explore.errors import ExploreError


@dataclass(frozen=True)
class Discovery:
    where: str
    rows: int  # experiments analysed
    cases: int  # of which cases of interest
    screened: tuple[str, ...]  # inputs PRIM saw
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted
    chosen: int
    limits: pd.DataFrame  # input, unit, low, high, full_low, full_high, qp_value

    @property
    def coverage(self) -> float:
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        return float(self.trajectory["density"].iloc[self.chosen])

    def to_json(self) -> dict[str, Any]:
        def clean(x: Any) -> Any:
            if isinstance(x, float) and not math.isfinite(x):
                return None
            return x.item() if hasattr(x, "item") else x

        return {
            "where": self.where,
            "rows": self.rows,
            "cases": self.cases,
            "screened_inputs": list(self.screened),
            "chosen_step": self.chosen,
            "coverage": self.coverage,
            "density": self.density,
            "limits": [{k: clean(v) for k, v in r.items()}
                       for r in self.limits.to_dict(orient="records")],
            "trajectory": [{k: clean(v) for k, v in r.items()}
                           for r in self.trajectory.to_dict(orient="records")],
        }


def cases_of_interest(frame: pd.DataFrame, where: str, option: str = "--where") -> pd.Series:
    """Evaluate ``where`` on every row (see :mod:`forceplan.explore.condition`, never
    Python's eval); a clear error for a bad expression."""
    flags = evaluate(where, {str(c): frame[c].to_numpy() for c in frame.columns}, len(frame),
                     option)
    return pd.Series(flags, index=frame.index)


def screen(x: pd.DataFrame, y: np.ndarray, keep: int, seed: int) -> list[str]:
    """The ``keep`` columns that best separate cases from the rest (extra-trees scores)."""
    varying = [c for c in x.columns if x[c].nunique() > 1]
    if len(varying) <= keep:
        return varying
    from sklearn.ensemble import ExtraTreesClassifier

    model = ExtraTreesClassifier(n_estimators=100, min_samples_leaf=5, max_features="sqrt",
                                 random_state=seed, n_jobs=1)
    model.fit(x[varying].to_numpy(dtype=float), y)
    order = np.argsort(-model.feature_importances_, kind="stable")
    return [varying[i] for i in order[:keep]]


def discover(
    frame: pd.DataFrame,
    where: str,
    inputs: list[str],
    units: dict[str, str] | None = None,
    *,
    box: int | None = None,
    min_coverage: float = 0.0,
    max_inputs: int = 8,
    max_rows: int = 20_000,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    seed: int = 0,
) -> Discovery:
    """Find the box of input space where ``where`` holds (see the module docstring)."""
    import prim

    if not 0 <= min_coverage <= 1:
        raise ExploreError("--min-coverage", f"must be between 0 and 1 (got {min_coverage})")
    if max_inputs < 1 or max_rows < 2:
        raise ExploreError("--max-inputs", "needs at least one input and two rows")
    flags = cases_of_interest(frame, where)
    x_all = frame[inputs]
    ok = x_all.notna().all(axis=1).to_numpy()
    x_all, flags = x_all[ok], flags[ok]
    if len(x_all) > max_rows:
        pick = np.sort(np.random.default_rng(seed).choice(len(x_all), max_rows, replace=False))
        x_all, flags = x_all.iloc[pick], flags.iloc[pick]
    y = flags.to_numpy(dtype=bool)
    cases = int(y.sum())
    if cases == 0:
        raise ExploreError("--where", f"no experiment satisfies {where!r}; nothing to discover")
    if cases == len(y):
        raise ExploreError("--where", f"every experiment satisfies {where!r}; nothing to discover")
    x = x_all.reset_index(drop=True).astype(float)
    chosen_inputs = screen(x, y, max_inputs, seed)
    if not chosen_inputs:
        raise ExploreError(str(inputs[:3]), "no input varies; nothing to discover")
    finder = prim.Prim(x[chosen_inputs], y.astype(float), threshold=0.5, threshold_type=">",
                       peel_alpha=peel_alpha, paste_alpha=peel_alpha, mass_min=mass_min)
    found = finder.find_box()
    raw = found.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame({
        "step": np.arange(len(raw)),
        "coverage": raw["coverage"].astype(float),
        "density": raw["density"].astype(float),
        "mass": raw["mass"].astype(float),
        "restricted": raw["res dim"].astype(int),
    })
    step = _choose(trajectory, box, min_coverage)
    found.select(step)
    limits = _limits(found.limits, x[chosen_inputs], units or {})
    return Discovery(where, len(y), cases, tuple(chosen_inputs), trajectory, step, limits)


def _choose(trajectory: pd.DataFrame, box: int | None, min_coverage: float) -> int:
    if box is not None:
        if not 0 <= box < len(trajectory):
            raise ExploreError("--box", f"the trajectory has steps 0 to {len(trajectory) - 1}")
        return box
    eligible = trajectory[trajectory.coverage >= min_coverage]
    if eligible.empty:
        return 0
    c, d = eligible.coverage, eligible.density
    balance = (2 * c * d / (c + d)).fillna(0.0).to_numpy()
    return int(eligible["step"].to_numpy()[int(np.argmax(balance))])


def _limits(raw: pd.DataFrame, x: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    rows = []
    for name, rec in raw.iterrows():
        column = x[str(name)]
        rows.append({
            "input": str(name),
            "unit": units.get(str(name), ""),
            "low": float(rec["min"]),
            "high": float(rec["max"]),
            "full_low": float(column.min()),
            "full_high": float(column.max()),
            "qp_value": float(rec["qp values"]),
        })
    return pd.DataFrame(rows, columns=["input", "unit", "low", "high", "full_low", "full_high",
                                       "qp_value"])
