"""A chain of updates, each extending the last: how the outcomes moved report by report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from forceplan.scenario import Problem, Scenario, ScenarioError, load_scenario
from forceplan.scenario.loader import resolve_path
from forceplan.scenario.update_file import UpdateSpec, read_update
from forceplan.update.diff import DiffResult, Group, compare_figures, diff_to_dict, run_diff
from forceplan.update.evaluate import Cache, ProgressCallback, RunSettings
from forceplan.update.outcomes import OUTCOME_KEYS


@dataclass(frozen=True)
class Link:
    """One update of a chain: its file, its parsed form and the scenario it gives."""

    path: Path
    spec: UpdateSpec
    scenario: Scenario

    @property
    def label(self) -> str:
        src = self.spec.source
        return src.label if src is not None and (src.outlet or src.date) else self.path.stem


@dataclass(frozen=True)
class Chain:
    base: Scenario
    base_label: str
    links: tuple[Link, ...]


def update_specs(path: str | Path) -> list[UpdateSpec]:
    """The updates behind a scenario file, latest first (empty for a plain scenario)."""
    from forceplan.scenario.files import read_toml
    from forceplan.scenario.update_file import is_update

    out: list[UpdateSpec] = []
    seen: set[Path] = set()
    try:
        file = resolve_path(path)
    except FileNotFoundError:
        return out
    while file.resolve() not in seen and is_update(read_toml(file)):
        seen.add(file.resolve())
        spec = read_update(file)
        out.append(spec)
        file = spec.base_file
    return out


def bundled_chains() -> dict[str, Path]:
    """Bundled chains of updates (folders of update files) by name."""
    root = resources.files("forceplan") / "data" / "scenarios"
    return {
        entry.name: Path(str(entry))
        for entry in root.iterdir()
        if entry.is_dir() and any(c.name.endswith(".toml") for c in entry.iterdir())
    }


def expand_paths(paths: Sequence[str]) -> list[Path]:
    """Files as given; a folder (or a bundled chain's name) stands for its .toml files in order.

    Raises ScenarioError for a folder that holds none.
    """
    out: list[Path] = []
    chains = bundled_chains()
    for ref in paths:
        p = Path(ref)
        if p.is_dir():
            found = sorted(p.glob("*.toml"))
            if not found:
                raise ScenarioError([Problem(ref, "", "is a folder with no .toml update files")])
            out.extend(found)
        elif not p.exists() and ref in chains:
            out.extend(sorted(chains[ref].glob("*.toml")))
        else:
            out.append(p)
    return out


def load_chain(paths: Sequence[str | Path]) -> Chain:
    """Load updates that each extend the one before; ScenarioError if a link is broken."""
    if not paths:
        raise ScenarioError([Problem("", "", "a timeline needs at least one update")])
    links: list[Link] = []
    for k, ref in enumerate(paths):
        spec = read_update(ref)
        if k > 0 and spec.base_file.resolve() != links[-1].path.resolve():
            raise ScenarioError(
                [
                    Problem(
                        str(spec.file),
                        "extends",
                        f"extends {spec.extends!r}, not the update before it in the timeline "
                        f"({links[-1].path}); each update must extend the previous one",
                    )
                ]
            )
        links.append(Link(spec.file, spec, load_scenario(spec.file)))
    first = links[0].spec
    label = Path(first.extends).stem if first.extends.endswith(".toml") else first.extends
    return Chain(load_scenario(first.base_file), label, tuple(links))


@dataclass
class Timeline:
    chain: Chain
    steps: list[DiffResult]
    cache: Cache

    def values(self, key: str) -> list[float]:
        """The outcome at the base and after each update."""
        k = OUTCOME_KEYS.index(key)
        first = self.steps[0].attribution
        return [float(first.base[k]), *[float(s.attribution.full[k]) for s in self.steps]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.chain.base_label,
            "updates": [
                {"file": str(link.path), "label": link.label, "diff": diff_to_dict(step)}
                for link, step in zip(self.chain.links, self.steps, strict=True)
            ],
            "outcomes": {key: self.values(key) for key in OUTCOME_KEYS},
            "plans_solved": self.cache.plan_solves,
            "simulations_run": self.cache.simulations,
        }


def run_timeline(
    chain: Chain,
    settings: RunSettings | None = None,
    *,
    groups: Sequence[Group] = (),
    method: str = "auto",
    max_exact: int = 8,
    permutations: int | None = None,
    plan_cache: bool = True,
    progress: ProgressCallback | None = None,
) -> Timeline:
    """Diff each update against the one before, sharing one cache of plans and runs."""
    settings = settings or RunSettings()
    cache = Cache()
    steps: list[DiffResult] = []
    previous, previous_label = chain.base, chain.base_label
    for link in chain.links:
        figures = compare_figures(
            previous,
            link.scenario,
            specs=[link.spec],
            groups=groups,
            base_label=previous_label,
            new_label=link.label,
        )
        steps.append(
            run_diff(
                figures,
                settings,
                method=method,
                max_exact=max_exact,
                permutations=permutations,
                cache=cache,
                plan_cache=plan_cache,
                progress=progress,
            )
        )
        previous, previous_label = link.scenario, link.label
    return Timeline(chain, steps, cache)
