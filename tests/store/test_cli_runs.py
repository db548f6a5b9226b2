"""The store through the CLI: plan, simulate and compare are recorded; runs, show, rerun."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.store import Store
from forceplan.store import schema as t

TINY = str(Path(__file__).parents[1] / "fixtures" / "tiny.toml")
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def run_ids(url: str) -> list[int]:
    return [r.id for r in Store.open(url).list_runs(limit=None)]


def test_plan_simulate_and_compare_are_recorded(store_url: str) -> None:
    code, out = invoke("plan", TINY, "--db", store_url)
    assert code == 0 and "recorded as run 1" in out and "forceplan show 1" in out
    assert invoke("simulate", TINY, "--draws", "200", "--db", store_url)[0] == 0
    assert invoke("compare", TINY, TINY, "--draws", "100", "--db", store_url)[0] == 0
    code, out = invoke("runs", "--json", "--db", store_url)
    listing = json.loads(out)
    assert listing["schema_version"] == 1 and listing["total"] == 3
    assert [(r["id"], r["kind"], r["status"]) for r in listing["runs"]] == [
        (3, "compare", "finished"), (2, "simulate", "finished"), (1, "plan", "finished")
    ]
    assert listing["runs"][1]["seed"] == 0 and listing["runs"][1]["options"]["draws"] == 200
    assert listing["runs"][2]["headline"]["peak_deployed"] == 1450


def test_no_store_records_nothing(store_url: str) -> None:
    Store.open(store_url).close()
    assert invoke("plan", TINY, "--db", store_url, "--no-store")[0] == 0
    assert run_ids(store_url) == []


def test_show_prints_the_same_tables_again(store_url: str) -> None:
    code, first = invoke("plan", TINY, "--db", store_url)
    assert code == 0
    code, shown = invoke("show", "1", "--db", store_url)
    assert code == 0
    body = first.split("recorded as run")[0]
    assert body.strip() and body in shown
    assert "Run 1: plan of tiny, finished" in shown


def test_show_of_a_simulation_reads_its_verified_file(store_url: str) -> None:
    assert invoke("simulate", TINY, "--draws", "200", "--db", store_url)[0] == 0
    code, shown = invoke("show", "latest", "--db", store_url)
    assert code == 0
    assert "Regeneration and deterrence" in shown and "verified" in shown


def test_rerun_reproduces_every_number(store_url: str) -> None:
    assert invoke("simulate", TINY, "--draws", "300", "--seed", "4", "--db", store_url)[0] == 0
    code, out = invoke("rerun", "1", "--db", store_url)
    assert code == 0, out
    assert "identical: every one of" in out
    info = Store.open(store_url).get_run(2)
    assert (info.rerun_of, info.kind, info.seed) == (1, "simulate", 4)


def test_rerun_notices_a_changed_number(store_url: str) -> None:
    assert invoke("plan", TINY, "--db", store_url)[0] == 0
    store = Store.open(store_url)
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(t.result_tables.c.id, t.result_tables.c.columns, t.result_tables.c.rows)
            .where(t.result_tables.c.name == "allocations")
        ).one()
        personnel = [c["name"] for c in row.columns].index("personnel")
        rows = [list(r) for r in row.rows]
        rows[0][personnel] += 1
        conn.execute(t.result_tables.update().where(t.result_tables.c.id == row.id)
                     .values(rows=rows))
    code, out = invoke("rerun", "1", "--db", store_url, "--no-store")
    assert code == 1
    assert "different:" in out and "table allocations" in out and "personnel" in out


def test_unknown_run_is_a_clean_error(store_url: str) -> None:
    for command in ("show", "rerun"):
        code, out = invoke(command, "42", "--db", store_url)
        assert code == 2 and "no run 42 in the run store" in out


def test_an_unanswering_database_stops_before_anything_is_written(tmp_path: Path) -> None:
    out_file = tmp_path / "plan.json"
    code, out = invoke("plan", TINY, "--json", str(out_file), "--db",
                       "postgresql://nobody@127.0.0.1:1/none")
    assert code == 2 and "cannot open the run store" in out and "--no-store" in out
    assert not out_file.exists()
    code, out = invoke("runs", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert code == 2 and "cannot open the run store" in out


def test_a_newer_store_is_a_clean_error(store_url: str) -> None:
    store = Store.open(store_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    for args in (["runs"], ["plan", TINY]):
        code, out = invoke(*args, "--db", store_url)
        assert code == 2 and "newer forceplan" in out


def test_a_failed_plan_is_recorded_as_failed(store_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "infeasible.toml"
    bad.write_text(Path(TINY).read_text().replace(
        'title = "Two-nation toy"',
        # a hard goal no plan can meet (soft goals would give a plan that misses it)
        'title = "Two-nation toy"\n\n[constraints]\nmin_nations_on_ground = 2\ngoals = "hard"',
    ))
    code, _ = invoke("plan", str(bad), "--db", store_url)
    assert code == 1
    (run,) = Store.open(store_url).list_runs()
    assert run.status == "failed" and run.error and "infeasible" in run.error.lower()
    code, out = invoke("rerun", str(run.id), "--db", store_url)
    assert code == 2 and "failed: there are no results" in out


def test_the_flagship_plan_and_10000_draws_rerun_identically(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    assert invoke("plan", "reassurance-2025", "--db", url)[0] == 0
    assert invoke("simulate", "reassurance-2025", "--draws", "10000", "--seed", "7",
                  "--db", url)[0] == 0
    for run in ("1", "2"):
        code, out = invoke("rerun", run, "--db", url, "--no-store")
        assert code == 0 and "identical" in out, out


def test_show_exports_a_stored_dataset_as_netcdf(tmp_path: Path) -> None:
    import xarray as xr

    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    assert invoke("simulate", TINY, "--draws", "200", "--db", url)[0] == 0
    out = tmp_path / "again.nc"
    code, text = invoke("show", "1", "--netcdf", str(out), "--db", url)
    assert code == 0, text
    stored = Store.open(url).load_results(1)[1].dataset()
    xr.testing.assert_identical(xr.load_dataset(out, engine="h5netcdf"), stored)
    assert invoke("plan", TINY, "--db", url)[0] == 0
    code, text = invoke("show", "2", "--netcdf", str(tmp_path / "x.nc"), "--db", url)
    assert code == 2 and "no simulation Dataset" in text
