"""CLI commands that read scenario files only."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forceplan.cli import app

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.toml"
runner = CliRunner()


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(TINY)])
    assert result.exit_code == 0, result.output
    assert "2 nations, 2 capabilities, 2 missions, 2 phases over 24 months" in " ".join(
        result.output.split()
    )
    # tiny.toml, counted by hand. 40 figures: 10 of the two capabilities (5 each, the
    # relief overlap by default), 16 of the nations (4 each, the default political cap and
    # cost factor, 2 unit counts each), 2 mission requirements, 2 phase multipliers, the
    # burden-sharing band, the UN rate and the unit-cost correlation (costs defaults), 4
    # stance exit hazards, 2 simulation weights and min_nations_on_ground (a figure, so it
    # can carry its source). 6 settings: 2 mission priorities, 4 phase months. 19
    # uncertainties, all model defaults.
    # Cited 4: AAA's GDP, the UN rate, russia_force_initial, attacker_breakeven_ratio.
    # Assumptions 29: 12 figures (2 caps, 2 cost factors, the band, the correlation, 4 exit
    # hazards, 2 weights) and the 17 other default uncertainties. Bare: the other 32.
    assert (
        "65 numbers the model reads (40 figures, 6 settings, 19 uncertainties of which 19 "
        "model defaults): 4 cited, 29 marked as assumptions (derived or judged), 32 bare "
        "(neither)"
    ) in " ".join(result.output.split())


def test_validate_bad_file_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{TINY}"\n[[nations]]\niso = "AAA"\ngdp_usd_bn = -1\n')
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "nations[0] (AAA).gdp_usd_bn: must be positive" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_schema_is_json_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"nations", "capabilities", "missions", "phases"} <= set(schema["properties"])
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == schema


def test_sources_json_covers_every_number_the_model_reads(tmp_path: Path) -> None:
    """Issue 7, finding 8: `sources` left out the uncertainties, phase multipliers and
    simulation weights while `validate` called nothing bare. Now both read one list, and
    it holds every uncertainty the simulation samples (defaults included), every phase
    multiplier and both weights; the counts `validate` prints are that list's."""
    from forceplan.scenario import load_scenario
    from forceplan.simulate import effective_uncertainties

    out = tmp_path / "sources.json"
    result = runner.invoke(app, ["sources", "reassurance-2025", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    paths = {n["path"]: n for n in data["numbers"]}
    flagship = load_scenario("reassurance-2025")
    for name in effective_uncertainties(flagship):
        assert f"uncertainties.{name}" in paths
    for phase in flagship.phases:
        assert paths[f"phases[{phase.id}].multiplier"]["value"] == phase.multiplier
    for weight in ("cost_pressure_weight", "casualty_weight"):
        assert paths[f"simulation.{weight}"]["status"] == "assumption"
    assert paths["costs.person_year_cost_usd_m"]["value"] == 0.19
    statuses = [n["status"] for n in data["numbers"]]
    assert data["counts"] == {s: statuses.count(s) for s in set(statuses)}
    shown = " ".join(runner.invoke(app, ["validate", "reassurance-2025"]).output.split())
    counts = data["counts"]
    assert (
        f"{len(statuses)} numbers the model reads" in shown
        and f"{counts['cited']} cited, {counts['assumption']} marked as assumptions" in shown
        and f"{counts.get('bare', 0)} bare" in shown
    )
    # an uncertainty the scenario leaves to the model is listed, marked as a default
    tiny = json.loads(runner.invoke(app, ["sources", str(TINY), "--json", "-"]).output)
    entry = next(n for n in tiny["numbers"] if n["path"] == "uncertainties.cost_overrun")
    assert entry["default"] is True and entry["distribution"]["distribution"] == "lognormal"


def test_sources_lists_cited_and_uncited() -> None:
    result = runner.invoke(app, ["sources", str(TINY)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "nations[AAA].gdp_usd_bn" in result.output and "test figure" in result.output
    missing = runner.invoke(app, ["sources", "--missing", str(TINY)], env={"COLUMNS": "200"})
    assert "nations[AAA].gdp_usd_bn" not in missing.output
    assert "nations[BBB].gdp_usd_bn" in missing.output


def test_outputs_get_ordinary_file_permissions(tmp_path: Path) -> None:
    """Atomic writes go through a private temporary file; the result must not stay 0600."""
    import os

    old = os.umask(0o022)
    try:
        out = tmp_path / "schema.json"
        assert runner.invoke(app, ["schema", "-o", str(out)]).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
