"""Stage 4: explore: sweeps over every declared range and lever, discovery, sensitivity.

Python API::

    from forceplan import load_scenario
    from forceplan.explore import Settings, explore, open_results
    report = explore(load_scenario("reassurance-2025"), "out/sweep",
                     Settings(experiments=100_000, sampler="lhs", seed=7))
    frame = report.results.to_pandas()          # or open_results("out/sweep")
    ds = open_results("out/sweep").to_xarray()  # dims (policy, experiment)

See docs/explore.md. Imports scenario, plan and simulate; never cli, store or web.
"""

from forceplan.explore.design import OUTCOMES, Design, Settings
from forceplan.explore.errors import ExploreError, ExploreInterrupted
from forceplan.explore.results import Results, open_results
from forceplan.explore.runner import Progress, RunReport, explore, prepare

__all__ = [
    "OUTCOMES",
    "Design",
    "ExploreError",
    "ExploreInterrupted",
    "Progress",
    "Results",
    "RunReport",
    "Settings",
    "explore",
    "open_results",
    "prepare",
]
