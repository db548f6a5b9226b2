"""Discovery and sensitivity on a result directory: pick rows, encode levers, call the methods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from forceplan.explore.discovery import Discovery, cases_of_interest, discover
from forceplan.explore.errors import ExploreError
from forceplan.explore.results import Results
from forceplan.explore.sensitivity import PLAN_FACTOR, Sensitivity, feature_scores, sobol_indices
from forceplan.explore.space import match


def _parse_filters(results: Results, filters: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUE`` lever filters, each value checked against the lever's options."""
    options = results.manifest["levers"]["options"]
    out: dict[str, Any] = {}
    for item in filters:
        name, sep, text = item.partition("=")
        if not sep or name not in options:
            known = ", ".join(options) or "none in this run"
            raise ExploreError("--lever", f"{item!r}: expected LEVER=VALUE with a lever of "
                               f"this run ({known})")
        match = [o for o in options[name] if str(o).lower() == text.strip().lower()]
        if not match:
            raise ExploreError("--lever", f"{name} has options "
                               f"{', '.join(map(str, options[name]))}, not {text!r}")
        out[name] = match[0]
    return out


def frame(results: Results, filters: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of the chosen lever combinations, levers encoded as option indices."""
    if not results.files:
        raise ExploreError(str(results.directory), "holds no finished experiments yet")
    chosen = _parse_filters(results, filters)
    data = results.to_pandas()
    for name, value in chosen.items():
        data = data[data[name] == value]
    options = results.manifest["levers"]["options"]
    for name in results.levers:
        codes = {v: i for i, v in enumerate(options[name])}
        data[f"{name}_code"] = data[name].map(codes).astype(float)
    return data.reset_index(drop=True)


def units(results: Results) -> dict[str, str]:
    out = {d["name"]: d.get("unit") or "" for d in results.manifest["dimensions"]}
    out.update({d["name"]: d["unit"] for d in results.manifest.get("drawn_inputs", [])})
    for name, opts in results.manifest["levers"]["options"].items():
        out[f"{name}_code"] = "; ".join(f"{i}={o}" for i, o in enumerate(opts))
    return out


def discover_in(results: Results, where: str, filters: Sequence[str] = (),
                inputs: Sequence[str] = (), among: str | None = None,
                **options: Any) -> Discovery:
    """PRIM over a result directory's inputs and levers (see ``discovery.discover``).

    ``inputs``: names or patterns (``*`` a wildcard) of the inputs PRIM may use
    (default: all, and every lever not fixed by ``filters``). ``among``: a
    condition that picks the experiments to analyse (e.g. feasible plans only).
    """
    data = frame(results, filters)
    if among:
        keep = cases_of_interest(data, among, "--among")
        data = data[keep.to_numpy()].reset_index(drop=True)
    candidates = results.inputs + [f"{n}_code" for n in results.levers if n not in
                                   _parse_filters(results, filters)]
    chosen = match(inputs, candidates, "--inputs") if inputs else set(candidates)
    inputs = [c for c in candidates if c in chosen]
    seed = int(results.manifest["settings"]["seed"])
    return discover(data, where, list(inputs), units(results), seed=seed, **options)


def sensitivity_in(results: Results, outcome: str, filters: Sequence[str] = (),
                   method: str = "auto", max_rows: int = 20_000) -> list[tuple[str, Sensitivity]]:
    """One analysis per lever combination left after ``filters`` (Sobol) or one overall."""
    if outcome not in results.outcomes:
        raise ExploreError("--outcome", f"unknown outcome {outcome!r}; outcomes: "
                           f"{', '.join(results.outcomes)}")
    sampler = results.manifest["settings"]["sampler"]
    if method == "auto":
        method = "sobol" if sampler == "sobol" else "trees"
    if method not in ("sobol", "trees"):
        raise ExploreError("--method", f"choose auto, sobol or trees (got {method!r})")
    if method == "sobol" and sampler != "sobol":
        raise ExploreError("--method", f"Sobol indices need a run sampled with --sampler "
                           f"sobol; this one used {sampler}")
    data = frame(results, filters)
    seed = int(results.manifest["settings"]["seed"])
    if method == "trees":
        inputs = results.inputs + [f"{n}_code" for n in results.levers]
        scores, used = feature_scores(data[inputs], data[outcome].to_numpy(dtype=float), seed,
                                      max_rows)
        table = scores.to_frame("score")
        return [("all experiments", Sensitivity(outcome, "extra-trees", used, table))]
    if not results.complete:
        raise ExploreError(str(results.directory), "is not complete; Sobol indices need every "
                           "experiment of the design (finish it with --resume)")
    sim = [d["name"] for d in results.manifest["dimensions"] if d["stage"] == "simulation"]
    names = sim + ([PLAN_FACTOR] if results.manifest["plan_design"]["points"] > 1 else [])
    out = []
    for _policy, rows in data.groupby("policy", sort=True):
        ordered = rows.sort_values("experiment")
        y = ordered[outcome].to_numpy(dtype=float)
        label = ", ".join(f"{n}={ordered[n].iloc[0]}" for n in results.levers) or "all"
        out.append((label, Sensitivity(outcome, "sobol", len(y), sobol_indices(names, y, seed))))
    return out

