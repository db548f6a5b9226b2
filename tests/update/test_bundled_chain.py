"""The bundled 2025 chain: one update per report, each figure citing it, ending at the flagship."""

from __future__ import annotations

import pytest

from forceplan.scenario import load_scenario
from forceplan.update import (
    apply_changes,
    bundled_chains,
    compare_figures,
    diff_scenarios,
    expand_paths,
    load_chain,
    run_key,
)

#: the reports in /work/shared/sources (README), in order
REPORT_DATES = ["2025-02-01", "2025-04-10", "2025-04-11", "2025-08-19", "2025-08-20"]


@pytest.fixture(scope="module")
def chain():  # type: ignore[no-untyped-def]
    assert "updates-2025" in bundled_chains()
    return load_chain(expand_paths(["updates-2025"]))


def test_one_update_per_report_in_order(chain) -> None:  # type: ignore[no-untyped-def]
    assert [link.spec.source.date for link in chain.links] == REPORT_DATES
    assert chain.base_label == "reassurance-2025-prior"
    for link in chain.links:
        assert not link.spec.warnings, link.path  # every change has its source
        assert link.spec.source.outlet and link.spec.source.title and link.spec.source.gist


def test_every_changed_figure_cites_its_report(chain) -> None:  # type: ignore[no-untyped-def]
    previous = chain.base
    for link in chain.links:
        figures = compare_figures(previous, link.scenario, specs=[link.spec])
        read = [line for line in figures.lines if line.change.reads]
        assert read, f"{link.path} changes nothing the model reads"
        for line in read:
            assert line.citation and link.spec.source.outlet in line.citation, line.change.path
            assert line.gist, line.change.path
        previous = link.scenario


def test_every_coalition_of_every_step_is_a_valid_scenario(chain) -> None:  # type: ignore[no-untyped-def]
    previous = chain.base
    for link in chain.links:
        figures = compare_figures(previous, link.scenario, specs=[link.spec])
        n = len(figures.players)
        assert n <= 5, f"{link.path}: {n} players (keep the timeline exact and quick)"
        for mask in range(1 << n):
            chosen = [c for i, p in enumerate(figures.players) if mask >> i & 1 for c in p.changes]
            order = {id(line.change): k for k, line in enumerate(figures.lines)}
            apply_changes(previous, sorted(chosen, key=lambda c: order[id(c)]))
        previous = link.scenario


def test_the_chain_ends_at_the_flagship(chain) -> None:  # type: ignore[no-untyped-def]
    flagship = load_scenario("reassurance-2025")
    final = chain.links[-1].scenario
    assert [c.path for c in diff_scenarios(flagship, final) if c.reads] == []
    assert run_key(final) == run_key(flagship)  # same model content: same plan, same draws
    assert run_key(chain.base) != run_key(flagship)
