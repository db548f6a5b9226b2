"""Stage after simulate: what an update (a new report) changes, figure by figure.

Python API::

    from forceplan import load_scenario
    from forceplan.update import compare_figures, run_diff, update_specs

    base = load_scenario("reassurance-2025")
    new = load_scenario("my-update.toml")
    figures = compare_figures(base, new, specs=update_specs("my-update.toml"))
    result = run_diff(figures)                 # plans, simulates, attributes
    result.outcome("p_offensive_end")          # (base, new, parts by change)

See docs/updates.md for the file format and the attribution method.
"""

from forceplan.update.attribution import (
    Attribution,
    attribute,
    exact_shapley,
    one_at_a_time,
    sampled_shapley,
)
from forceplan.update.diff import (
    ChangeLine,
    CoalitionError,
    DiffResult,
    FigureDiff,
    Player,
    compare_figures,
    diff_to_dict,
    figures_to_dict,
    run_diff,
)
from forceplan.update.evaluate import Cache, Evaluator, RunSettings
from forceplan.update.figures import (
    FigureChange,
    SubsetInvalid,
    apply_changes,
    diff_scenarios,
    plan_key,
    run_key,
)
from forceplan.update.outcomes import OUTCOMES, TIMELINE_OUTCOMES, Outcome
from forceplan.update.timeline import (
    Chain,
    Timeline,
    bundled_chains,
    expand_paths,
    load_chain,
    run_timeline,
    update_specs,
)

__all__ = [
    "OUTCOMES",
    "TIMELINE_OUTCOMES",
    "Attribution",
    "Cache",
    "Chain",
    "ChangeLine",
    "CoalitionError",
    "DiffResult",
    "Evaluator",
    "FigureChange",
    "FigureDiff",
    "Outcome",
    "Player",
    "RunSettings",
    "SubsetInvalid",
    "Timeline",
    "apply_changes",
    "attribute",
    "bundled_chains",
    "compare_figures",
    "diff_scenarios",
    "diff_to_dict",
    "exact_shapley",
    "expand_paths",
    "figures_to_dict",
    "load_chain",
    "one_at_a_time",
    "plan_key",
    "run_diff",
    "run_key",
    "run_timeline",
    "sampled_shapley",
    "update_specs",
]
