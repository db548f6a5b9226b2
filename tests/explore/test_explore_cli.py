"""The explore commands' bad-input handling and output, in process (Typer's CliRunner)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from explore_helpers import RANGED, sweep
from typer.testing import CliRunner

from forceplan.cli import app

runner = CliRunner()


def invoke(*args: str, columns: int = 100) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "--experiments: the sample must have at least 1 experiment (got 0)"),
        (["-n", "-5"], "--experiments: the sample must have at least 1 experiment (got -5)"),
        (["--plans", "0"], "--plans: must be between 1 and 4096 (got 0)"),
        (["--sampler", "grid"], "--sampler: unknown sampler 'grid' (choose lhs, sobol, mc)"),
        (["--seed", "-1"], "--seed: must be a whole number of at least 0"),
        (["--only", "cost_overun"], "--only: no uncertainty or scenario figure is called "
                                     "'cost_overun' (did you mean cost_overrun?)"),
        (["--fix", "nope=3"], "--fix: no uncertainty or scenario figure is called 'nope'"),
        (["--fix", "cost_overrun=abc"], "--fix: 'cost_overrun=abc': 'abc' is not a number"),
        (["--sampler", "sobol", "-n", "10"], "needs at least"),
    ],
)
def test_bad_settings_are_located_and_nothing_is_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    code, output = invoke("explore", str(RANGED), "--out", str(out), *args)
    assert code == 2, output
    assert message in output
    assert "Traceback" not in output
    assert not out.exists()


def test_a_range_with_low_above_high_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    base = RANGED.parent.parent / "fixtures" / "tiny.toml"
    text = RANGED.read_text().replace('"../fixtures/tiny.toml"', f'"{base}"')
    bad.write_text(text.replace("range = [500, 800]", "range = [800, 500]"))
    code, output = invoke("explore", str(bad), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "capabilities[0] (infantry_battalion).personnel_per_unit" in output
    assert "range low 800 is above range high 500" in output


def test_unknown_and_mistyped_levers_are_located(tmp_path: Path) -> None:
    levers = tmp_path / "levers.toml"
    levers.write_text("[levers]\nbackstop = [true, false]\nair_power = [1, 2]\n")
    code, output = invoke("explore", str(RANGED), "--out", str(tmp_path / "o"),
                          "--levers", str(levers))
    assert code == 2
    assert f"{levers}: levers.air_power: unknown lever (known levers: backstop, variant" in output
    levers.write_text('[levers]\nburden_sharing = ["penalty", "fair"]\n')
    code, output = invoke("explore", str(RANGED), "--out", str(tmp_path / "o"),
                          "--levers", str(levers))
    assert code == 2 and "levers.burden_sharing[1]: Input should be 'penalty', 'bound' or 'off'" \
        in output
    levers.write_text('[levers]\nvariant = ["no-such-scenario"]\n')
    code, output = invoke("explore", str(RANGED), "--out", str(tmp_path / "o"),
                          "--levers", str(levers))
    assert code == 2 and "levers.variant: 'no-such-scenario' is not a usable scenario" in output
    assert not (tmp_path / "o").exists()


def test_list_shows_every_input_with_its_stage_and_the_plan_design() -> None:
    code, output = invoke("explore", str(RANGED), "--list", "-n", "1000", "--plans", "8",
                          columns=200)
    assert code == 0, output
    assert "capabilities[infantry_battalion].rotation_ratio │ plan" in output
    assert "uniform 3 to 5" in output and "simulation" in output and "plan" in output
    assert "1,000 experiments x 1 lever combination; 8 plan points x 1 = 8 plans" in output


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "run"
    sweep(out, experiments=600, plans=4, seed=2)
    return out


def test_discover_prints_the_trade_off_and_saves_the_box(small_run: Path) -> None:
    code, output = invoke("discover", str(small_run), "--where", "coverage_mean < 0.9")
    assert code == 0, output
    assert "Peeling trajectory" in output and "coverage" in output and "density" in output
    saved = json.loads((small_run / "discover" / "coverage-mean-0-9" / "box.json").read_text())
    assert saved["where"] == "coverage_mean < 0.9" and saved["limits"]
    assert (small_run / "discover" / "coverage-mean-0-9" / "trajectory.csv").exists()
    for limit in saved["limits"]:
        assert limit["full_low"] <= limit["low"] <= limit["high"] <= limit["full_high"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("coverage < 0.9", "no column 'coverage' (did you mean 'coverage_mean'?)"),
        ("coverage_mean + 1", "is not a condition"),
        ("coverage_mean < ", "is not a condition: invalid syntax"),
        ("coverage_mean > 5", "no experiment satisfies"),
    ],
)
def test_discover_rejects_bad_conditions(small_run: Path, where: str, message: str) -> None:
    code, output = invoke("discover", str(small_run), "--where", where)
    assert code == 2 and message in output and "Traceback" not in output


def test_sensitivity_prints_a_tornado(small_run: Path) -> None:
    code, output = invoke("sensitivity", str(small_run), "--outcome", "total_cost_usd_m",
                          "--top", "5")
    assert code == 0, output
    assert "extra-trees feature scores over 600 experiments" in output
    assert "cost_overrun" in output and "█" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "cost"], "unknown outcome 'cost'; outcomes: deployed_personnel_mean"),
        (["--outcome", "total_cost_usd_m", "--method", "sobol"],
         "Sobol indices need a run sampled with --sampler sobol; this one used lhs"),
        (["--outcome", "total_cost_usd_m", "--lever", "backstop=on"],
         "expected LEVER=VALUE with a lever of this run (none in this run)"),
    ],
)
def test_sensitivity_rejects_bad_requests(small_run: Path, args: list[str], message: str) -> None:
    code, output = invoke("sensitivity", str(small_run), *args)
    assert code == 2 and message in output


def test_discover_on_a_directory_without_results_is_located(tmp_path: Path) -> None:
    code, output = invoke("discover", str(tmp_path), "--where", "coverage_mean < 0.9")
    assert code == 2 and "no manifest.json: not a forceplan explore result directory" in output


def test_the_cli_starts_without_the_exploration_stage() -> None:
    # (pandas, and with pandas 3 pyarrow, come with the plan commands' imports)
    code = textwrap.dedent("""
        import sys
        import forceplan.cli
        heavy = ("dask", "distributed", "scipy", "SALib", "sklearn", "prim", "xarray",
                 "forceplan.explore")
        loaded = [m for m in heavy if m in sys.modules]
        assert not loaded, loaded
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_resume_takes_settings_and_the_levers_file_from_the_manifest(tmp_path: Path) -> None:
    levers = tmp_path / "levers.toml"
    levers.write_text('[levers]\nburden_sharing = ["penalty", "off"]\n')
    out = tmp_path / "run"
    code, output = invoke("explore", str(RANGED), "--out", str(out), "-n", "200", "--plans",
                          "2", "--seed", "5", "--levers", str(levers), "--workers", "1")
    assert code == 0, output
    assert "200 x 2 lever combination(s)" in output
    code, output = invoke("explore", str(RANGED), "--out", str(out), "--resume")
    assert code == 0, output
    assert "400 experiments (200 x 2 lever combination(s)), 4 plans; sampler lhs, seed 5" in output
    assert "this run: 0 experiments and 0 plans" in output


def test_discover_among_a_subset_of_experiments(small_run: Path) -> None:
    code, output = invoke("discover", str(small_run), "--where", "coverage_mean < 0.9",
                          "--among", "cost_overrun > 1.15", "--save", str(small_run / "sub"))
    assert code == 0, output
    saved = json.loads((small_run / "sub" / "box.json").read_text())
    assert 0 < saved["rows"] < 600
    code, output = invoke("discover", str(small_run), "--where", "coverage_mean < 0.9",
                          "--among", "nonsense > 1")
    assert code == 2 and "--among" in output and "nonsense" in output
